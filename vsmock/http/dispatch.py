"""The contract's operations, answered without Connexion's per-request machinery.

For every request Connexion routes four times (routing, request validation,
response validation, context), builds a URI parser, a parameter validator and a
body validator, inspects the handler's signature, runs the handler on a worker
thread, and checks the response with a JSON Schema validator built for that one
response, after parsing back the JSON it has just written. Correct, and many
times slower than the work itself.

:class:`FastPath` takes the same steps, in the same order, with the same pieces
(the operations Connexion resolved from the spec, our validator classes, the
handlers, Connexion's argument and response helpers, the envelope's error
handlers), but builds everything once per operation:

* one table maps a method and a path to the operation (Starlette's path rules:
  ``[^/]+`` per parameter, matched on the decoded path);
* request validation is Connexion's order: parameters, then the content type,
  then the body;
* handlers run on the event loop when the backend is idle and the operation is
  quick, and on a worker thread otherwise (what the backend's ``runs_long`` names:
  file bytes, ingestion, large searches; or when another request holds the backend);
* responses are checked against the compiled response schema of their status
  code, on the object before it is written (``jsonschema_rs`` when installed).
  Only a failing response is checked again by Connexion's own validator, whose
  verdict and wording stand.

Anything else (the admin API, unknown paths, other methods, ``HEAD``, a trailing
slash) goes on to Connexion unchanged, so those answers are Connexion's own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from connexion import utils
from connexion.datastructures import MediaTypeDict
from connexion.decorators.parameter import get_arguments, pythonic, sanitized
from connexion.exceptions import NonConformingResponseHeaders, UnsupportedMediaTypeProblem
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.operations import AbstractOperation
from connexion.utils import inspect_function_arguments
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vsmock.backend.interface import method_name
from vsmock.contract.json_types import JsonObject
from vsmock.http.connexion_adapter import (
    MountedOperation,
    ResponseShaper,
    bind_request_context,
    validate_response_bytes,
)
from vsmock.http.request_state import NOT_PARSED, RequestState, header_value, request_state
from vsmock.http.starlette_adapter import route_path

ErrorHandler = Callable[[ConnexionRequest, Exception], ConnexionResponse]


# -------------------------------------------------------------------------- operations
class OperationByContentType:
    """A Connexion operation whose answers for a content type (its body's name, definition
    and schema: looked up through media-type patterns on every call) are kept after the first
    call; all else is the operation's own. The spec does not change while it is served."""

    def __init__(self, operation: AbstractOperation):
        self._operation = operation
        self._kept: dict[tuple[str, str | None], Any] = {}

    def _kept_answer(self, method: str, content_type: str | None) -> Any:
        key = (method, content_type)
        try:
            return self._kept[key]
        except KeyError:
            answer = self._kept[key] = getattr(self._operation, method)(content_type)
            return answer

    def body_name(self, content_type: str | None = None) -> Any:
        return self._kept_answer("body_name", content_type)

    def body_definition(self, content_type: str | None = None) -> Any:
        return self._kept_answer("body_definition", content_type)

    def body_schema(self, content_type: str | None = None) -> Any:
        return self._kept_answer("body_schema", content_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._operation, name)


# ----------------------------------------------------------------------------- schemas
class _Unsupported(Exception):
    pass


_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
_SCHEMA_VALUES = frozenset({"items", "not", "additionalProperties", "additionalItems"})


def _subschemas(node: JsonObject) -> Iterable[tuple[str, Any, Any]]:
    """(keyword, key within it, subschema) for the keywords whose values are schemas;
    everything else (``enum``, ``default``, ``example``…) is data and left alone."""
    for keyword, value in node.items():
        if keyword in _SCHEMA_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                yield keyword, name, sub
        elif keyword in _SCHEMA_LISTS and isinstance(value, list):
            for index, sub in enumerate(value):
                yield keyword, index, sub
        elif keyword in _SCHEMA_VALUES:
            if isinstance(value, list):
                for index, sub in enumerate(value):
                    yield keyword, index, sub
            else:
                yield keyword, None, value


def _identity(node: JsonObject) -> tuple[tuple[str, int], ...]:
    """Connexion resolves a reference by copying the target's keys into the referring
    node, so a recursive schema reappears as shallow copies: same values, new dict."""
    return tuple(sorted((key, id(value)) for key, value in node.items()))


