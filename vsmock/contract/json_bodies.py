"""JSON request bodies: what the API reads as JSON, and a clear 400 for the rest.

Beyond what ``json`` refuses, a body is refused when it holds:

* ``NaN``, ``Infinity`` or ``-Infinity`` (not JSON, though Python's parser takes them),
  or a number too large for a double (``1e400``);
* an integer of more digits than Python reads (4,300); smaller integers of any size are
  read exactly (where the contract bounds a number, it says so, and a filter compares them
  exactly);
* more than :data:`MAX_DEPTH` levels of nesting (a 5,000-level body would otherwise
  exhaust the interpreter's recursion limit wherever it is walked).

Each gets ``invalid_request_error`` with code ``invalid_json`` and a message saying what
was wrong.
"""

from __future__ import annotations

import json
import math
from typing import Any

from vsmock.errors import InvalidRequest

MAX_DEPTH = 64  # levels of objects and arrays in one body
_PREFIX = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
    "sent was not valid JSON. Parser said: {})"
)


class _Refused(ValueError):
    """A value JSON's grammar allows (or Python's parser takes) that the API does not."""


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_constant=_constant)  # built once: json.loads with a hook
# would build one per call


def invalid(reason: str) -> InvalidRequest:
    return InvalidRequest(_PREFIX.format(reason), code="invalid_json")


def parse(raw: bytes, encoding: str = "utf-8") -> Any:
    """The body as JSON (None when empty); raises :class:`InvalidRequest` otherwise."""
    if not raw or raw.isspace():
        return None
    try:
        value = _DECODER.decode(raw.decode(encoding))
    except RecursionError:
        raise invalid(f"it is nested more than {MAX_DEPTH} levels deep") from None
    except _Refused as exc:
        raise invalid(str(exc)) from None
    except (ValueError, UnicodeDecodeError, LookupError) as exc:
        if "integer string conversion" in str(exc):  # Python's digit limit for int()
            raise invalid("a number in it has more digits than any number the API takes") from None
        raise invalid(str(exc)) from None
    problem = _problem(value)
    if problem is not None:
        raise invalid(problem)
    return value


def _problem(value: Any) -> str | None:
    """What makes a parsed body unacceptable (its depth, a number too large for a double,
    which ``json`` reads as an infinity), or None; iterative, visiting containers only."""
    kind = type(value)
    if kind is float:
        return None if math.isfinite(value) else _TOO_LARGE
    if kind is not dict and kind is not list:
        return None
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is dict or kind is list:
                if depth >= MAX_DEPTH:
                    return f"it is nested more than {MAX_DEPTH} levels deep"
                stack.append((child, depth + 1))
            elif kind is float and not math.isfinite(child):
                return _TOO_LARGE
    return None


_TOO_LARGE = "a number in it is too large for a double"


def describe(raw: bytes) -> tuple[bool, Any]:
    """``(True, value)`` when ``raw`` is a body :func:`parse` accepts, else ``(False, None)``:
    for the journal and scenarios, which keep any body without failing on it."""
    try:
        return True, parse(raw)
    except InvalidRequest:
        return False, None
