"""The validating proxy: ``vsmock proxy --upstream URL``.

Every request is forwarded to the upstream as it came (method, path, query, body,
headers, ``Authorization`` included) and the upstream's answer is returned as it
came. On the way, both are checked against ``openapi.yaml``: the request with
the same validators the mock uses (in their lenient, recording mode), the
response against the schema of its operation and status. Violations land in
``GET /__admin/violations`` (``direction`` ``request`` or ``response``) and are
summarised on shutdown. Nothing is refused and nothing is rewritten.

An answer declared as ``text/event-stream`` (a streamed response) is relayed as each piece
arrives, and every server-sent event in it is checked as it completes: its data must be
one JSON value conforming to the schema the contract gives that media type (a
``ResponseStreamEvent``), and its ``event:`` name, when there is one, its ``type``.

Paths are accepted under ``/v1`` and at the root, and forwarded below the
upstream URL, which should therefore include the API prefix
(``https://api.openai.com/v1``, or another vsmock's ``http://127.0.0.1:8000/v1``).

``create_proxy_app(upstream, settings)`` is the factory; ``ProxyApp.listeners``
receive one :class:`Exchange` per forwarded request (``vsmock record`` uses it).
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import json
import re
import tempfile
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import IO

import httpx
from connexion.exceptions import ProblemException
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from jsonschema.exceptions import ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vsmock.contract import documents
from vsmock.contract.json_types import JsonObject
from vsmock.contract.schema_errors import param_path
from vsmock.control.journal import RAW_BODY_CAP, safe_headers
from vsmock.errors import APIError, BadGateway, InvalidRequest
from vsmock.http.app import API_PREFIX, VsmockApp, api_options, connexion_app
from vsmock.http.connexion_adapter import mount
from vsmock.http.envelope import send_error
from vsmock.http.middleware import ADMIN_PREFIX, is_admin
from vsmock.http.middleware.admission import plain_array_names
from vsmock.http.middleware.fault_injection import FaultInjection
from vsmock.http.middleware.journaling import Journaling
from vsmock.http.request_state import attach, request_info, request_state
from vsmock.runtime import Runtime
from vsmock.settings import Settings
from vsmock.stateless.schemas import EVENT_STREAM, Contract, Finding, contract

CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1 << 20
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length", "expect"}  # the body is already read
NOT_RETURNED = HOP_BY_HOP | {"date", "server"}  # uvicorn sets its own
MAX_STREAM_FINDINGS = 50  # per answer: a stream of thousands of bad deltas says it in 50
MESSAGE_LIMIT = 300


@dataclass
class Exchange:
    """One forwarded request and its answer. Secret headers are left out; bodies are
    kept up to the journal's cap (``*_truncated`` says when they were cut)."""

    method: str
    path: str
    query: str
    operation: str | None
    time: int
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    request_truncated: bool = False
    response_truncated: bool = False
    violations: list[JsonObject] = field(default_factory=list)


Listener = Callable[[Exchange], None]