def json_schema(schema: Any) -> Any:
    """An OpenAPI 3.0 schema, references resolved as Connexion hands it over (a recursive
    schema reappears inside itself), as plain JSON Schema: recursion becomes
    ``definitions``, ``nullable`` keeps Connexion's meaning (``null`` passes the ``type``
    and ``enum`` keywords) and ``writeOnly`` is never valid. Raises :class:`_Unsupported`
    when a reference is left unresolved."""
    if isinstance(schema, dict):  # Connexion attaches the spec's components, for references
        schema = {k: v for k, v in schema.items() if k != "components"}
    heads: set[tuple[tuple[str, int], ...]] = set()
    on_path: set[tuple[tuple[str, int], ...]] = set()

    def find_heads(node: Any) -> None:
        if not isinstance(node, dict):
            return
        identity = _identity(node)
        if identity in on_path:
            heads.add(identity)
            return
        on_path.add(identity)
        for _, _, sub in _subschemas(node):
            find_heads(sub)
        on_path.discard(identity)

    find_heads(schema)
    names: dict[tuple[tuple[str, int], ...], str] = {}
    definitions: JsonObject = {}

    def walk(node: Any) -> Any:
        if not isinstance(node, dict):
            return node  # a boolean schema (additionalProperties: false)
        identity = _identity(node) if heads else None
        if identity not in heads:
            return convert(node)
        assert identity is not None
        name = names.get(identity)
        if name is None:
            name = names[identity] = f"n{len(names)}"
            definitions[name] = convert(node)
        return {"$ref": f"#/definitions/{name}"}

    def convert(node: JsonObject) -> Any:
        if "$ref" in node:
            raise _Unsupported(node["$ref"])
        if "writeOnly" in node or "x-writeOnly" in node:
            return {"not": {}}
        out = dict(node)
        for keyword in {k for k, _, _ in _subschemas(node)}:
            value = node[keyword]
            if keyword in _SCHEMA_MAPS:
                out[keyword] = {name: walk(sub) for name, sub in value.items()}
            elif isinstance(value, list):
                out[keyword] = [walk(sub) for sub in value]
            else:
                out[keyword] = walk(value)
        if node.get("nullable") or node.get("x-nullable") is True:
            if "type" in out:
                kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
                out["type"] = kinds if "null" in kinds else [*kinds, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        return out

    root = walk(schema)
    if definitions:
        root = {"allOf": [root], "definitions": definitions}
    return root


def fast_validator(schema: Any) -> Callable[[Any], bool] | None:
    """``is_valid`` of a compiled Rust validator (``jsonschema_rs``), or None when it is not
    installed or cannot take the schema. It only ever confirms validity: what it refuses,
    the Python validator judges (and words)."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - an optional speed-up
        return None
    try:
        validator = jsonschema_rs.Draft4Validator(json_schema(schema))
    except (_Unsupported, ValueError, TypeError):
        return None
    is_valid: Callable[[Any], bool] = validator.is_valid

    def confirms(instance: Any) -> bool:
        try:
            return bool(is_valid(instance))
        except Exception:  # not JSON-shaped (lone surrogates, odd types): Python judges
            return False

    return confirms


@dataclass
class _BodyCheck:
    """Checks one response body: fast first, Connexion's validator for the verdict."""

    schema: JsonObject
    nullable: bool
    validator_class: Any
    fast: Callable[[Any], bool] | None

    def check_object(self, scope: Scope, body: Any, raw: bytes) -> None:
        """``body`` is the object written as ``raw``."""
        if body is None and self.nullable:
            return
        if self.fast is not None and self.fast(body):
            return
        # Connexion's own check, on what the client receives, decides.
        self.check_bytes(scope, raw)

    def check_bytes(self, scope: Scope, raw: bytes, encoding: str = "utf-8") -> None:
        validate_response_bytes(
            self.validator_class, scope, self.schema, self.nullable, encoding, raw
        )


# ---------------------------------------------------------------------------- operations
@dataclass
class FastOperation:
    """One operation of one mounted API, with everything built once."""

    operation: AbstractOperation
    base_path: str
    function: Callable[..., Any]
    validator_map: Mapping[str, Any]
    strict_validation: bool
    validate_responses: bool
    sanitize: Callable[[str], str]
    responder: ResponseShaper
    arguments: list[str] = field(default_factory=list)
    has_kwargs: bool = False
    _body_validators: dict[tuple[str, str], Any] = field(default_factory=dict)
    _body_checks: dict[tuple[str, str], _BodyCheck | None] = field(default_factory=dict)
    _starts: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _known_arguments: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        op = self.operation
        self.operation_id = op.operation_id
        self.method_name = method_name(op.operation_id)
        self.uri_parser = op.uri_parser_class(op.parameters, op.body_definition())
        self.parameter_validator = self.validator_map["parameter"](
            op.parameters,
            uri_parser=self.uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=[],
        )
        self.consumes = list(op.consumes)
        self.consumes_media = MediaTypeDict([(c.lower(), None) for c in self.consumes])
        self.produces = list(op.produces)
        self.produces_media = MediaTypeDict([(p.lower(), None) for p in self.produces])
        self.arguments, self.has_kwargs = inspect_function_arguments(_unwrap(self.function))
        self.names = functools.lru_cache(maxsize=512)(self.sanitize)
        self.wants_body = op.is_request_body_defined and (
            self.has_kwargs
            or any(self.names(op.body_name(mime)) in self.arguments for mime in self.consumes)
        )
        produced = list(set(op.produces))
        self.json_type = (
            produced[0] if len(produced) == 1 and utils.is_json_mimetype(produced[0]) else None
        )
        self.routing = {"api_base_path": self.base_path, "operation_id": op.operation_id}
        self.per_content_type = OperationByContentType(op)

    # -- request -------------------------------------------------------------------------
    @staticmethod
    def _content_type(
        headers: Iterable[tuple[bytes, bytes]], default: list[str]
    ) -> tuple[str, str]:
        """Connexion's reading of a content type header, with its fallbacks."""
        mime_type, encoding = utils.split_content_type(header_value(headers, b"content-type"))
        if mime_type is None:
            mime_type = default[0] if default else "application/octet-stream"
        return mime_type, encoding or "utf-8"

    def _body_validator(self, mime_type: str, encoding: str) -> Any:
        key = (mime_type, encoding)
        if key in self._body_validators:
            return self._body_validators[key]
        op = self.operation
        validator = None
        schema = op.body_schema(mime_type)
        if schema:
            try:
                validator_class = self.validator_map["body"][mime_type]
            except KeyError:
                validator_class = None
            if validator_class is not None:
                validator = validator_class(
                    schema=schema,
                    required=op.request_body.get("required", False),
                    nullable=utils.is_nullable(op.body_definition(mime_type)),
                    encoding=encoding,
                    strict_validation=self.strict_validation,
                    uri_parser=op.uri_parser_class(op.parameters, op.body_definition()),
                )
        self._body_validators[key] = validator
        return validator

    async def validate_request(self, scope: Scope, receive: Receive) -> tuple[Receive, Scope]:
        """Connexion's request validation: parameters, content type, body."""
        self.parameter_validator.validate(scope)
        mime_type, encoding = self._content_type(scope["headers"], self.consumes)
        if self.consumes and mime_type.lower() not in self.consumes_media:
            raise UnsupportedMediaTypeProblem(
                detail=f"Invalid Content-type ({mime_type}), expected {self.consumes}"
            )
        validator = self._body_validator(mime_type, encoding)
        if validator is not None:
            receive, scope = await validator.wrap_receive(receive, scope=scope)
        return receive, scope

    async def arguments_for(
        self, scope: Scope, receive: Receive, state: RequestState | None
    ) -> Any:
        """Connexion's parameter decorator: the handler's keyword arguments."""
        content_type = header_value(scope["headers"], b"content-type") or "application/octet-stream"
        mimetype = parse_options_header(content_type)[0].decode()
        body = files = None
        parsed = state.json_body if state is not None else NOT_PARSED
        if self.wants_body and parsed is not NOT_PARSED and utils.is_json_mimetype(content_type):
            body = parsed  # parsed by the body validator, as get_body would
        elif self.wants_body or mimetype in FORM_CONTENT_TYPES:
            request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
            if self.wants_body:
                body = await request.get_body()
            if mimetype in FORM_CONTENT_TYPES:
                files = await request.files()
        kwargs = get_arguments(
            self.per_content_type,
            path_params=self.uri_parser.resolve_path(scope.get("path_params", {})),
            query_params=self.uri_parser.resolve_query(query_lists(scope)),
            body=body,
            files=files or {},
            arguments=self.arguments,
            has_kwargs=self.has_kwargs,
            sanitize=self.names,
            content_type=mimetype,
        )
        return {self.names(k): v for k, v in kwargs.items()}

    async def call_handler(self, kwargs: dict[str, Any], state: RequestState | None) -> Any:
        """The handler, called with ``kwargs``: on the event loop when the backend is idle
        and the operation quick, else on a worker thread."""
        if state is None:
            return await run_in_threadpool(self.function, **kwargs)
        backend = state.runtime.backend
        lock = backend.lock
        if backend.runs_long(self.method_name, kwargs):
            return await run_in_threadpool(self.function, **kwargs)
        if not lock.acquire(blocking=False):  # someone is working: do not stall the loop
            return await run_in_threadpool(self.function, **kwargs)
        try:
            return self.function(**kwargs)
        finally:
            lock.release()

    async def checked_arguments(
        self, scope: Scope, receive: Receive, state: RequestState | None
    ) -> tuple[Receive, Scope, dict[str, Any]]:
        """The request validated, and the handler's keyword arguments.

        A request without a body (no body, no content type) is a pure function of its path
        parameters and query: once such a request has passed validation, as refusing one
        never does, its arguments are kept, and the same path and query later take them
        without validating or converting again (``tests/http/test_dispatch.py``). In the
        lenient contract mode, only a request whose validation recorded no violation is kept
        (a kept one records none). Not for arguments a handler could change (only strings,
        numbers, booleans and None are kept)."""
        query = scope.get("query_string", b"")
        key = violations = None
        recorded = 0
        if (
            state is not None
            and not self.wants_body
            and not any(
                name in (b"content-type", b"content-length") for name, _ in scope["headers"]
            )
        ):
            key = (query, *scope["path_params"].values())
            known = self._known_arguments.get(key)
            if known is not None:
                return receive, scope, known
            violations = state.runtime.violations
            recorded = violations.recorded
        receive, scope = await self.validate_request(scope, receive)
        kwargs = await self.arguments_for(scope, receive, state)
        if (
            key is not None
            and violations is not None
            and violations.recorded == recorded  # the lenient mode recorded nothing
            and scope.get("query_string", b"") == query  # nor dropped a parameter
            and all(type(v) in _IMMUTABLE for v in kwargs.values())
        ):
            if len(self._known_arguments) >= KNOWN_ARGUMENTS:
                self._known_arguments.clear()
            self._known_arguments[key] = kwargs
        return receive, scope, kwargs

    # -- response ------------------------------------------------------------------------
    def response(self, result: Any) -> tuple[Response | JsonAnswer, Any]:
        """Connexion's response decorator; also returns the object written as JSON, if any."""
        framework = StarletteFramework
        if framework.is_framework_response(result):
            return result, _NOT_JSON
        if isinstance(result, ConnexionResponse):
            return framework.connexion_to_framework_response(result), _NOT_JSON
        responder = self.responder
        data, status_code, headers = responder.unpack(result)
        if (
            self.json_type is not None
            and isinstance(data, (dict, list))
            and not any(key.lower() == "content-type" for key in headers)
        ):
            # The common case, as the decorator would do it: the one type the
            # operation produces, the data written by the jsonifier.
            answer = JsonAnswer(
                responder.jsonifier.dumps(data).encode("utf-8"),
                status_code or 200,
                {**headers, "Content-Type": self.json_type},
            )
            return answer, data
        serialised, content_type, status_code, headers = responder.serialise(
            data, status_code, headers
        )
        response = framework.build_response(
            serialised, content_type=content_type, status_code=status_code, headers=headers
        )
        written = data if serialised is not data else _NOT_JSON
        return response, written

    def body_check(self, status: str, mime_type: str) -> _BodyCheck | None:
        key = (status, mime_type)
        if key in self._body_checks:
            return self._body_checks[key]
        check = None
        try:
            validator_class = self.validator_map["response"][mime_type]
        except KeyError:
            validator_class = None
        if validator_class is not None:
            op = self.operation
            schema = op.response_schema(status, mime_type)
            check = _BodyCheck(
                schema=schema,
                nullable=bool(utils.is_nullable(op.response_definition(status, mime_type))),
                validator_class=validator_class,
                fast=fast_validator(schema) if schema else None,
            )
        self._body_checks[key] = check
        return check

    def check_start(self, message: Message) -> tuple[_BodyCheck | None, str]:
        """Connexion's response checks on the status line: content type, required headers."""
        headers = message["headers"]
        mime_type, encoding = self._content_type(headers, self.produces)
        status = str(message["status"])
        key = (status, mime_type)
        known = self._starts.get(key)
        if known is None:
            if (
                message["status"] < 400
                and self.produces
                and mime_type.lower() not in self.produces_media
            ):
                raise NonConformingResponseHeaders(
                    detail=f"Invalid Response Content-type ({mime_type}), expected {self.produces}",
                )
            definition = self.operation.response_definition(status, mime_type)
            known = self._starts[key] = {
                k.lower()
                for k, v in definition.get("headers", {}).items()
                if v.get("required", False)
            }
        required = known
        if required:
            present = {key.decode("latin-1").lower() for key, _ in headers}
            missing = required - present
            if missing:
                raise NonConformingResponseHeaders(
                    detail="Keys in response header don't match response specification. "
                    f"Difference: {', '.join(missing)}"
                )
        return self.body_check(status, mime_type), encoding

    async def send_checked(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        response: Response | JsonAnswer,
        written: Any,
    ) -> None:
        """Send ``response``, checked as Connexion's response validation would."""
        if not self.validate_responses:
            await response(scope, receive, send)
            return
        if written is not _NOT_JSON and (
            type(response) is JsonAnswer or type(response).__call__ is Response.__call__
        ):
            start: Message = {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": response.raw_headers,
            }
            check, _ = self.check_start(start)
            if check is not None:
                check.check_object(scope, written, bytes(response.body))
            await response(scope, receive, send)
            return
        await response(scope, receive, self._checking_send(scope, send))

    def _checking_send(self, scope: Scope, send: Send) -> Send:
        held: list[Message] = []
        check: _BodyCheck | None = None
        encoding = "utf-8"

        async def checked(message: Message) -> None:
            nonlocal check, encoding
            if message["type"] == "http.response.start":
                check, encoding = self.check_start(message)
                if check is None:
                    await send(message)
                    return
            if check is None:
                await send(message)
                return
            held.append(message)
            if message["type"] == "http.response.start" or message.get("more_body", False):
                return
            raw = b"".join(m.get("body", b"") for m in held)
            check.check_bytes(scope, raw, encoding)
            while held:
                await send(held.pop(0))

        return checked

    # -- the whole request ---------------------------------------------------------------
    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, path_params: dict[str, str]
    ) -> None:
        scope = dict(scope)  # Connexion's routing hands on a copy, too
        scope.setdefault("path_params", {}).update(path_params)
        extensions = scope.setdefault("extensions", {})
        extensions.setdefault("connexion_routing", {}).update(self.routing)
        state = request_state(scope)
        receive, scope, kwargs = await self.checked_arguments(scope, receive, state)
        bind_request_context(scope, receive, self.operation)
        result = await self.call_handler(kwargs, state)
        response, written = self.response(result)
        await self.send_checked(scope, receive, send, response, written)


