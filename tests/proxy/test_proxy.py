"""The validating proxy (``vsmock proxy --upstream URL``): forwards everything as it came,
returns what the upstream answered, and reports what breaks openapi.yaml either way.

Upstreams here: a second vsmock (stateful), and a small tampered app whose answers break
the contract (and which echoes what it received, to check what the proxy forwarded); its
``POST /v1/responses`` streams events, some of them broken.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import subprocess
import sys
import threading
import time
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
from vsmock.scenarios import bodies

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
QUESTION = "How many days do I have to return an item?"


def delta(sequence_number: int | None, text: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "response.output_text.delta",
        "sequence_number": sequence_number,
        "item_id": "msg_1",
        "output_index": 0,
        "content_index": 0,
        "delta": text,
        "logprobs": [],
    }
    if sequence_number is None:
        del event["sequence_number"]
    return event


def sse(name: str, data: Any, end: str = "\n") -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"event: {name}{end}data: {text}{end}{end}".encode()


# What the tampered upstream streams, in two parts: the second waits until the test has
# read the first through the proxy (RELEASE), so a proxy that held the stream back would
# keep the upstream waiting (RELEASED_IN_TIME turns False).
FIRST_PART = [sse("response.output_text.delta", delta(None, "Thirty"))]  # no sequence_number
SECOND_PART = [
    b": keep-alive\n\n",
    sse("response.output_text.delta", "not json"),
    sse("response.output_text.delta", delta(2, " days (30 × 24 h)")),
    sse("response.output_text.delta", delta(3, "."), end="\r\n"),
    sse("response.output_text.done", delta(4, "")),  # named for another type than its data
    b"event: response.in_progress\n\n",  # no data
    sse("response.reasoning.delta", {"type": "response.reasoning.delta", "sequence_number": 6}),
    b"event: response.completed\ndata: {",  # the stream ends inside this event
]
RELEASE = threading.Event()
RELEASED_IN_TIME: list[bool] = []


async def stream_events(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream; charset=utf-8")],
        }
    )
    for piece in FIRST_PART:
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    deadline = time.monotonic() + 4
    while not RELEASE.is_set() and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    RELEASED_IN_TIME.append(RELEASE.is_set())
    for byte in b"".join(SECOND_PART):  # cut anywhere: inside a CRLF, inside a character
        await send({"type": "http.response.body", "body": bytes([byte]), "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


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
    if path == "/v1/responses" and scope["method"] == "POST":
        await stream_events(send)
        return
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


def test_the_responses_api_works_through_the_proxy_and_reports_nothing(
    proxy: ThreadedServer,
) -> None:
    client = sdk(proxy)
    app = proxy.app
    assert isinstance(app, ProxyApp)
    seen: list[Exchange] = []
    app.listeners.append(seen.append)
    try:
        text = b"# Returns\n\nReturns are accepted within 30 days of delivery."
        upload = client.files.create(file=("returns.md", text), purpose="assistants")
        store = client.vector_stores.create(file_ids=[upload.id])
        ask: Any = {
            "model": "gpt-4.1-mini",
            "input": QUESTION,
            "tools": [{"type": "file_search", "vector_store_ids": [store.id]}],
            "include": ["file_search_call.results"],
        }
        answer = client.responses.create(**ask)
        events = list(client.responses.create(**ask, stream=True))
        replayed = list(client.responses.retrieve(answer.id, stream=True))
        fetched = client.responses.retrieve(answer.id, include=ask["include"])
        items = client.responses.input_items.list(answer.id)
        client.responses.delete(answer.id)
    finally:
        app.listeners.remove(seen.append)

    assert "30 days" in answer.output_text
    call = next(item for item in fetched.output if item.type == "file_search_call")
    assert call.results and call.results[0].file_id == upload.id  # include[] was understood
    assert fetched.output_text == answer.output_text
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert (events[0].type, events[-1].type) == ("response.created", "response.completed")
    assert [e.type for e in replayed] == [e.type for e in events]
    assert [(i.type, i.content[0].text) for i in items.data] == [("message", QUESTION)]  # type: ignore[union-attr]
    assert admin(proxy, "GET", "/violations")["data"] == []

    journal = admin(proxy, "GET", "/requests")["data"]
    queries = [e["query"] for e in journal if e["method"] == "GET"]
    assert any("include%5B%5D=" in q or "include[]=" in q for q in queries)  # as the SDK sent it
    streamed = [e for e in seen if e.response_headers["content-type"].startswith("text/event")]
    assert len(streamed) == 2
    body, encoding = bodies.encode(
        streamed[0].response_body, streamed[0].response_headers["content-type"]
    )
    assert encoding == bodies.TEXT  # a recording keeps the events as text
    assert body.startswith("event: response.created\ndata: {")
    assert body.endswith("}\n\n") and "event: response.completed\n" in body


def test_include_arrays_are_checked_as_the_server_reads_them_and_forwarded_as_sent(
    bad_proxy: ThreadedServer,
) -> None:
    queries = [
        "include[]=file_search_call.results&stream=false",
        "include%5B%5D=file_search_call.results&include%5b%5d=bogus",
        "include[]=nonsense",
    ]
    with httpx.Client(base_url=bad_proxy.base_url, headers={"Authorization": "Bearer k"}) as http:
        echoed = [http.get(f"/responses/resp_1?{query}").json() for query in queries]
    assert [e["query"] for e in echoed] == queries
    found = [
        v for v in admin(bad_proxy, "GET", "/violations")["data"] if v["direction"] == "request"
    ]
    assert [(v["operation"], v["parameter"], v["rule"], v["value"]) for v in found] == [
        ("getResponse", "include[1]", "invalid_value", ["file_search_call.results", "bogus"]),
        ("getResponse", "include[0]", "invalid_value", ["nonsense"]),
    ]


def test_a_streamed_answer_is_relayed_as_it_comes_and_each_event_is_checked(
    bad_proxy: ThreadedServer,
) -> None:
    RELEASE.clear()
    RELEASED_IN_TIME.clear()
    ask = {"model": "gpt-4.1-mini", "input": QUESTION, "stream": True}
    received = b""
    early: list[Any] = []
    headers = {"Authorization": "Bearer k"}
    url = f"{bad_proxy.base_url}/responses"
    with httpx.stream("POST", url, json=ask, headers=headers, timeout=10) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/event-stream; charset=utf-8"
        for piece in answer.iter_bytes():
            received += piece
            if not RELEASE.is_set() and received.endswith(b"\n\n"):
                # the first event is here while the upstream still waits, and so is its
                # violation
                early = admin(bad_proxy, "GET", "/violations")["data"]
                RELEASE.set()
    assert RELEASED_IN_TIME == [True]
    assert received == b"".join(FIRST_PART + SECOND_PART)  # relayed as it came

    assert [(v["parameter"], v["rule"]) for v in early] == [("sequence_number", "required")]
    found = admin(bad_proxy, "GET", "/violations")["data"]
    assert all(
        (v["direction"], v["operation"], v["path"])
        == ("response", "createResponse", "/v1/responses")
        for v in found
    )
    by_rule = {v["rule"]: v for v in found}
    assert [(v["parameter"], v["rule"]) for v in found] == [
        ("sequence_number", "required"),
        (None, "invalid_json"),
        ("type", "event_name"),
        (None, "missing_data"),
        ("type", "enum"),  # not a type the contract knows
        (None, "incomplete_event"),
    ]
    assert by_rule["required"]["message"].startswith(
        "Server-sent event 0 (response.output_text.delta) does not conform to openapi.yaml"
    )
    assert (
        "server-sent event 1 (response.output_text.delta) is not JSON"
        in (by_rule["invalid_json"]["message"])
    )
    assert by_rule["invalid_json"]["value"] == "not json"
    assert by_rule["event_name"]["message"] == (
        "Server-sent event 4 is named 'response.output_text.done' but its data's type is "
        "'response.output_text.delta'."
    )