class ProxyApp:
    """An ASGI app: admin routes under ``/__admin``, everything else forwarded."""

    def __init__(
        self,
        upstream: str,
        settings: Settings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 600.0,
    ):
        self.upstream = upstream.rstrip("/")
        self.settings = settings or Settings()
        self.runtime = Runtime(self.settings, mode="proxy")
        self.contract = contract()
        self.listeners: list[Listener] = []
        self._transport = transport
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]
        self._clients = weakref.WeakKeyDictionary()
        self._admin = _admin_app(self.runtime)
        self._validation = _validation_stack()
        self._api: ASGIApp = Journaling(FaultInjection(self._exchange))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        admin = is_admin(scope["path"])
        attach(scope, self.runtime, admin=admin)
        if admin:
            await self._admin(scope, receive, send)
            return
        await self._api(scope, receive, send)

    def client(self) -> httpx.AsyncClient:
        """The upstream client of the running event loop (one per loop, kept alive)."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = httpx.AsyncClient(
                transport=self._transport, timeout=self._timeout, follow_redirects=False
            )
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    # -- one exchange ---------------------------------------------------------------------------
    async def _exchange(self, scope: Scope, receive: Receive, send: Send) -> None:
        violations: list[JsonObject] = []
        state = request_state(scope)
        assert state is not None
        state.violations = violations
        body, size = await _spool(receive)
        try:
            routed = await self._check_request(scope, body, size)
            try:
                upstream = await self.client().send(
                    self._upstream_request(scope, body, size), stream=True
                )
            except httpx.HTTPError as exc:
                await send_error(
                    send,
                    BadGateway(
                        f"vsmock proxy: the upstream {self.upstream} did not answer "
                        f"({type(exc).__name__})."
                    ),
                )
                return
            operation = _operation_id(routed)
            try:
                kept, truncated, last = await self._relay(routed, operation, upstream, send)
            finally:
                await upstream.aclose()
            # Checked and reported before the last piece of the answer is sent: once a client
            # has its answer, the violations and the exchange are there for it to see.
            try:
                self._check_response(routed, operation, upstream, kept, truncated)
                self._notify(scope, operation, body, size, upstream, kept, truncated, violations)
            finally:
                await send({"type": "http.response.body", "body": last, "more_body": False})
        finally:
            body.close()

    async def _check_request(self, scope: Scope, body: IO[bytes], size: int) -> Scope:
        """Run the mock's routing and request validators over a replay of the request."""
        state = request_state(scope)
        assert state is not None
        holder = state.routed  # the probe shares the state: routing leaves its scope there
        probe = dict(scope)  # read as the mock reads it (``include[]`` as ``include``);
        probe["query_string"] = plain_array_names(scope.get("query_string", b""))  # sent as is
        try:
            await self._validation(probe, _replay(body, size), _discard)
        except (APIError, ProblemException, HTTPException) as exc:
            routed = holder.get("scope", probe)
            error = _as_api_error(exc)
            self.runtime.violations.record(
                request_info(routed), error, rule=error.code or "invalid"
            )
        routed = holder.get("scope", probe)
        if _operation_id(routed) is None and "scope" in holder:
            self.runtime.violations.record(
                request_info(routed),
                InvalidRequest(
                    f"No operation in openapi.yaml for {scope['method']} {scope['path']}."
                ),
                rule="unknown_route",
            )
        return routed

    def _upstream_request(self, scope: Scope, body: IO[bytes], size: int) -> httpx.Request:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1")
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            path = path[len(API_PREFIX) :]
        url = self.upstream + path
        query = scope.get("query_string", b"").decode("latin-1")
        if query:
            url += "?" + query
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k.decode("latin-1").lower() not in NOT_FORWARDED
        ]
        sent_length = any(k.lower() == b"content-length" for k, _ in scope["headers"])
        if size or sent_length:
            headers.append(("content-length", str(size)))
        content = _stream(body) if size else None
        return self.client().build_request(scope["method"], url, headers=headers, content=content)

    async def _relay(
        self, routed: Scope, operation: str | None, upstream: httpx.Response, send: Send
    ) -> tuple[bytes, bool, bytes]:
        """Send the upstream's answer on (decoded), all but its last piece, which is returned
        with the body kept up to the cap (and whether it was cut).

        An event stream is sent on piece by piece as it arrives, nothing held back (its end
        is the empty last piece), and each of its events checked before it is sent."""
        encoded = "content-encoding" in upstream.headers
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in upstream.headers.multi_items()
            if k.lower() not in NOT_RETURNED
            and not (encoded and k.lower() in ("content-encoding", "content-length"))
        ]
        await send(
            {"type": "http.response.start", "status": upstream.status_code, "headers": headers}
        )
        events = self._event_check(operation, upstream)
        kept: list[bytes] = []
        size, truncated = 0, False
        held = b""
        # An event stream as it comes (``aiter_bytes(CHUNK)`` would gather 64 KiB first).
        pieces = upstream.aiter_bytes() if events is not None else upstream.aiter_bytes(CHUNK)
        async for piece in pieces:
            if size + len(piece) <= RAW_BODY_CAP:
                kept.append(piece)
            else:
                truncated = True
            size += len(piece)
            if events is not None:
                self._record(routed, events.feed(piece))
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                continue
            if held:
                await send({"type": "http.response.body", "body": held, "more_body": True})
            held = piece
        if events is not None:
            self._record(routed, events.close())
        return b"".join(kept), truncated, held

    def _event_check(self, operation: str | None, upstream: httpx.Response) -> _EventCheck | None:
        """A checker for the events of an answer the contract declares as an event stream."""
        media = upstream.headers.get("content-type", "").split(";")[0].strip().lower()
        if operation is None or media != EVENT_STREAM:
            return None
        schema = self.contract.event_data_schema(operation, upstream.status_code)
        return _EventCheck(self.contract, schema) if schema else None

    def _check_response(
        self,
        routed: Scope,
        operation: str | None,
        upstream: httpx.Response,
        body: bytes,
        truncated: bool,
    ) -> None:
        if operation is None:
            return
        findings = self.contract.response_findings(
            operation,
            upstream.status_code,
            upstream.headers.get("content-type", ""),
            None if truncated else body,
        )
        self._record(routed, findings)

    def _record(self, routed: Scope, findings: list[Finding]) -> None:
        for finding in findings:
            self.runtime.violations.record(
                request_info(routed),
                InvalidRequest(finding.message, param=finding.parameter),
                rule=finding.rule,
                value=finding.value,
                direction="response",
            )

    def _notify(
        self,
        scope: Scope,
        operation: str | None,
        body: IO[bytes],
        size: int,
        upstream: httpx.Response,
        response_body: bytes,
        truncated: bool,
        violations: list[JsonObject],
    ) -> None:
        if not self.listeners:
            return
        body.seek(0)
        exchange = Exchange(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            operation=operation,
            time=self.runtime.clock.now(),
            request_headers=safe_headers(scope["headers"]),
            request_body=body.read(RAW_BODY_CAP),
            request_truncated=size > RAW_BODY_CAP,
            status=upstream.status_code,
            response_headers=safe_headers(
                [(k.encode("latin-1"), v.encode("latin-1")) for k, v in upstream.headers.items()]
            ),
            response_body=response_body,
            response_truncated=truncated,
            violations=list(violations),
        )
        for listener in list(self.listeners):
            try:
                listener(exchange)
            except Exception as exc:  # noqa: BLE001 - a listener must not break the proxy
                self.runtime.record_error(exc, f"vsmock proxy listener {listener!r} failed")


