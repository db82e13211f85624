"""Reporting a contract violation found by the stateless backend.

The request validators catch what the schema says; the backend catches what it
cannot say (mutually exclusive fields, property-name lengths, the chunk overlap
rule, filter shapes). Both end the same way: recorded and answered in lenient
mode, a 400 envelope with ``--strict-requests``.
"""

from __future__ import annotations

from typing import Any

from connexion.context import _scope

from vsmock.errors import APIError
from vsmock.http.validators import check


def report(error: APIError | None, *, strict: bool, value: Any = None) -> None:
    """Record ``error`` against the request being answered, or raise it when strict."""
    if error is None:
        return
    scope = _scope.get(None)
    rule = error.code or "invalid"
    if scope is None:  # called outside a request (e.g. directly from Python)
        if strict:
            raise error
        return
    check(scope, error, rule=rule, value=value)
