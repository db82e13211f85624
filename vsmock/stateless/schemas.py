"""``openapi.yaml`` as data: resolved schemas, their examples, and conformance checks.

Loaded once per process. References are resolved the way Connexion resolves
them (so a recursive schema such as ``CompoundFilter`` becomes a cyclic object,
which is fine for validation), and every check uses the validator Connexion
uses for responses, so "conforms here" means "passes response validation".
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass
from typing import Any

from connexion.json_schema import Draft4ResponseValidator, resolve_refs
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from vsmock.contract import documents
from vsmock.contract.json_types import JsonObject
from vsmock.contract.schema_errors import param_path

JSON = "application/json"
EVENT_STREAM = "text/event-stream"
DATA_SCHEMA = "x-vsmock-data-schema"  # what an event's data holds (OpenAPI 3.0 cannot say)
MAX_DEPTH = 8


@dataclass
class Finding:
    """One way an answer breaks the contract: where (a path in the body), which rule."""

    parameter: str | None
    rule: str
    message: str
    value: Any = None


class Contract:
    def __init__(self, raw: JsonObject):
        self.spec: JsonObject = resolve_refs(raw)
        self.operations: dict[str, tuple[str, str, JsonObject]] = {}
        for path, item in self.spec["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    self.operations[operation["operationId"]] = (method.upper(), path, operation)
        self._validators: dict[int, tuple[Any, Validator]] = {}

    # -- schemas ----------------------------------------------------------------------------
    def schema(self, name: str) -> JsonObject:
        schema: JsonObject = self.spec["components"]["schemas"][name]
        return schema

    def response_schema(self, operation_id: str, status: int = 200) -> JsonObject | None:
        """The JSON schema of an operation's response (``None`` if it is not JSON)."""
        content = self.response_definition(operation_id, status).get("content", {})
        media = content.get(JSON)
        return media.get("schema") if media else None

    def response_definition(self, operation_id: str, status: int) -> JsonObject:
        responses = self.operations[operation_id][2].get("responses", {})
        definition: JsonObject = responses.get(str(status)) or responses.get("default") or {}
        return definition

    def event_data_schema(self, operation_id: str, status: int = 200) -> JsonObject | None:
        """The schema of each event's ``data`` when the operation answers a stream of
        server-sent events: the event object's ``x-vsmock-data-schema`` (None otherwise)."""
        content = self.response_definition(operation_id, status).get("content", {})
        event = content.get(EVENT_STREAM, {}).get("schema") or {}
        name = event.get(DATA_SCHEMA)
        return self.schema(name) if isinstance(name, str) else None

    def response_media_types(self, operation_id: str, status: int) -> list[str]:
        return list(self.response_definition(operation_id, status).get("content", {}))

    def declared_statuses(self, operation_id: str) -> list[str]:
        return list(self.operations[operation_id][2].get("responses", {}))

    # -- conformance ------------------------------------------------------------------------
    def validator(self, schema: JsonObject) -> Validator:
        entry = self._validators.get(id(schema))
        if entry is None or entry[0] is not schema:
            checker = Draft4ResponseValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
            entry = self._validators[id(schema)] = (schema, checker)
        return entry[1]

    def conforms(self, schema: JsonObject | str, value: Any) -> bool:
        resolved = self.schema(schema) if isinstance(schema, str) else schema
        return bool(self.validator(resolved).is_valid(value))

    def response_findings(
        self, operation_id: str, status: int, content_type: str, body: bytes | None
    ) -> list[Finding]:
        """How an answer breaks the contract: an undocumented status or media type, a body
        that is not JSON or does not match the schema (``body=None``: not checked)."""
        declared = self.declared_statuses(operation_id)
        if str(status) not in declared and "default" not in declared:
            message = f"Status {status} is not a documented response of {operation_id}."
            return [Finding(None, "undeclared_status", message, status)]
        media = content_type.split(";")[0].strip().lower()
        allowed = self.response_media_types(operation_id, status)
        if allowed and media not in allowed:
            message = (
                f"Content-Type {media or '(none)'} is not documented for {operation_id} "
                f"{status} (expected {', '.join(allowed)})."
            )
            return [Finding(None, "content_type", message, media)]
        schema = self.response_schema(operation_id, status)
        if schema is None or body is None or "json" not in media:
            return []
        try:
            document = json.loads(body)
        except RecursionError:
            return [Finding(None, "invalid_json", "The body is nested too deeply to check.")]
        except ValueError as exc:
            return [Finding(None, "invalid_json", f"The body is not JSON ({exc}).")]
        return [
            Finding(
                _failure_path(failure),
                str(failure.validator),
                f"Response body does not conform to openapi.yaml: {_shorten(failure.message)}",
                failure.instance,
            )
            for failure in self.validator(schema).iter_errors(document)
        ]

    # -- examples ---------------------------------------------------------------------------
    def example(self, schema: JsonObject | str) -> Any:
        """A value for ``schema``: its own example if it has one, else one built from its
        parts (first enum value, first ``oneOf`` branch, required properties). Always a
        fresh copy, so callers may change it."""
        resolved = self.schema(schema) if isinstance(schema, str) else schema
        return copy.deepcopy(_example(resolved, 0))


def _example(schema: JsonObject, depth: int) -> Any:
    if "example" in schema:
        return schema["example"]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf", "allOf"):
        if schema.get(key):
            return _example(schema[key][0], depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth >= MAX_DEPTH:
            return {}
        properties = schema.get("properties", {})
        return {
            name: _example(properties[name], depth + 1)
            for name in schema.get("required", [])
            if name in properties
        }
    if kind == "array":
        return [] if depth >= MAX_DEPTH else [_example(schema.get("items", {}), depth + 1)]
    if schema.get("nullable"):
        return None
    return {"string": "string", "integer": 0, "number": 0, "boolean": True}.get(kind or "")


def _failure_path(failure: ValidationError) -> str | None:
    path = param_path(None, failure.absolute_path)
    if failure.validator == "required" and "'" in failure.message:
        return param_path(path, [failure.message.split("'")[1]])
    return path


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@functools.cache
def contract() -> Contract:
    return Contract(copy.deepcopy(documents.openapi()))
