"""Connexion's request validators, answering in OpenAI's envelope.

Connexion builds a new JSON Schema validator for every request and words its
failures its own way. These subclasses compile each schema once, translate the
first failure into an :class:`~vsmock.errors.InvalidRequest` that names the
parameter, and, in the lenient contract mode, record violations instead of
refusing the request.

Multipart bodies are parsed once, with files spooled to disk rather than held
in memory; the parsed form is handed to the handler through the ASGI scope.
"""

from __future__ import annotations

import io
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl, urlencode

from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import (
    VALIDATOR_MAP,
    ParameterValidator,
)
from jsonschema import Draft4Validator
from jsonschema.protocols import Validator
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.formparsers import MultiPartException
from starlette.types import Receive, Scope

from vsmock.backend.limits import PREFIXES, id_error
from vsmock.contract import json_bodies
from vsmock.contract.json_types import JsonObject
from vsmock.contract.schema_errors import first_error
from vsmock.errors import APIError, InvalidRequest
from vsmock.http.connexion_adapter import JSONBodyValidatorBase, MultipartValidatorBase
from vsmock.http.dispatch import fast_validator, query_lists
from vsmock.http.request_state import request_info, request_state
from vsmock.http.starlette_adapter import UploadParser

PARSED_CONTENT_TYPE = "application/x-vsmock-parsed-form"

_compiled: dict[int, tuple[Any, Validator]] = {}


def compiled(schema: JsonObject) -> Validator:
    """One validator per schema object, for the life of the process."""
    entry = _compiled.get(id(schema))
    if entry is None or entry[0] is not schema:
        validator = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        entry = _compiled[id(schema)] = (schema, _Confirmed(validator, fast_validator(schema)))
    return entry[1]


class _Confirmed:
    """A validator whose ``iter_errors`` skips the Python walk when the compiled Rust
    validator confirms the value (performance only: failures are the Python validator's)."""

    def __init__(self, python: Any, fast: Any):
        self._python = python
        self._fast = fast

    def iter_errors(self, instance: Any) -> Any:
        if self._fast is not None and self._fast(instance):
            return iter(())
        return self._python.iter_errors(instance)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._python, name)


def lenient(scope: Scope) -> bool:
    state = request_state(scope)
    return state is not None and state.runtime.lenient_requests


def check(scope: Scope, error: APIError | None, *, rule: str, value: Any = None) -> None:
    """Raise ``error``, or only record it when the server answers contract violations."""
    if error is None:
        return
    state = request_state(scope)
    if state is not None and state.runtime.lenient_requests:
        state.runtime.violations.record(request_info(scope), error, rule=rule, value=value)
        return
    raise error


def check_schema(scope: Scope, validator: Validator, value: Any, root: str | None = None) -> None:
    """Raise the most relevant schema failure; in lenient mode record every one of them."""
    if lenient(scope):
        for failure in validator.iter_errors(value):
            error = first_error([failure], root)
            check(scope, error, rule=_rule(error), value=value)
        return
    error = first_error(validator.iter_errors(value), root)
    check(scope, error, rule=_rule(error), value=value)


class OpenAIParameterValidator(ParameterValidator):
    def validate(self, scope: Scope) -> None:
        # What ConnexionRequest(scope).query_params / .path_params give, read directly.
        for location, values in (
            ("query", self.uri_parser.resolve_query(query_lists(scope))),
            ("path", self.uri_parser.resolve_path(scope.get("path_params", {}))),
        ):
            seen: set[str] = set()
            for param in self.parameters.get(location, []):
                name = param["name"]
                if name in seen:  # Connexion appends path-level parameters to a shared list
                    continue
                seen.add(name)
                value = values.get(name)
                if value is None:
                    if param.get("required"):
                        check(
                            scope,
                            InvalidRequest(
                                f"Missing required parameter: '{name}'.",
                                param=name,
                                code="missing_required_parameter",
                            ),
                            rule="required",
                        )
                    continue
                schema = param.get("schema", param)
                error = None
                if name in PREFIXES and schema.get("pattern", "").startswith("^" + PREFIXES[name]):
                    error = id_error(name, value)  # an id of a set shape: the live API's wording
                if error is None:
                    error = first_error(compiled(schema).iter_errors(value), name)
                check(scope, error, rule=_rule(error), value=value)
                if error is not None and location == "query" and error.code == "invalid_type":
                    _drop_query_param(scope, name)  # lenient: answer as if it were not sent


def _drop_query_param(scope: Scope, name: str) -> None:
    """Remove a query parameter whose value cannot take its type (it would fail conversion)."""
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k != name]
    scope["query_string"] = urlencode(kept).encode("latin-1")


