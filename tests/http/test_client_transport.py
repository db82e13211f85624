"""The in-process client transport answers as the socket does: same statuses, headers and
bodies, same event streams, and the same client-side errors for faults below HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import tracemalloc
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


@contextlib.contextmanager
def client_pair(served: ThreadedServer) -> Iterator[tuple[httpx2.Client, httpx2.Client]]:
    """(over the socket, in-process) clients of ``served``."""
    sync_transport, _ = transports("httpx2")
    inprocess = httpx2.Client(
        transport=sync_transport(served.app, served.loop, served.address),
        base_url=served.base_url,
        headers=KEY,
    )
    socket = httpx2.Client(base_url=served.base_url, headers=KEY)
    with socket, inprocess:
        yield socket, inprocess


@pytest.fixture(scope="module")
def clients(server: ThreadedServer) -> Iterator[tuple[httpx2.Client, httpx2.Client]]:
    with client_pair(server) as pair:
        yield pair


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


@pytest.mark.parametrize("action", ["drop_connection", "truncate_body"])
def test_a_cut_request_is_journaled_before_the_client_sees_the_cut(
    server: ThreadedServer, clients: Any, action: str
) -> None:
    """A test that reads the journal as soon as its request failed finds the whole entry:
    the fault completes it before it closes the connection (it used to be completed after,
    as the request's code unwound, so the bodies read as missing about half the time)."""
    journal = server.app.runtime.journal
    for client in clients:
        for n in range(25):
            fault(server, action=action, path_prefix="/vector_stores", method="POST")
            with pytest.raises(httpx2.RemoteProtocolError):
                client.post("/vector_stores", json={"name": f"cut {n}"})
            entry = journal.entries()[-1].to_dict()  # at once, as a plugin test does
            assert (entry["path"], entry["fault_kind"]) == ("/v1/vector_stores", action)
            assert entry["request_body"] == {"name": f"cut {n}"}
            if action == "truncate_body":  # carried out: half its answer went out
                assert entry["status"] == 200
                assert entry["response_body"]["bytes"] > 0
            assert entry["duration_ms"] > 0


def test_a_hang_times_out_and_the_server_goes_on(server: ThreadedServer, clients: Any) -> None:
    _, inprocess = clients
    fault(server, action="hang", delay_ms=2000, path_prefix="/vector_stores")
    started = time.monotonic()
    with pytest.raises(httpx2.ReadTimeout):
        inprocess.get("/vector_stores", timeout=0.2)
    assert time.monotonic() - started < 1.5
    assert inprocess.get("/files").status_code == 200


def test_a_request_its_client_left_reads_no_more_of_its_body(
    server: ThreadedServer, clients: Any
) -> None:
    """As uvicorn: once the client left, the app reading the body learns it left, however
    much was sent, so a request given up on during a delay is not carried out."""
    for n, client in enumerate(clients):
        fault(server, delay_ms=600, path_prefix="/vector_stores", method="POST")
        with pytest.raises(httpx2.ReadTimeout):
            client.post("/vector_stores", json={"name": f"left {n}"}, timeout=0.1)
        time.sleep(0.8)
        names = [s["name"] for s in client.get("/vector_stores?limit=100").json()["data"]]
        assert f"left {n}" not in names


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


def multipart(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """An upload's multipart body around ``chunks``, produced as it is read."""
    yield (
        b'--b0\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        b'--b0\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )
    yield from chunks
    yield b"\r\n--b0--\r\n"


MULTIPART = {"content-type": "multipart/form-data; boundary=b0"}


def test_a_sync_body_is_sent_as_the_app_reads_it(server: ThreadedServer, clients: Any) -> None:
    """A 64 MB upload from a stream is never held whole in-process (nor over the socket),
    and the stream is read on the caller's own thread, as when writing to a socket."""
    megabyte = bytes(range(256)) * 4096
    readers = set()

    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            readers.add(threading.current_thread())
            yield megabyte

    for client in clients:
        tracemalloc.start()
        try:
            reply = client.post("/files", content=multipart(chunks()), headers=MULTIPART)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert reply.status_code == 200, reply.text
        assert reply.json()["bytes"] == 64 * len(megabyte)
        assert peak < 32 * len(megabyte)  # read whole, it would be 64 MB at least
        assert client.get(f"/files/{reply.json()['id']}").json()["bytes"] == 64 * len(megabyte)
    assert readers == {threading.current_thread()}


def test_a_body_stream_that_raises_raises_in_the_client(
    server: ThreadedServer, clients: Any
) -> None:
    """The client's own error producing its body reaches it as it does over a socket, and
    the server serves on."""

    def broken() -> Iterator[bytes]:
        yield b"x" * 100_000
        raise OSError("the disk went away")

    raised = []
    for client in clients:
        with pytest.raises(OSError, match="the disk went away") as info:
            client.post("/files", content=multipart(broken()), headers=MULTIPART)
        raised.append(type(info.value))
        assert client.get("/files").status_code == 200
    assert raised[0] is raised[1]


def test_a_streamed_body_the_app_refuses_early_is_answered() -> None:
    """An upload over the limit is refused (413) before it is all read: the in-process
    client stops sending and gets the answer, as over the socket."""
    with running(create_app(max_upload_bytes=1_000_000)) as small:
        answers = []
        with client_pair(small) as pair:
            for client in pair:
                body = multipart(b"z" * 65_536 for _ in range(64))  # 4 MB, no length
                try:
                    reply = client.post("/files", content=body, headers=MULTIPART)
                    answers.append((reply.status_code, reply.json()["error"]["code"]))
                except httpx2.TransportError as error:  # the server closed while it was sent
                    answers.append((type(error).__name__, None))
                assert client.get("/files").json()["data"] == []
        assert answers[1][0] == 413, answers
        assert answers[0] in (answers[1], ("WriteError", None), ("RemoteProtocolError", None))


def test_a_streamed_body_meets_a_dropped_connection_alike(
    server: ThreadedServer, clients: Any
) -> None:
    outcomes = []
    for client in clients:
        fault(server, action="drop_connection", path_prefix="/files", method="POST")
        with pytest.raises(httpx2.TransportError) as info:
            client.post("/files", content=multipart(iter([b"y" * 3_000_000])), headers=MULTIPART)
        outcomes.append(type(info.value).__name__)
        assert client.get("/files").status_code == 200
    assert outcomes[0] == outcomes[1] == "RemoteProtocolError"


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
