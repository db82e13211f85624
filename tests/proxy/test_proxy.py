"""The validating proxy (``vsmock proxy --upstream URL``): forwards everything as it came,
returns what the upstream answered, and reports what breaks openapi.yaml either way.

Upstreams here: a second vsmock (stateful), and a small tampered app whose answers break
the contract (and which echoes what it received, to check what the proxy forwarded).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from conftest import ROOT
from starlette.types import Receive, Scope, Send

from vsmock.http.app import create_app
from vsmock.http.uvicorn_adapter import ThreadedServer, running
from vsmock.proxy.forwarding import Exchange, ProxyApp, create_proxy_app

SECRET = "sk-live-DO-NOT-LEAK-1234567890"
TAMPERED_STORE = {
    "id": "vs_tampered",
    "object": "vector_store",
    "created_at": 1_700_000_000,
    "name": None,  # the SDK's type is str
    "usage_bytes": 1.5,  # integer
    "status": "archived",  # not in the enum
    "last_active_at": None,
    "metadata": {},
    # file_counts missing
}
FILE_LIST: dict[str, Any] = {
    "object": "list",
    "data": [],
    "first_id": None,
    "last_id": None,
    "has_more": False,
}


async def tampered(scope: Scope, receive: Receive, send: Send) -> None:
    """An upstream that breaks the contract on purpose, and otherwise echoes the request."""
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    status, media, payload = 200, "application/json", b""
    path = scope["path"]
    if path == "/v1/vector_stores/vs_tampered":
        payload = json.dumps(TAMPERED_STORE).encode()
    elif path == "/v1/files" and scope["method"] == "GET":
        status, payload = 201, json.dumps(FILE_LIST).encode()
    elif path == "/v1/files/file-text":
        media, payload = "text/plain", b"not json"
    else:
        payload = json.dumps(
            {
                "method": scope["method"],
                "raw_path": scope["raw_path"].decode(),
                "query": scope["query_string"].decode(),
                "authorization_sha256": _digest(headers.get("authorization", "").encode()),
                "content_type": headers.get("content-type"),
                "content_length": headers.get("content-length"),
                "body_sha256": _digest(body),
            }
        ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media.encode()),
                (b"content-length", str(len(payload)).encode()),
                (b"x-request-id", b"req_upstream"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def upstream() -> Iterator[ThreadedServer]:
    with running(create_app(seed=5, poll_after_ms=5)) as server:
        yield server


@pytest.fixture(scope="module")
def proxied(upstream: ThreadedServer) -> Iterator[ThreadedServer]:
    with running(create_proxy_app(upstream.base_url)) as server:
        yield server


@pytest.fixture(scope="module")
def tampered_upstream() -> Iterator[ThreadedServer]:
    with running(tampered) as server:
        yield server


@pytest.fixture(scope="module")
def tampered_proxy(tampered_upstream: ThreadedServer) -> Iterator[ThreadedServer]:
    with running(create_proxy_app(tampered_upstream.base_url)) as server:
        yield server


def admin(server: ThreadedServer, method: str, path: str) -> Any:
    response = httpx.request(method, f"{server.url}/__admin{path}", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def proxy(proxied: ThreadedServer, upstream: ThreadedServer) -> Iterator[ThreadedServer]:
    admin(upstream, "POST", "/reset")
    admin(proxied, "POST", "/reset")
    yield proxied
    assert admin(proxied, "GET", "/errors")["data"] == []
    assert admin(upstream, "GET", "/errors")["data"] == []


@pytest.fixture
def bad_proxy(tampered_proxy: ThreadedServer) -> Iterator[ThreadedServer]:
    admin(tampered_proxy, "POST", "/reset")
    yield tampered_proxy
    assert admin(tampered_proxy, "GET", "/errors")["data"] == []


def sdk(server: ThreadedServer) -> openai.OpenAI:
    return openai.OpenAI(api_key=SECRET, base_url=server.base_url, max_retries=0)


def test_the_sdk_works_through_the_proxy_and_conforming_traffic_reports_nothing(
    proxy: ThreadedServer, upstream: ThreadedServer
) -> None:
    client = sdk(proxy)
    text = b"# Returns\n\nReturns are accepted within 30 days of delivery."
    upload = client.files.create(file=("returns.md", text), purpose="assistants")
    store = client.vector_stores.create(name="Support", file_ids=[upload.id])
    assert store.file_counts.completed == 1
    results = client.vector_stores.search(store.id, query="how many days to return")
    assert results.data[0].file_id == upload.id
    assert client.files.content(upload.id).read() == text
    batch = client.vector_stores.file_batches.create_and_poll(store.id, file_ids=[upload.id])
    assert batch.status == "completed"
    assert [f.id for f in client.vector_stores.files.list(store.id)] == [upload.id]
    assert client.vector_stores.delete(store.id).deleted

    assert admin(proxy, "GET", "/violations")["data"] == []
    assert admin(proxy, "GET", "/health") == {"status": "ok", "mode": "proxy"}
    forwarded = admin(upstream, "GET", "/requests")["data"]
    journal = admin(proxy, "GET", "/requests")["data"]
    assert [(e["method"], e["path"].removeprefix("/v1")) for e in forwarded] == [
        (e["method"], e["path"].removeprefix("/v1")) for e in journal
    ]
    assert [e["status"] for e in journal] == [e["status"] for e in forwarded]


def test_requests_that_break_the_contract_are_forwarded_and_reported(
    proxy: ThreadedServer, upstream: ThreadedServer
) -> None:
    with pytest.raises(openai.BadRequestError) as through_proxy:
        sdk(proxy).vector_stores.files.list("vector_store_id", limit=0)
    with pytest.raises(openai.BadRequestError) as direct:
        sdk(upstream).vector_stores.files.list("vector_store_id", limit=0)
    assert through_proxy.value.body == direct.value.body  # the upstream's answer, untouched
    found = admin(proxy, "GET", "/violations")["data"]
    assert {(v["direction"], v["operation"], v["parameter"], v["rule"]) for v in found} == {
        ("request", "listVectorStoreFiles", "vector_store_id", "invalid_value"),
        ("request", "listVectorStoreFiles", "limit", "integer_below_min_value"),
    }  # and the upstream's 400 envelope conforms: no response violation


def test_a_non_conforming_upstream_response_is_reported_and_passed_on(
    bad_proxy: ThreadedServer,
) -> None:
    with httpx.Client(base_url=bad_proxy.base_url, headers={"Authorization": "Bearer k"}) as http:
        store = http.get("/vector_stores/vs_tampered")
        listed = http.get("/files")
        text = http.get("/files/file-text")
    assert store.status_code == 200 and store.json() == TAMPERED_STORE
    assert store.headers["x-request-id"] == "req_upstream"
    assert (listed.status_code, listed.json()) == (201, FILE_LIST)
    assert (text.status_code, text.text) == (200, "not json")

    found = admin(bad_proxy, "GET", "/violations")["data"]
    assert all(v["direction"] == "response" for v in found)
    by_operation = {
        (v["operation"], v["parameter"], v["rule"]) for v in found if v["direction"] == "response"
    }
    assert by_operation == {
        ("getVectorStore", "name", "type"),
        ("getVectorStore", "usage_bytes", "type"),
        ("getVectorStore", "status", "enum"),
        ("getVectorStore", "file_counts", "required"),
        ("listFiles", None, "undeclared_status"),
        ("retrieveFile", None, "content_type"),
    }
    name = next(v for v in found if v["parameter"] == "name")
    assert name["path"] == "/v1/vector_stores/vs_tampered" and name["value"] is None
    assert "conform" in name["message"]


def test_requests_are_forwarded_as_they_came(bad_proxy: ThreadedServer) -> None:
    upload = httpx.Request(
        "POST",
        f"{bad_proxy.url}/v1/vector_stores/vs_1/files/file-1/echo",
        headers={"Authorization": f"Bearer {SECRET}"},
        files={"file": ("a.bin", bytes(range(256)) * 64)},
        data={"purpose": "assistants"},
    )
    sent = upload.read()
    with httpx.Client() as http:
        echoed = http.send(upload).json()
        raw = http.get(
            f"{bad_proxy.url}/v1/files/a%2Fb%20c?x=1&y=%20&x=2",
            headers={"Authorization": f"Bearer {SECRET}"},
        ).json()
        root = http.delete(
            f"{bad_proxy.url}/vector_stores/vs_1/echo",
            headers={
                "Content-Type": "application/json",
                "Content-Length": "0",  # as the SDK sends it
                "Authorization": "Bearer k",
            },
        ).json()
    assert echoed["method"] == "POST"
    assert echoed["raw_path"] == "/v1/vector_stores/vs_1/files/file-1/echo"
    assert echoed["authorization_sha256"] == _digest(f"Bearer {SECRET}".encode())
    assert echoed["content_type"] == upload.headers["content-type"]
    assert echoed["content_length"] == str(len(sent))
    assert echoed["body_sha256"] == _digest(sent)
    assert (raw["raw_path"], raw["query"]) == ("/v1/files/a%2Fb%20c", "x=1&y=%20&x=2")
    assert (root["method"], root["raw_path"], root["content_length"]) == (
        "DELETE",
        "/v1/vector_stores/vs_1/echo",
        "0",
    )
    unknown = {
        (v["method"], v["rule"])
        for v in admin(bad_proxy, "GET", "/violations")["data"]
        if v["direction"] == "request"
    }
    assert ("POST", "unknown_route") in unknown and ("DELETE", "unknown_route") in unknown


def test_the_key_is_forwarded_but_never_recorded(bad_proxy: ThreadedServer) -> None:
    seen: list[Exchange] = []
    app = bad_proxy.app
    assert isinstance(app, ProxyApp)
    app.listeners.append(seen.append)
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {SECRET}"}) as http:
            echoed = http.post(
                f"{bad_proxy.base_url}/vector_stores/vs_1/files/file-1/echo",
                json={"metadata": {"k": "v"}},
            ).json()
            http.get(f"{bad_proxy.base_url}/vector_stores/vs_tampered")
    finally:
        app.listeners.remove(seen.append)
    assert echoed["authorization_sha256"] == _digest(f"Bearer {SECRET}".encode())
    journal = json.dumps(admin(bad_proxy, "GET", "/requests"))
    reports = json.dumps(admin(bad_proxy, "GET", "/violations"))
    assert '"metadata"' in journal and "vs_tampered" in reports
    assert SECRET not in journal and SECRET not in reports
    assert [(e.method, e.operation, e.status) for e in seen] == [
        ("POST", None, 200),
        ("GET", "getVectorStore", 200),
    ]
    assert all("authorization" not in e.request_headers for e in seen)
    assert json.loads(seen[0].request_body) == {"metadata": {"k": "v"}}
    assert json.loads(seen[1].response_body) == TAMPERED_STORE
    assert {v["rule"] for v in seen[1].violations} == {"type", "enum", "required"}


def test_an_unreachable_upstream_is_a_502_envelope() -> None:
    with running(create_proxy_app("http://127.0.0.1:9/v1", timeout=5)) as server:
        response = httpx.get(f"{server.base_url}/files", headers={"Authorization": "Bearer k"})
    assert response.status_code == 502
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_the_cli_summarises_violations_on_shutdown_without_the_key(
    tampered_upstream: ThreadedServer,
) -> None:
    command = [sys.executable, "-m", "vsmock", "proxy", "--port", "0", "--log-level", "info"]
    process = subprocess.Popen(
        [*command, "--upstream", tampered_upstream.base_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        seen = []
        for line in process.stdout:
            seen.append(line)
            match = re.search(r"listening on (http://\S+)/v1 -> ", line)
            if match:
                break
        else:
            pytest.fail("vsmock proxy did not start:\n" + "".join(seen))
        url = match.group(1)
        with httpx.Client(headers={"Authorization": f"Bearer {SECRET}"}) as http:
            assert http.get(f"{url}/v1/vector_stores/vs_tampered").json() == TAMPERED_STORE
            assert http.get(f"{url}/__admin/health").json()["mode"] == "proxy"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "vsmock: 4 contract violation(s)" in output, output
    assert "response getVectorStore  file_counts  required" in output, output
    assert SECRET not in "".join(seen) + output