def create_proxy_app(
    upstream: str,
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 600.0,
) -> ProxyApp:
    """A validating proxy in front of ``upstream`` (an API base URL, e.g. ``…/v1``)."""
    return ProxyApp(upstream, settings, transport=transport, timeout=timeout)


def run_proxy(args: argparse.Namespace) -> int:
    from vsmock.http.uvicorn_adapter import make_server, run_until_stopped

    settings = Settings(host=args.host, port=args.port)
    app = create_proxy_app(args.upstream, settings)

    def ready(url: str) -> None:
        print(
            f"vsmock proxy listening on {url}{API_PREFIX} -> {app.upstream}  "
            f"(admin: {url}{ADMIN_PREFIX})",
            flush=True,
        )

    def stopped() -> None:
        print(app.runtime.violations.summary(), flush=True)
        app.runtime.close()

    server = make_server(app, args.host, args.port, on_ready=ready, log_level=args.log_level)
    run_until_stopped(server, stopped)
    return 0


# -- building blocks ----------------------------------------------------------------------------
class _CaptureRouted:
    """Keeps the routed scope (with the operation id) for the caller of the validators."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = request_state(scope)
        if state is not None:
            state.routed["scope"] = scope
        await self.app(scope, receive, send)


async def _validated(scope: Scope, receive: Receive, send: Send) -> None:
    """The end of the validation stack: the request has been checked; nothing to answer."""


def _validation_stack() -> ConnexionMiddleware:
    """Routing and the mock's request validators over openapi.yaml, at /v1 and at the root."""
    stack = ConnexionMiddleware(
        _validated,
        middlewares=[RoutingMiddleware, _CaptureRouted, RequestValidationMiddleware],
    )
    for base_path in (API_PREFIX, ""):
        mount(stack, documents.openapi_path(), base_path=base_path, **api_options())
    return stack


