"""The in-process client transport answers as the socket does: same statuses, headers and
bodies, same event streams, and the same client-side errors for faults below HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from vsmock.http.app import create_app
from vsmock.http.client_transport import transports
from vsmock.http.uvicorn_adapter import ThreadedServer, running

KEY = {"Authorization": "Bearer sk-test"}
VARYING = {"date", "x-request-id"}  # per answer, whichever way it travels
DOC = b"The moon is made of green cheese. Cheddar, mostly.\n\nThe sun is hot."


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with running(create_app(seed=7, now=1_700_000_000)) as served:
        yield served


@pytest.fixture(scope="module")
def clients(server: ThreadedServer) -> Iterator[tuple[httpx2.Client, httpx2.Client]]:
    sync_transport, _ = transports("httpx2")
    inprocess = httpx2.Client(
        transport=sync_transport(server.app, server.loop, server.address),
        base_url=server.base_url,
        headers=KEY,
    )
    socket = httpx2.Client(base_url=server.base_url, headers=KEY)
    with socket, inprocess:
        yield socket, inprocess


def answer(response: httpx2.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in VARYING]
    return response.status_code, headers, response.content


def streamed_answer(store_id: str, text: str) -> dict[str, Any]:
    """A streamed Responses request searching one store."""
    return {
        "model": "gpt-4.1",
        "input": text,
        "stream": True,
        "tools": [{"type": "file_search", "vector_store_ids": [store_id]}],
    }


def async_client(server: ThreadedServer, **options: Any) -> httpx2.AsyncClient:
    _, async_transport = transports("httpx2")
    return httpx2.AsyncClient(
        transport=async_transport(server.app, server.loop, server.address),
        base_url=server.base_url,
        headers=KEY,
        **options,
    )


def fault(server: ThreadedServer, **spec: Any) -> None:
    reply = httpx2.post(server.url + "/__admin/faults", json=spec, headers=KEY)
    assert reply.status_code == 200, reply.text


def test_the_same_answers_both_ways(server: ThreadedServer, clients: Any) -> None:
    socket, inprocess = clients
    upload = socket.post(
        "/files", files={"file": ("moon.txt", DOC)}, data={"purpose": "assistants"}
    )
    file_id = upload.json()["id"]
    store = inprocess.post("/vector_stores", json={"name": "kb", "file_ids": [file_id]}).json()
    # Written one way, read back the other: one server, one state.
    assert socket.get(f"/vector_stores/{store['id']}").json()["name"] == "kb"
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/vector_stores", {}),
        ("GET", "/vector_stores", {"params": {"limit": 1, "order": "asc"}}),
        ("GET", f"/vector_stores/{store['id']}", {}),
        ("GET", f"/vector_stores/{store['id']}/files", {}),
        ("POST", f"/vector_stores/{store['id']}/search", {"json": {"query": "green cheese"}}),
        ("GET", "/vector_stores/vs_missing", {}),
        ("GET", "/vector_stores", {"params": {"limit": "many"}}),
        (
            "POST",
            "/vector_stores",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
        ),
        ("GET", f"/files/{file_id}/content", {}),
        ("GET", "/no/such/route", {}),
        ("GET", "/vector_stores/%E2%9C%93", {}),
        ("DELETE", "/vector_stores", {}),
        ("HEAD", "/vector_stores", {}),
        ("GET", "/vector_stores", {"headers": {"Authorization": ""}}),
    ]
    for method, path, options in requests:
        one, other = (
            socket.request(method, path, **options),
            inprocess.request(method, path, **options),
        )
        assert answer(one) == answer(other), (method, path)
        assert other.headers["x-request-id"].startswith("req_")


def test_event_streams_arrive_alike(clients: Any) -> None:
    socket, inprocess = clients
    store = socket.post("/vector_stores", json={"name": "streams"}).json()
    body = streamed_answer(store["id"], "green cheese")
    with inprocess.stream("POST", "/responses", json=body) as streamed:
        assert streamed.headers["content-type"].startswith("text/event-stream")
        pieces = list(streamed.iter_bytes())
    events = [e for e in b"".join(pieces).split(b"\n\n") if e]
    completed = json.loads(events[-1].split(b"data: ", 1)[1])
    assert completed["type"] == "response.completed"
    replay = f"/responses/{completed['response']['id']}"
    assert socket.get(replay, params={"stream": "true"}).content == (
        inprocess.get(replay, params={"stream": "true"}).content
    )


@pytest.mark.parametrize(
    "spec",
    [
        {"action": "drop_connection"},
        {"action": "truncate_body"},
        {"status": 503},
        {"action": "malformed_json"},
    ],
    ids=lambda spec: str(spec.get("action") or spec.get("status")),
)
def test_faults_look_alike(server: ThreadedServer, clients: Any, spec: dict[str, Any]) -> None:
    outcomes = []
    for client in clients:
        fault(server, path_prefix="/vector_stores", **spec)
        try:
            response = client.get("/vector_stores")
            outcomes.append(("answer", response.status_code, response.content[:20]))
        except httpx2.TransportError as error:
            outcomes.append(("error", type(error).__name__, b""))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == (
        "error" if "action" in spec and spec["action"] != "malformed_json" else "answer"
    )


def test_a_hang_times_out_and_the_server_goes_on(server: ThreadedServer, clients: Any) -> None:
    _, inprocess = clients
    fault(server, action="hang", delay_ms=2000, path_prefix="/vector_stores")
    started = time.monotonic()
    with pytest.raises(httpx2.ReadTimeout):
        inprocess.get("/vector_stores", timeout=0.2)
    assert time.monotonic() - started < 1.5
    assert inprocess.get("/files").status_code == 200


def test_a_stream_closed_early_tells_the_app(server: ThreadedServer, clients: Any) -> None:
    """Leaving a stalled stream must not leave a request hanging on the server."""
    socket, inprocess = clients
    store = socket.post("/vector_stores", json={"name": "early"}).json()
    body = streamed_answer(store["id"], "sun")
    with inprocess.stream("POST", "/responses", json=body) as streamed:
        first = next(streamed.iter_raw())
    assert first.startswith(b"event: response.created")
    assert inprocess.get("/vector_stores").status_code == 200


@pytest.mark.asyncio
async def test_the_async_transport(server: ThreadedServer) -> None:
    async with async_client(server) as client:
        made = await client.post("/vector_stores", json={"name": "async"})
        assert made.status_code == 200
        read = await client.get(f"/vector_stores/{made.json()['id']}")
        assert read.json() == made.json()
        fault(server, action="drop_connection", path_prefix="/vector_stores")
        with pytest.raises(httpx2.RemoteProtocolError):
            await client.get("/vector_stores")


def test_large_bodies_arrive_in_pieces_alike(server: ThreadedServer, clients: Any) -> None:
    """The app reads a body in a socket's pieces; the journal keeps what it keeps alike."""
    sizes = []
    for client in clients:
        body = bytes(range(256)) * 1200  # 300 KB
        reply = client.post(
            "/files", files={"file": ("big.bin", body)}, data={"purpose": "assistants"}
        )
        assert reply.status_code == 200
        journal = httpx2.get(server.url + "/__admin/requests", headers=KEY).json()["data"]
        sizes.append(journal[-1]["request_body"]["bytes"])
    assert sizes[0] == sizes[1] > 300_000


def test_an_app_that_raises_anything_is_a_500_and_serves_on(
    server: ThreadedServer, clients: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a SystemExit from a handler: uvicorn answers 500 and goes on; so does the
    in-process transport, whose server loop it would otherwise stop."""

    def leave(*args: Any, **kwargs: Any) -> None:
        raise SystemExit(3)

    backend = type(server.app.runtime.backend)
    answers = []
    for client in clients:
        with monkeypatch.context() as patched:
            patched.setattr(backend, "list_files", leave)
            answers.append(answer(client.get("/files")))
        assert client.get("/files").status_code == 200  # served on
    assert answers[0] == answers[1]
    assert answers[0][0] == 500 and answers[0][2] == b"Internal Server Error"
    server.app.runtime.take_errors()


@pytest.mark.asyncio
async def test_a_cancelled_request_stays_cancelled(server: ThreadedServer) -> None:
    """A caller's timeout or cancellation is never lost while the answer is awaited."""
    async with async_client(server, timeout=30) as client:
        for _ in range(50):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(client.get("/vector_stores"), 0.0001)
