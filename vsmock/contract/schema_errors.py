"""JSON Schema failures, worded the way the live API words validation errors.

``Invalid 'limit': integer below minimum value. Expected a value >= 1, but got 0
instead.`` with ``code: integer_below_min_value`` and ``param: limit``, and so on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError, best_match, relevance

from vsmock.errors import InvalidRequest

_TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
}


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def param_path(root: str | None, path: Iterable[Any]) -> str | None:
    text = root or ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text or None


def _quoted_list(values: list[Any]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def to_api_error(error: ValidationError, root: str | None = None) -> InvalidRequest:
    """One schema failure as an ``InvalidRequest`` naming the offending parameter."""
    kind = error.validator
    value = error.instance
    rule = error.validator_value
    param = param_path(root, error.absolute_path)
    name = param or "body"
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(rule)
        full = param_path(param, [missing])
        return InvalidRequest(
            f"Missing required parameter: '{full}'.", param=full, code="missing_required_parameter"
        )
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in value if k not in allowed) if isinstance(value, dict) else []
        full = param_path(param, extra[:1]) if extra else param
        return InvalidRequest(f"Unknown parameter: '{full}'.", param=full, code="unknown_parameter")
    if kind == "type":
        expected = rule[0] if isinstance(rule, list) else rule
        return InvalidRequest(
            f"Invalid type for '{name}': expected {_TYPE_NAMES.get(expected, expected)}, "
            f"but got {type_name(value)} instead.",
            param=param,
            code="invalid_type",
        )
    if kind == "enum":
        return InvalidRequest(
            f"Invalid value: '{value}'. Supported values are: {_quoted_list(list(rule))}.",
            param=param,
            code="invalid_value",
        )
    if kind in ("minimum", "maximum"):
        number = "integer" if isinstance(value, int) else "decimal"
        below = kind == "minimum"
        exclusive = error.schema.get("exclusiveMinimum" if below else "exclusiveMaximum") is True
        bound = (">" if below else "<") + ("" if exclusive else "=")
        return InvalidRequest(
            f"Invalid '{name}': {number} {'below minimum' if below else 'above maximum'} value. "
            f"Expected a value {bound} {rule}, but got {value} instead.",
            param=param,
            code=f"{number}_{'below_min' if below else 'above_max'}_value",
        )
    if kind == "maxLength":
        return InvalidRequest(
            f"Invalid '{name}': string too long. Expected a string with maximum length {rule}, "
            f"but got a string with length {len(value)} instead.",
            param=param,
            code="string_above_max_length",
        )
    if kind == "minLength":
        return InvalidRequest(
            f"Invalid '{name}': string too short. Expected a string with minimum length {rule}, "
            f"but got a string with length {len(value)} instead.",
            param=param,
            code="string_below_min_length",
        )
    if kind == "maxItems":
        return InvalidRequest(
            f"Invalid '{name}': array too long. Expected an array with maximum length {rule}, "
            f"but got an array with length {len(value)} instead.",
            param=param,
            code="array_above_max_length",
        )
    if kind == "minItems":
        return InvalidRequest(
            f"Invalid '{name}': empty array. Expected an array with minimum length {rule}, "
            f"but got an empty array instead."
            if not value
            else f"Invalid '{name}': array too short. Expected an array with minimum length "
            f"{rule}, but got an array with length {len(value)} instead.",
            param=param,
            code="empty_array" if not value else "array_below_min_length",
        )
    if kind == "maxProperties":
        return InvalidRequest(
            f"Invalid '{name}': too many properties. Expected an object with at most {rule} "
            f"properties, but got an object with {len(value)} properties instead.",
            param=param,
            code="object_above_max_properties",
        )
    if kind == "not" and isinstance(rule, dict) and "type" in rule:
        parent = error.parent.instance if error.parent is not None else None
        tag = parent.get("type") if isinstance(parent, dict) else None
        return InvalidRequest(
            f"Invalid type for '{name}': {type_name(value)} is not allowed"
            + (f" with type '{tag}'." if isinstance(tag, str) else " here."),
            param=param,
            code="invalid_type",
        )
    if kind == "not" and isinstance(rule, dict) and rule.get("required"):
        names = list(rule["required"])
        return InvalidRequest(
            f"Exactly one of {' or '.join(repr(n) for n in names)} must be provided.",
            param=param_path(param, names[:1]),
            code="invalid_value",
        )
    if kind in ("oneOf", "anyOf"):
        if kind == "anyOf" and all("required" in s for s in rule if isinstance(s, dict)):
            names = [s["required"][0] for s in rule if s.get("required")]
            return InvalidRequest(
                f"Missing required parameter: one of {_quoted_list(names)} must be provided.",
                param=param_path(param, names[:1]),
                code="missing_required_parameter",
            )
        types = [e.validator_value for e in error.context or [] if e.validator == "type"]
        if types and len(types) == len(error.context or []):
            expected = " or ".join(_TYPE_NAMES.get(t, str(t)) for t in dict.fromkeys(types))
            return InvalidRequest(
                f"Invalid type for '{name}': expected {expected}, but got {type_name(value)} "
                "instead.",
                param=param,
                code="invalid_type",
            )
        return InvalidRequest(
            f"Invalid value for '{name}': it does not match any of the accepted shapes.",
            param=param,
            code="invalid_value",
        )
    return InvalidRequest(f"Invalid '{name}': {error.message}.", param=param, code="invalid_value")


def _tags(branch: Any) -> list[Any]:
    if not isinstance(branch, dict):
        return []
    tag = branch.get("properties", {}).get("type", {})
    return list(tag.get("enum", [])) if isinstance(tag, dict) else []


def _off_branch(error: ValidationError) -> bool:
    """Whether ``error`` lies in a oneOf/anyOf branch other than the one the instance's
    ``type`` tag selects (so ``{"type": "eq", "value": 1}`` is reported as a comparison
    filter missing its ``key``, not as a compound filter with the wrong type)."""
    parent = error.parent
    if parent is None or parent.validator not in ("oneOf", "anyOf"):
        return False
    if not isinstance(parent.instance, dict):
        return False
    tag = parent.instance.get("type")
    chosen = [i for i, b in enumerate(parent.validator_value) if tag in _tags(b)]
    return len(chosen) == 1 and list(error.relative_schema_path)[:1] != chosen


def _relevance(error: ValidationError) -> tuple[Any, ...]:
    return (_off_branch(error), *relevance(error))  # best_match takes the min in a context


def first_error(
    errors: Iterable[ValidationError], root: str | None = None
) -> InvalidRequest | None:
    error = best_match(errors, key=_relevance)
    return None if error is None else to_api_error(error, root)