class OpenAIJSONBodyValidator(JSONBodyValidatorBase):
    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        messages = []
        more = True
        while more:
            message = await receive()
            messages.append(message)
            more = message.get("more_body", False)
        raw = b"".join(m.get("body", b"") for m in messages)
        body = self._parse_json(raw, scope)
        self._check_body(body, scope)
        if self.encoding.lower().replace("-", "") == "utf8" and body is not _UNPARSED:
            # What the handler's ``request.get_body()`` would parse again from these bytes.
            state = request_state(scope)
            if state is not None:
                state.json_body = body
        return self.replay(receive, messages), scope

    def _parse_json(self, raw: bytes, scope: Scope) -> Any:
        try:
            return json_bodies.parse(raw, self.encoding)
        except InvalidRequest as error:
            check(scope, error, rule="json")
            return _UNPARSED

    def _check_body(self, body: Any, scope: Scope) -> None:
        if body is _UNPARSED:
            return
        if body is None:
            if self.required and not self.nullable:
                check(
                    scope,
                    InvalidRequest(
                        "Missing required parameter: the request needs a JSON body.",
                        code="missing_required_parameter",
                    ),
                    rule="required",
                )
            return
        check_schema(scope, compiled(self.schema), body)


_UNPARSED = object()


class OpenAIMultipartValidator(MultipartValidatorBase):
    """Parse once, spool files to disk, validate the fields, hand the form on via the scope."""

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        async def stream() -> AsyncGenerator[bytes, None]:
            more = True
            while more:
                message = await receive()
                more = message.get("more_body", False)
                yield message.get("body", b"")

        headers = Headers(scope=scope)
        if "content-type" not in headers:  # Connexion only checks types that were sent
            raise InvalidRequest(
                "Invalid Content-type (none), expected ['multipart/form-data']",
                code="invalid_multipart",
            )
        try:
            form = await UploadParser(headers, stream(), max_files=16, max_fields=64).parse()
        except MultiPartException as exc:
            raise InvalidRequest(
                f"Could not parse multipart form: {exc}", code="invalid_multipart"
            ) from None
        fields = normalise_form(form)
        check_schema(scope, compiled(self.schema), fields)
        if lenient(scope):
            form = _with_missing_files(form, self.schema)
        state = request_state(scope)
        if state is not None:
            state.form = (form, fields)
        scope = dict(scope)
        # The body has been consumed: downstream sees an already-parsed, empty request.
        scope["headers"] = [
            (k, v) for k, v in scope["headers"] if k not in (b"content-type", b"content-length")
        ] + [(b"content-type", PARSED_CONTENT_TYPE.encode()), (b"content-length", b"0")]

        async def empty() -> JsonObject:
            return {"type": "http.request", "body": b"", "more_body": False}

        return empty, scope


def _with_missing_files(form: FormData, schema: JsonObject) -> FormData:
    """Lenient mode answers an upload without its file part as the upload of an empty file."""
    missing = [
        name
        for name, prop in schema.get("properties", {}).items()
        if prop.get("format") == "binary" and not isinstance(form.get(name), UploadFile)
    ]
    if not missing:
        return form
    items = [(k, v) for k, v in form.multi_items() if k not in missing]
    items += [(name, UploadFile(io.BytesIO(), filename="upload")) for name in missing]
    return FormData(items)


def normalise_form(form: FormData) -> JsonObject:
    """Fields as the schema sees them: bracketed keys (``a[b]``) folded into objects,
    numeric strings read as numbers, files replaced by a marker string."""
    fields: JsonObject = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            fields[key] = "<file>"
            continue
        if "[" in key and key.endswith("]"):
            outer, inner = key[:-1].split("[", 1)
            target = fields.setdefault(outer, {})
            if isinstance(target, dict):
                target[inner] = _scalar(value)
            continue
        if key in fields and isinstance(fields[key], dict):
            continue
        parsed: Any = value
        if value.startswith("{"):
            is_json, document = json_bodies.describe(value.encode())
            if is_json:
                parsed = document
        fields[key] = parsed
    return fields


def _scalar(value: str) -> Any:
    try:
        return int(value)
    except ValueError:
        return value


def _rule(error: APIError | None) -> str:
    return (error.code or "invalid") if error is not None else ""


def validator_map() -> JsonObject:
    body = MediaTypeDict(
        {
            **VALIDATOR_MAP["body"],
            "*/*json": OpenAIJSONBodyValidator,
            "multipart/form-data": OpenAIMultipartValidator,
        }
    )
    return {
        "parameter": OpenAIParameterValidator,
        "body": body,
        "response": VALIDATOR_MAP["response"],
    }