class JsonAnswer:
    """A JSON answer, sent as Starlette's ``Response(content, status_code, headers=headers)``
    sends it (the same header list in the same order, the same two messages) without its
    general-purpose header handling. ``headers`` name the content type; equality with
    Starlette's Response is tested in ``tests/http/test_dispatch.py``."""

    __slots__ = ("body", "raw_headers", "status_code")

    def __init__(self, body: bytes, status_code: int, headers: dict[str, str]):
        self.body = body
        self.status_code = status_code
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        if not (status_code < 200 or status_code in (204, 304)) and not any(
            name == b"content-length" for name, _ in raw
        ):
            raw.append((b"content-length", str(len(body)).encode("latin-1")))
        self.raw_headers = raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": self.body})


_NOT_JSON = object()
_IMMUTABLE = frozenset({str, int, float, bool, type(None)})
KNOWN_ARGUMENTS = 4096  # requests whose arguments an operation keeps (then it starts over)


def query_lists(scope: Scope) -> dict[str, list[str]]:
    """The query as Starlette reads it (``parse_qsl``, blanks kept), one list per name."""
    raw = scope.get("query_string", b"")
    if not raw:
        return {}
    lists: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        lists.setdefault(key, []).append(value)
    return lists


def _unwrap(function: Callable[..., Any]) -> Callable[..., Any]:
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    return function