def _admin_app(runtime: Runtime) -> VsmockApp:
    """The admin API (admin.yaml) over the proxy's runtime."""
    return connexion_app(runtime)


_EOL = re.compile(r"\r\n|\r|\n")


@dataclass
class _Event:
    """One server-sent event: its position in the stream (from 0), ``event:`` name and data
    (its ``data:`` lines joined; ``None`` when it has none)."""

    number: int
    name: str | None
    data: str | None

    def label(self) -> str:
        return f"Server-sent event {self.number}" + (f" ({self.name})" if self.name else "")


class _EventReader:
    """Server-sent events out of a byte stream, as its pieces arrive (the WHATWG rules: UTF-8,
    a leading BOM dropped, lines ending in CRLF, LF or CR, a blank line ending an event,
    ``:`` a comment)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._text = ""  # what is left of the stream after the last complete line
        self._scanned = 0  # how much of it holds no line end
        self._name: str | None = None
        self._data: list[str] = []
        self._fields = False
        self._pending = 0  # characters of the event being read
        self._count = 0

    def feed(self, piece: bytes, final: bool = False) -> list[_Event]:
        self._text += self._decoder.decode(piece, final)
        events: list[_Event] = []
        start = 0
        for end in _EOL.finditer(self._text, self._scanned):
            if end.group() == "\r" and end.end() == len(self._text) and not final:
                break  # perhaps the first half of a CRLF
            event = self._line(self._text[start : end.start()])
            start = end.end()
            if event is not None:
                events.append(event)
        self._text = self._text[start:]
        self._scanned = max(len(self._text) - 1, 0)
        return events

    def pending(self) -> int:
        """The size of the event being read (0 between events)."""
        return self._pending + len(self._text)

    def _line(self, line: str) -> _Event | None:
        if not line:
            if not self._fields:
                return None
            data = "\n".join(self._data) if self._data else None
            event = _Event(self._count, self._name, data)
            self._count += 1
            self._name, self._data, self._fields, self._pending = None, [], False, 0
            return event
        if line.startswith(":"):
            return None  # a comment (a keep-alive)
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        self._fields = True
        self._pending += len(line) + 1
        if field == "event":
            self._name = value
        elif field == "data":
            self._data.append(value)
        return None  # ``id``, ``retry`` and unknown fields: nothing to check


class _EventCheck:
    """Checks each event of a stream against the schema the contract gives its data. A
    ``oneOf`` told apart by ``type`` is checked against the branch the event names, so a
    finding says what is wrong in it rather than that no branch matched."""

    def __init__(self, contract: Contract, schema: JsonObject):
        self._contract = contract
        self._schema = schema
        self._branches: dict[str, JsonObject] = {}
        for branch in schema.get("oneOf", []):
            kinds = branch.get("properties", {}).get("type", {}).get("enum", [])
            if len(kinds) == 1 and isinstance(kinds[0], str):
                self._branches.setdefault(kinds[0], branch)
        self._reader = _EventReader()
        self._found = 0
        self._stopped = False

    def feed(self, piece: bytes) -> list[Finding]:
        if self._stopped:
            return []
        findings: list[Finding] = []
        for event in self._reader.feed(piece):
            findings += self._check(event)
        if self._reader.pending() > RAW_BODY_CAP:
            self._stopped = True
            findings.append(
                Finding(
                    None,
                    "event_too_large",
                    f"A server-sent event runs past {RAW_BODY_CAP} bytes without ending; "
                    "the rest of the stream is not checked.",
                )
            )
        return self._limited(findings)

    def close(self) -> list[Finding]:
        """What the end of the stream leaves: the events it completes, an event cut off."""
        if self._stopped:
            return []
        events = self._reader.feed(b"", final=True)
        findings = [finding for event in events for finding in self._check(event)]
        if self._reader.pending():
            findings.append(
                Finding(
                    None,
                    "incomplete_event",
                    "The stream ends inside a server-sent event (no blank line after it); "
                    "a client drops it.",
                )
            )
        return self._limited(findings)

    def _limited(self, findings: list[Finding]) -> list[Finding]:
        room = MAX_STREAM_FINDINGS - self._found
        if len(findings) < room:
            self._found += len(findings)
            return findings
        self._stopped = True
        self._found = MAX_STREAM_FINDINGS
        note = Finding(
            None,
            "too_many_violations",
            f"{MAX_STREAM_FINDINGS} violations in one event stream; the rest is not checked.",
        )
        return [*findings[: room - 1], note]

    def _check(self, event: _Event) -> list[Finding]:
        if event.data is None:
            return [Finding(None, "missing_data", f"{event.label()} has no data.", event.name)]
        try:
            document = json.loads(event.data)
        except RecursionError:
            message = f"The data of {_lower(event.label())} is nested too deeply to check."
            return [Finding(None, "invalid_json", message)]
        except ValueError as exc:
            message = f"The data of {_lower(event.label())} is not JSON ({exc})."
            return [Finding(None, "invalid_json", message, event.data)]
        kind = document.get("type") if isinstance(document, dict) else None
        schema = self._schema
        if isinstance(kind, str) and self._branches:
            if kind not in self._branches:
                message = (
                    f"{event.label()} has the type {kind!r}, which is not an event of openapi.yaml."
                )
                return [Finding("type", "enum", _shorten(message), kind)]
            schema = self._branches[kind]
        findings = [
            Finding(
                _failure_path(failure),
                str(failure.validator),
                _shorten(f"{event.label()} does not conform to openapi.yaml: {failure.message}"),
                failure.instance,
            )
            for failure in self._contract.validator(schema).iter_errors(document)
        ]
        if event.name is not None and isinstance(kind, str) and event.name != kind:
            message = (
                f"Server-sent event {event.number} is named {event.name!r} but its data's "
                f"type is {kind!r}."
            )
            findings.append(Finding("type", "event_name", message, event.name))
        return findings


def _failure_path(failure: ValidationError) -> str | None:
    path = param_path(None, failure.absolute_path)
    if failure.validator == "required" and "'" in failure.message:
        return param_path(path, [failure.message.split("'")[1]])
    return path


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]


def _shorten(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + "…"


async def _spool(receive: Receive) -> tuple[IO[bytes], int]:
    """The request body, in memory up to 1 MiB and on disk beyond."""
    body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        piece = message.get("body", b"")
        body.write(piece)
        size += len(piece)
        more = message.get("more_body", False)
    return body, size


def _replay(body: IO[bytes], size: int) -> Receive:
    body.seek(0)

    async def receive() -> Message:
        piece = body.read(CHUNK)
        return {"type": "http.request", "body": piece, "more_body": body.tell() < size}

    return receive


async def _stream(body: IO[bytes]) -> AsyncIterator[bytes]:
    body.seek(0)
    while piece := body.read(CHUNK):
        yield piece


async def _discard(message: Message) -> None:
    """The validation stack answers nothing."""


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _operation_id(scope: Scope) -> str | None:
    routing = scope.get("extensions", {}).get("connexion_routing", {})
    operation: str | None = routing.get("operation_id")
    return operation


def _as_api_error(exc: Exception) -> APIError:
    if isinstance(exc, APIError):
        return exc
    if isinstance(exc, ProblemException):
        code = "unsupported_media_type" if exc.status == 415 else "invalid_request"
        return InvalidRequest(str(exc.detail or exc.title), code=code)
    assert isinstance(exc, HTTPException)
    code = "method_not_allowed" if exc.status_code == 405 else f"http_{exc.status_code}"
    return InvalidRequest(str(exc.detail), code=code)
