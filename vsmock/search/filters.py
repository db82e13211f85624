"""Attribute filters of vector store search (the OpenAI ``filters`` parameter).

Shapes::

    comparison: {"type": "eq"|"ne"|"gt"|"gte"|"lt"|"lte"|"in"|"nin", "key": str, "value": V}
    compound:   {"type": "and"|"or", "filters": [comparison | compound, ...]}

Filters nest at most :data:`MAX_DEPTH` levels, the top-level filter being level 1 (a
documented limit: a deeper filter is refused with a 400 naming ``filters``).

``V`` is a string, a number or a boolean; for ``in``/``nin`` it is an array of those.

:func:`validate_filter` rejects a malformed filter with :class:`FilterError`, whose ``param``
is the dotted path of the offending part (``filters.filters[1].value``). It rejects: a
filter that is not an object; a missing, non-string or unknown ``type``; a missing or extra
field; a ``key`` that is not a non-empty string; a ``value`` that is null, an object, a
non-finite number, an array (except for ``in``/``nin``), or not an array for ``in``/``nin``;
an array element that is not a scalar; a ``filters`` that is not a non-empty array.

Matching (:func:`matches`) is type-aware:

* numbers (``int``/``float``, not ``bool``) compare as numbers, so ``1 == 1.0``;
* strings compare as strings (``gt``/``lt``... lexicographically, by code point);
* booleans only compare with ``eq``/``ne`` (``gt`` & co. never match a boolean);
* values of different types are never equal: ``eq``, ``gt``, ``gte``, ``lt``, ``lte`` and
  ``in`` do not match, ``ne`` and ``nin`` ("not equal", "not in") do.

Missing key (documented choice): a comparison on an attribute the file does not have never
matches, EXCEPT under ``ne`` and ``nin``, which match: a file without ``region`` satisfies
``region ne "eu"`` and ``region nin ["eu"]``, the same way a value of another type does.
``and`` of an empty list would be vacuously true and ``or`` false, but empty lists are
rejected by validation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

Scalar = str | int | float | bool

COMPARISON_TYPES: Final = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")
MAX_DEPTH: Final = 20  # levels of filters, the top-level one being level 1
COMPOUND_TYPES: Final = ("and", "or")
_ARRAY_TYPES: Final = ("in", "nin")


class FilterError(Exception):
    """A malformed filter; ``param`` is the dotted path of the offending part."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return type(value).__name__


def _check_scalar(value: object, param: str) -> None:
    kind = _kind(value)
    if kind not in ("boolean", "number", "string"):
        raise FilterError(
            f"Invalid type for '{param}': expected a string, a number or a boolean, "
            f"but got {'an' if kind[0] in 'aeiou' else 'a'} {kind} instead.",
            param,
        )
    # (an int of any size is finite and compares exactly: float() of a big one overflows)
    if isinstance(value, float) and not math.isfinite(value):
        raise FilterError(f"Invalid value for '{param}': expected a finite number.", param)


def _check_fields(f: Mapping[str, object], allowed: tuple[str, ...], param: str) -> None:
    for name in allowed:
        if name not in f:
            raise FilterError(f"Missing required parameter: '{param}.{name}'.", f"{param}.{name}")
    for name in f:
        if name not in allowed:
            raise FilterError(f"Unknown parameter: '{param}.{name}'.", f"{param}.{name}")


def validate_filter(f: object, param: str = "filters", *, depth: int = 1) -> None:
    """Raise :class:`FilterError` unless ``f`` is a well-formed filter."""
    if depth > MAX_DEPTH:
        root = param.split(".", 1)[0]
        raise FilterError(
            f"Invalid '{root}': filters may be nested at most {MAX_DEPTH} levels deep, but "
            f"'{param}' is at level {depth}.",
            root,
        )
    if not isinstance(f, Mapping):
        raise FilterError(
            f"Invalid type for '{param}': expected an object, but got {_kind(f)} instead.", param
        )
    kind = f.get("type")
    if "type" not in f:
        raise FilterError(f"Missing required parameter: '{param}.type'.", f"{param}.type")
    if not isinstance(kind, str) or kind not in COMPARISON_TYPES + COMPOUND_TYPES:
        expected = ", ".join(f"'{t}'" for t in COMPARISON_TYPES + COMPOUND_TYPES)
        raise FilterError(
            f"Invalid value for '{param}.type': expected one of {expected}.", f"{param}.type"
        )
    if kind in COMPOUND_TYPES:
        _check_fields(f, ("type", "filters"), param)
        children = f["filters"]
        if not isinstance(children, list | tuple):
            raise FilterError(
                f"Invalid type for '{param}.filters': expected an array of filters, "
                f"but got {_kind(children)} instead.",
                f"{param}.filters",
            )
        if not children:
            raise FilterError(
                f"Invalid '{param}.filters': empty array. Expected an array with minimum length 1.",
                f"{param}.filters",
            )
        for i, child in enumerate(children):
            validate_filter(child, f"{param}.filters[{i}]", depth=depth + 1)
        return
    _check_fields(f, ("type", "key", "value"), param)
    key = f["key"]
    if not isinstance(key, str) or not key:
        raise FilterError(
            f"Invalid value for '{param}.key': expected a non-empty string.", f"{param}.key"
        )
    value = f["value"]
    where = f"{param}.value"
    if kind in _ARRAY_TYPES:
        if not isinstance(value, list | tuple):
            raise FilterError(
                f"Invalid type for '{where}': operator '{kind}' expects an array, "
                f"but got {_kind(value)} instead.",
                where,
            )
        for i, item in enumerate(value):
            _check_scalar(item, f"{where}[{i}]")
        return
    if isinstance(value, list | tuple):
        raise FilterError(
            f"Invalid type for '{where}': an array is only allowed with 'in' and 'nin', "
            f"not with '{kind}'.",
            where,
        )
    _check_scalar(value, where)


def _equal(a: object, b: object) -> bool:
    ka, kb = _kind(a), _kind(b)
    return ka == kb and a == b


def _compare(op: str, a: object, b: object) -> bool:
    ka = _kind(a)
    if ka != _kind(b) or ka not in ("number", "string"):
        return False
    x, y = a, b  # both numbers or both strings here
    if op == "gt":
        return x > y  # type: ignore[operator]
    if op == "gte":
        return x >= y  # type: ignore[operator]
    if op == "lt":
        return x < y  # type: ignore[operator]
    return x <= y  # type: ignore[operator]


def matches(f: Mapping[str, object], attributes: Mapping[str, Scalar] | None) -> bool:
    """Whether ``attributes`` satisfy the (validated) filter ``f``."""
    kind = f["type"]
    if kind == "and":
        return all(matches(c, attributes) for c in _children(f))
    if kind == "or":
        return any(matches(c, attributes) for c in _children(f))
    attrs = attributes or {}
    key = f["key"]
    value = f["value"]
    if not isinstance(key, str) or key not in attrs:
        return kind in ("ne", "nin")
    actual = attrs[key]
    if kind == "eq":
        return _equal(actual, value)
    if kind == "ne":
        return not _equal(actual, value)
    if kind in _ARRAY_TYPES:
        items: Sequence[object] = value if isinstance(value, list | tuple) else (value,)
        found = any(_equal(actual, v) for v in items)
        return found if kind == "in" else not found
    if kind in ("gt", "gte", "lt", "lte"):
        return _compare(str(kind), actual, value)
    raise ValueError(f"unknown filter type {kind!r}")


def _children(f: Mapping[str, object]) -> Sequence[Mapping[str, object]]:
    children = f["filters"]
    assert isinstance(children, list | tuple)
    return children
