"""Reporting a contract violation found by the stateless backend.

The request validators catch what the schema says; the backend catches what it
cannot say (mutually exclusive fields, property-name lengths, the chunk overlap
rule, filter shapes). Both end the same way: recorded and answered in lenient
mode, a 400 envelope with ``--strict-requests``.
"""

from __future__ import annotations

from typing import Any

from vsmock.control.violations import CURRENT, Violations
from vsmock.errors import APIError


def report(
    error: APIError | None, *, strict: bool, violations: Violations, value: Any = None
) -> None:
    """Raise ``error`` when strict; else record it against the request being answered (if
    any: called directly from Python, there is none, and nothing is recorded)."""
    if error is None:
        return
    if strict:
        raise error
    describe = CURRENT.get()
    if describe is not None:
        violations.record(describe(), error, rule=error.code or "invalid", value=value)
