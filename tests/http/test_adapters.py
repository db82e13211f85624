"""Every private name the HTTP adapters use, exercised directly.

``http/connexion_adapter.py``, ``http/starlette_adapter.py`` and ``http/uvicorn_adapter.py``
are the only modules that reach into Connexion, Starlette and uvicorn internals (the layout
test holds everyone else to public names). An upgrade that moves one of those internals
fails here, by name, before it shows up as a strange failure somewhere in the suite.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import socket
from pathlib import Path
from typing import Any

import connexion
import connexion.context
import httpx
import pytest
from connexion.exceptions import NonConformingResponseBody
from connexion.jsonifier import Jsonifier
from connexion.middleware.main import ConnexionMiddleware
from connexion.resolver import Resolver
from connexion.spec import OpenAPISpecification
from connexion.validators import JSONResponseBodyValidator
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import Route

from vsmock.backend.interface import OPERATION_NAMES
from vsmock.contract import documents
from vsmock.http import connexion_adapter, starlette_adapter, uvicorn_adapter
from vsmock.http.app import create_app

SCOPE: dict[str, Any] = {"type": "http", "method": "POST", "path": "/v1/x", "headers": []}


# -- Connexion ------------------------------------------------------------------------------
def test_request_context_is_what_connexion_context_reads() -> None:
    operation = object()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {**SCOPE, "extensions": {"connexion_context": {"user": "u"}}}

    def bound() -> tuple[Any, ...]:
        connexion_adapter.bind_request_context(scope, receive, operation)  # type: ignore[arg-type]
        return (
            connexion.context.scope["path"],
            connexion.context.context["user"],
            connexion.context.operation._get_current_object(),
            connexion.context.receive._get_current_object(),
        )

    assert contextvars.copy_context().run(bound) == ("/v1/x", "u", operation, receive)


def test_response_shaper_unpacks_and_serialises_as_connexion_does() -> None:
    jsonifier = Jsonifier()
    shaper = connexion_adapter.ResponseShaper(jsonifier)
    assert shaper.jsonifier is jsonifier
    assert shaper.unpack(({"a": 1}, 201, {"x-one": "1"})) == ({"a": 1}, 201, {"x-one": "1"})
    assert shaper.unpack({"a": 1}) == ({"a": 1}, None, {})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    operation = _mounted()[0].operation  # serialising reads the operation's media types

    def serialised() -> tuple[Any, str, int, dict[str, str]]:
        connexion_adapter.bind_request_context(SCOPE, receive, operation)
        return shaper.serialise({"a": 1}, None, {})

    body, content_type, status, headers = contextvars.copy_context().run(serialised)
    assert (json.loads(body), content_type, status) == ({"a": 1}, "application/json", 200)
    assert headers["Content-Type"] == "application/json"


def test_response_bytes_are_validated_by_connexions_validator() -> None:
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    check = connexion_adapter.validate_response_bytes
    check(JSONResponseBodyValidator, SCOPE, schema, False, "utf-8", b'{"id": "x"}')
    with pytest.raises(NonConformingResponseBody):
        check(JSONResponseBodyValidator, SCOPE, schema, False, "utf-8", b'{"id": 1}')
    check(JSONResponseBodyValidator, SCOPE, schema, True, "utf-8", b"null")


def test_shipped_specification_skips_only_the_document_check() -> None:
    broken = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": 1}}
    with pytest.raises(Exception, match="is not of type"):
        OpenAPISpecification(broken)  # Connexion checks what it loads ...
    shipped = connexion_adapter.ShippedSpecification(broken)  # ... this one does not
    assert shipped["paths"] == {"/x": 1}


def _mounted() -> list[connexion_adapter.MountedOperation]:
    middleware = ConnexionMiddleware(Starlette())
    resolver = Resolver(function_resolver=lambda operation_id: lambda: None)
    connexion_adapter.mount(
        middleware, documents.openapi_path(), base_path="/v1", resolver=resolver
    )
    return list(connexion_adapter.mounted_operations(middleware))


def test_mount_serves_the_contract_and_lists_its_operations() -> None:
    mounted = _mounted()
    assert {m.base_path for m in mounted} == {"/v1"}
    assert len(mounted) == len(OPERATION_NAMES)
    ids = {m.operation.operation_id for m in mounted}
    assert "listVectorStores" in ids  # the one place an operationId is spelt: a test
    assert all(m.method in connexion_adapter.METHODS for m in mounted)
    assert all("resolver" in m.options for m in mounted)


def test_body_validators_expose_connexions_settings() -> None:
    schema = {"type": "object"}
    validator = connexion_adapter.JSONBodyValidatorBase(
        schema=schema, required=True, nullable=False, encoding="utf-8", strict_validation=False
    )
    assert (validator.schema, validator.required, validator.nullable, validator.encoding) == (
        schema,
        True,
        False,
        "utf-8",
    )

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"rest", "more_body": False}

    replayed = validator.replay(receive, [{"type": "http.request", "body": b"first"}])

    async def read_all() -> list[bytes]:
        return [(await replayed())["body"], (await replayed())["body"]]

    assert asyncio.run(read_all()) == [b"first", b"rest"]

    multipart = connexion_adapter.MultipartValidatorBase(
        schema=schema, required=True, nullable=False, encoding="utf-8", strict_validation=False
    )
    assert multipart.schema == schema


# -- Starlette ------------------------------------------------------------------------------
def test_route_path_takes_off_the_root_path() -> None:
    scope = {**SCOPE, "path": "/proxy/v1/files", "root_path": "/proxy"}
    assert starlette_adapter.route_path(scope) == "/v1/files"
    assert starlette_adapter.route_path({**SCOPE, "path": "/v1/files"}) == "/v1/files"


def test_upload_parser_reads_a_file_name_longer_than_python_multipart_allows(
    tmp_path: Path,
) -> None:
    name = "n" * 20_000 + ".txt"
    boundary = "vsmock-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="purpose"\r\n\r\n'
        "assistants\r\n"
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
        "hello\r\n"
        f"--{boundary}--\r\n"
    ).encode()

    async def stream() -> Any:
        yield body[:100]
        yield body[100:]

    async def parse() -> tuple[str, str, bytes]:
        headers = Headers({"content-type": f"multipart/form-data; boundary={boundary}"})
        form = await starlette_adapter.UploadParser(headers, stream()).parse()
        upload = form["file"]
        assert not isinstance(upload, str)
        return str(form["purpose"]), str(upload.filename), await upload.read()

    assert asyncio.run(parse()) == ("assistants", name, b"hello")


def test_upload_parser_reports_damaged_bodies_as_starlette_does() -> None:
    from starlette.formparsers import MultiPartException

    async def stream() -> Any:
        yield b"--b\rX"  # no LF after the boundary

    async def parse() -> None:
        headers = Headers({"content-type": "multipart/form-data; boundary=b"})
        await starlette_adapter.UploadParser(headers, stream()).parse()

    with pytest.raises(MultiPartException):
        asyncio.run(parse())
    with pytest.raises(MultiPartException, match="boundary"):
        headers = Headers({"content-type": "multipart/form-data"})
        asyncio.run(starlette_adapter.UploadParser(headers, stream()).parse())


# -- uvicorn --------------------------------------------------------------------------------
def _hello_app() -> Starlette:
    return Starlette(routes=[Route("/", lambda request: JSONResponse({"ok": True}))])


def test_server_reports_its_bound_address_and_unreadable_requests_get_an_envelope() -> None:
    with uvicorn_adapter.running(_hello_app()) as server:
        host, port = server.url.removeprefix("http://").split(":")
        assert host == "127.0.0.1" and int(port) > 0
        with socket.create_connection((host, int(port)), timeout=5) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n")
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"content-type: application/json" in head
    assert b"server: uvicorn" in head  # the default headers, from server_state
    assert b'"code": "invalid_http_request"' in body or b'"code":"invalid_http_request"' in body


def test_each_request_knows_its_connection_and_can_drop_it() -> None:
    """``data_received`` and ``cycle``: the protocol puts the request's connection in its
    scope before the app reads it, so a fault can close it without an answer."""
    from vsmock.http.request_state import CONNECTION, close_connection

    seen: list[bool] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(CONNECTION in (scope.get("extensions") or {}))
        if scope["path"] == "/drop":
            assert close_connection(scope)
            return
        await JSONResponse({"ok": True})(scope, receive, send)

    with (
        uvicorn_adapter.running(app) as server,
        httpx.Client(base_url=server.url, timeout=5) as http,
    ):
        assert http.get("/").json() == {"ok": True}
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/drop")
        assert http.get("/").json() == {"ok": True}  # the server goes on
    assert seen == [True, True, True]
    assert not close_connection({"type": "http"})  # a server that does not say: no drop


class _RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 7

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def test_a_corked_transport_writes_once_per_turn_of_the_loop() -> None:
    async def scenario() -> None:
        raw = _RecordingTransport()
        corked = uvicorn_adapter.CorkedTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        corked.write(b"HTTP/1.1 200 OK\r\n\r\n")
        corked.write(b"{}")
        assert raw.writes == [] and corked.get_write_buffer_size() == 7 + 21
        await asyncio.sleep(0)
        assert raw.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}"]
        corked.write(b"half a bo")
        corked.close()  # what is pending goes first
        assert raw.writes[-1] == b"half a bo" and raw.closed
        corked.write(b"lost")
        await asyncio.sleep(0)
        assert raw.writes[-1] == b"half a bo"  # nothing is written to a closed connection
        assert corked.get_extra_info("peername") == "info:peername"

    asyncio.run(scenario())


def test_served_answers_leave_in_one_write() -> None:
    """The protocol uvicorn runs wraps each connection's transport."""
    protocol = uvicorn_adapter.envelope_protocol()
    seen: list[Any] = []

    class Probe(protocol):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            seen.append(self.transport)

    thread = uvicorn_adapter.ThreadedServer(create_app())
    thread.server.config.http = Probe
    thread.start()
    try:
        reply = httpx.get(thread.base_url + "/vector_stores", headers={"Authorization": "Bearer k"})
        assert reply.status_code == 200
    finally:
        thread.stop()
    assert seen and isinstance(seen[0], uvicorn_adapter.CorkedTransport)


def test_the_threaded_server_runs_on_the_loop_serve_uses() -> None:
    """The plugin's server (a thread) and ``vsmock serve`` run the same event loop: the one
    uvicorn's config picks (uvloop where it is installed)."""
    factory = uvicorn_adapter.make_server(create_app()).config.get_loop_factory()
    expected = type(factory() if factory is not None else asyncio.new_event_loop())
    with uvicorn_adapter.running(create_app()) as server:
        assert type(server.loop) is expected
    assert expected.__module__.startswith("uvloop")  # installed with uvicorn[standard]
