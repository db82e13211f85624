"""Checks the contract's schema cannot express, worded as the live API words them.

The schema (openapi.yaml) already bounds sizes it can (16 properties, 512-character
values); what it cannot, like property-name length or the chunk overlap rule, is
checked here.
"""

from __future__ import annotations

import re
from typing import Any

from vsmock.contract.json_types import JsonObject
from vsmock.errors import InvalidRequest

MAX_KEYS = 16
MAX_KEY_LENGTH = 64
MAX_VALUE_LENGTH = 512
AUTO_CHUNKING = (800, 400)
MIN_CHUNK, MAX_CHUNK = 100, 4096

_ID_CHARS = re.compile(r"[A-Za-z0-9_-]+")
PREFIXES = {
    "vector_store_id": "vs_",
    "batch_id": "vsfb_",
    "file_id": "file-",
    "response_id": "resp_",
}


def id_error(param: str, value: str) -> InvalidRequest | None:
    """The live API refuses ids with a foreign prefix or characters before looking them up."""
    if not _ID_CHARS.fullmatch(value):  # ``match`` with ``$`` would let a final newline in
        return InvalidRequest(
            f"Invalid '{param}': '{value}'. Expected an ID that contains letters, numbers, "
            "underscores, or dashes, but this value contained additional characters.",
            param=param,
            code="invalid_value",
        )
    prefix = PREFIXES[param]
    if not value.startswith(prefix):
        return InvalidRequest(
            f"Invalid '{param}': '{value}'. Expected an ID that begins with '{prefix}'.",
            param=param,
            code="invalid_value",
        )
    return None


def check_map(param: str, value: Any, *, strings_only: bool) -> JsonObject | None:
    """Metadata (string values) and attributes (string, number or boolean values)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidRequest(
            f"Invalid type for '{param}': expected an object, but got "
            f"{type(value).__name__} instead.",
            param=param,
            code="invalid_type",
        )
    if len(value) > MAX_KEYS:
        raise InvalidRequest(
            f"Invalid '{param}': too many properties. Expected an object with at most "
            f"{MAX_KEYS} properties, but got an object with {len(value)} properties instead.",
            param=param,
            code="object_above_max_properties",
        )
    for key, item in value.items():
        if len(key) > MAX_KEY_LENGTH:
            raise InvalidRequest(
                f"Invalid '{param}': property name too long. Expected a property name with "
                f"maximum length {MAX_KEY_LENGTH}, but got a property name with length "
                f"{len(key)} instead.",
                param=param,
                code="property_name_above_max_length",
            )
        allowed: tuple[type, ...] = (str,) if strings_only else (str, int, float, bool)
        if not isinstance(item, allowed):
            expected = "a string" if strings_only else "a string, number, or boolean"
            raise InvalidRequest(
                f"Invalid type for '{param}.{key}': expected {expected}, but got "
                f"{'null' if item is None else type(item).__name__} instead.",
                param=f"{param}.{key}",
                code="invalid_type",
            )
        if isinstance(item, str) and len(item) > MAX_VALUE_LENGTH:
            raise InvalidRequest(
                f"Invalid '{param}.{key}': string too long. Expected a string with maximum "
                f"length {MAX_VALUE_LENGTH}, but got a string with length {len(item)} instead.",
                param=f"{param}.{key}",
                code="string_above_max_length",
            )
    return dict(value)


def check_chunking(param: str, value: Any) -> tuple[int, int]:
    """(max_chunk_size_tokens, chunk_overlap_tokens) for a request's chunking_strategy."""
    if value is None:
        return AUTO_CHUNKING
    kind = value.get("type") if isinstance(value, dict) else None
    if kind == "auto":
        return AUTO_CHUNKING
    if kind != "static" or not isinstance(value.get("static"), dict):
        raise InvalidRequest(
            f"Invalid '{param}': expected {{'type': 'auto'}} or "
            "{'type': 'static', 'static': {...}}.",
            param=param,
            code="invalid_value",
        )
    static = value["static"]
    size, overlap = static.get("max_chunk_size_tokens"), static.get("chunk_overlap_tokens")
    for name, number in (("max_chunk_size_tokens", size), ("chunk_overlap_tokens", overlap)):
        if isinstance(number, bool) or not isinstance(number, int):
            raise InvalidRequest(
                f"Invalid type for '{param}.static.{name}': expected an integer.",
                param=f"{param}.static.{name}",
                code="invalid_type",
            )
    assert isinstance(size, int) and isinstance(overlap, int)
    if not MIN_CHUNK <= size <= MAX_CHUNK:
        raise InvalidRequest(
            f"Invalid '{param}.static.max_chunk_size_tokens': expected a value between "
            f"{MIN_CHUNK} and {MAX_CHUNK}, but got {size} instead.",
            param=f"{param}.static.max_chunk_size_tokens",
            code="integer_above_max_value" if size > MAX_CHUNK else "integer_below_min_value",
        )
    if overlap < 0 or overlap > size // 2:
        raise InvalidRequest(
            f"Invalid '{param}.static.chunk_overlap_tokens': the overlap must be non-negative "
            f"and at most half of max_chunk_size_tokens ({size // 2}), but got {overlap}.",
            param=f"{param}.static.chunk_overlap_tokens",
            code="invalid_value",
        )
    return size, overlap


def chunking_object(size: int, overlap: int) -> JsonObject:
    """How a file's chunking is reported back: always static (``auto`` is 800/400)."""
    return {
        "type": "static",
        "static": {"max_chunk_size_tokens": size, "chunk_overlap_tokens": overlap},
    }