# ---------------------------------------------------------------------------------- routes
@dataclass
class _Route:
    pattern: re.Pattern[str]
    methods: dict[str, FastOperation]


class Routes:
    """Method and path to operation, for every API mounted on the app (filled by ``build``)."""

    def __init__(self) -> None:
        self.static: dict[str, dict[str, FastOperation]] = {}
        self.dynamic: list[_Route] = []
        self.error_handlers: list[tuple[type[BaseException], ErrorHandler]] = []

    def build(
        self,
        operations: Iterable[MountedOperation],
        error_handlers: Iterable[tuple[type[BaseException], ErrorHandler]],
        *,
        include: Callable[[str], bool],
    ) -> None:
        """Build the table from the operations Connexion resolved, for the base paths
        ``include`` accepts, the most specific base path first."""
        self.error_handlers = list(error_handlers)
        shapers: dict[int, ResponseShaper] = {}
        ordered = sorted(operations, key=lambda mounted: len(mounted.base_path), reverse=True)
        for mounted in ordered:
            if not include(mounted.base_path):
                continue
            options = mounted.options
            jsonifier = options.get("jsonifier")
            shaper = shapers.get(id(jsonifier))
            if shaper is None:
                shaper = shapers[id(jsonifier)] = ResponseShaper(jsonifier)
            operation = FastOperation(
                operation=mounted.operation,
                base_path=mounted.base_path,
                function=mounted.operation.function,
                validator_map=options.get("validator_map") or {},
                strict_validation=bool(options.get("strict_validation")),
                validate_responses=bool(options.get("validate_responses")),
                sanitize=pythonic if options.get("pythonic_params") else sanitized,
                responder=shaper,
            )
            methods = self._methods_for(mounted.base_path + mounted.path)
            methods.setdefault(mounted.method.upper(), operation)

    def _methods_for(self, path: str) -> dict[str, FastOperation]:
        if "{" not in path:
            return self.static.setdefault(path, {})
        regex = (
            "^"
            + re.sub(r"\\\{([^}]*)\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(path))
            + "$"
        )
        for route in self.dynamic:
            if route.pattern.pattern == regex:
                return route.methods
        route = _Route(re.compile(regex), {})
        self.dynamic.append(route)
        return route.methods

    def match(self, method: str, path: str) -> tuple[FastOperation, dict[str, str]] | None:
        if "\n" in path:  # Starlette's Mount matches its rest with ``.*``: no newline
            return None
        methods = self.static.get(path)
        if methods is not None:
            operation = methods.get(method)
            return (operation, {}) if operation is not None else None
        for route in self.dynamic:
            found = route.pattern.match(path)
            if found is not None:
                operation = route.methods.get(method)
                return (operation, found.groupdict()) if operation is not None else None
        return None

    def handler_for(self, exc: BaseException) -> ErrorHandler | None:
        for klass in type(exc).__mro__:
            for registered, handler in reversed(self.error_handlers):
                if registered is klass:
                    return handler
        return None


# ------------------------------------------------------------------------------ middleware
class FastPath:
    """ASGI middleware placed where Connexion's own stack begins (its ExceptionMiddleware)."""

    def __init__(self, app: ASGIApp, *, routes: Routes):
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        found = self.routes.match(scope["method"], route_path(scope))
        if found is None:
            await self.app(scope, receive, send)
            return
        operation, path_params = found
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await operation(scope, receive, sending, path_params)
        except Exception as exc:
            handler = self.routes.handler_for(exc)
            if handler is None:
                raise
            if started:  # as Starlette's ExceptionMiddleware
                raise RuntimeError(
                    "Caught handled exception, but response already started."
                ) from exc
            reply = handler(ConnexionRequest(scope, receive), exc)
            await Response(
                content=reply.body,
                status_code=reply.status_code,
                media_type=reply.mimetype,
                headers=reply.headers,
            )(scope, receive, send)


__all__ = ["FastPath", "JsonAnswer", "Routes", "fast_validator", "json_schema", "query_lists"]
