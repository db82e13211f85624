"""The stored records: their tables and shapes, checked whenever they are read from disk.

Tables: ``files``, ``vector_stores``, ``vector_store_files:{vs_id}`` and
``file_batches:{vs_id}`` (one pair per store), ``responses`` (the Responses API's stored
responses), ``meta`` (the id source's positions). A
record that does not have its table's shape was damaged on disk: startup stops and names
the file and the line (``storage/tinydb_adapter.py``).
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema_rs

from vsmock.contract.json_types import JsonObject

FILES = "files"
STORES = "vector_stores"
VECTOR_STORE_FILES = "vector_store_files"
FILE_BATCHES = "file_batches"
RESPONSES = "responses"
META = "meta"
MAX_POSITION = 10_000_000


def id_position_key(seed: int, kind: str) -> str:
    """The META record saying how many ``kind`` ids the streams of ``seed`` have drawn."""
    return f"ids:{seed}:{kind}"


def vsf_table(vs_id: str) -> str:
    return f"{VECTOR_STORE_FILES}:{vs_id}"


def batch_table(vs_id: str) -> str:
    return f"{FILE_BATCHES}:{vs_id}"


_INT = {"type": "integer"}
_NULLABLE_INT = {"type": ["integer", "null"]}
_STRING = {"type": "string"}
_SCALAR_MAP = {
    "type": ["object", "null"],
    "additionalProperties": {"type": ["string", "number", "boolean"]},
}
_ERROR = {
    "type": ["object", "null"],
    "required": ["code", "message"],
    "properties": {"code": _STRING, "message": _STRING},
}

SHAPES: dict[str, JsonObject] = {
    FILES: {
        "required": ["id", "bytes", "created_at", "filename", "purpose", "expires_at", "seq"],
        "properties": {
            "id": _STRING,
            "bytes": {"type": "integer", "minimum": 0},
            "created_at": _INT,
            "filename": _STRING,
            "purpose": _STRING,
            "expires_at": _NULLABLE_INT,
            "seq": _INT,
        },
    },
    STORES: {
        "required": ["id", "created_at", "seq", "name", "metadata", "expires_after"],
        "properties": {
            "id": _STRING,
            "created_at": _INT,
            "seq": _INT,
            "name": {"type": ["string", "null"]},
            "description": {"type": ["string", "null"]},
            "metadata": {"type": ["object", "null"], "additionalProperties": _STRING},
            "expires_after": {
                "type": ["object", "null"],
                "required": ["anchor", "days"],
                "properties": {"anchor": _STRING, "days": _INT},
            },
            "last_active_at": _NULLABLE_INT,
        },
    },
    VECTOR_STORE_FILES: {
        "required": [
            "id",
            "vector_store_id",
            "created_at",
            "seq",
            "attributes",
            "chunking",
            "batch_id",
            "status",
            "last_error",
            "usage_bytes",
            "pending",
        ],
        "properties": {
            "id": _STRING,
            "vector_store_id": _STRING,
            "created_at": _INT,
            "seq": _INT,
            "attributes": _SCALAR_MAP,
            "chunking": {
                "type": "array",
                "items": {"type": "integer"},
                "minItems": 2,
                "maxItems": 2,
            },
            "batch_id": {"type": ["string", "null"]},
            "status": {"enum": ["in_progress", "completed", "failed", "cancelled"]},
            "last_error": _ERROR,
            "usage_bytes": {"type": "integer", "minimum": 0},
            "pending": {
                "type": ["object", "null"],
                "required": ["polls", "ready_at", "status", "last_error", "usage_bytes"],
                "properties": {
                    "stalled": {"type": "boolean"},
                    "polls": _INT,
                    "ready_at": {"type": "number"},
                    "status": {"enum": ["completed", "failed"]},
                    "last_error": _ERROR,
                    "usage_bytes": {"type": "integer", "minimum": 0},
                },
            },
        },
    },
    FILE_BATCHES: {
        "required": ["id", "vector_store_id", "created_at", "seq", "file_ids", "cancelled"],
        "properties": {
            "id": _STRING,
            "vector_store_id": _STRING,
            "created_at": _INT,
            "seq": _INT,
            "file_ids": {"type": "array", "items": _STRING},
            "cancelled": {"type": "boolean"},
        },
    },
    RESPONSES: {
        # the response as made (search results kept: ``include`` picks what a read shows)
        # and the input items it was made from (the chain of previous responses included)
        "required": ["id", "seq", "response", "input_items"],
        "properties": {
            "id": _STRING,
            "seq": _INT,
            "response": {
                "type": "object",
                "required": ["id", "object", "created_at", "status", "output"],
                "properties": {
                    "id": _STRING,
                    "object": {"const": "response"},
                    "created_at": _INT,
                    "status": _STRING,
                    "output": {"type": "array", "items": {"type": "object"}},
                },
            },
            "input_items": {
                "type": "array",
                "items": {"type": "object", "required": ["id", "type"]},
            },
        },
    },
    META: {
        "required": ["id", "drawn"],
        "properties": {
            "id": _STRING,
            # resuming draws every id again: bounded, so a damaged record cannot stall
            # startup (about 3 s per million)
            "drawn": {"type": "integer", "minimum": 0, "maximum": MAX_POSITION},
        },
    },
}


@functools.cache
def _validator(kind: str) -> Any:
    return jsonschema_rs.Draft7Validator({"type": "object", **SHAPES[kind]})


def check(table: str, key: str, doc: Any) -> str | None:
    """What is wrong with ``doc`` stored as ``key`` in ``table``, or None."""
    kind = table.partition(":")[0]
    if kind not in SHAPES:
        return f"unknown table {table!r}"
    validator = _validator(kind)
    if not validator.is_valid(doc):
        error = next(iter(validator.iter_errors(doc)))
        where = ".".join(str(p) for p in error.instance_path)
        return f"{where + ': ' if where else ''}{error.message}"
    if doc["id"] != key:
        return f"its id {doc['id']!r} is not its key"
    store = table.partition(":")[2]
    if store and doc.get("vector_store_id") != store:
        return f"it belongs to {doc.get('vector_store_id')!r}, not {store!r}"
    return None


def has_chunks(vsf: Any) -> bool:
    """Whether a vector-store file has chunk texts on disk: when it completed, or will."""
    if vsf["status"] == "completed":
        return True
    pending = vsf.get("pending")
    if vsf["status"] != "in_progress" or pending is None:
        return False
    return bool(pending["status"] == "completed")
