"""Lifecycles through the official SDK: processing, polling, cancel, failures, time, expiry.

Every response the SDK sees here goes through :class:`Invariants` (an httpx event
hook on the SDK's own HTTP client): counts sum to their totals, a batch is terminal
exactly when nothing in it is in progress, a store is ``in_progress`` exactly when
a file is, and ``openai-poll-after-ms`` (an integer) is on exactly the responses
that show something in progress.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from conftest import ServeProcess, start_serve
from helpers import upload

TERMINAL = {"completed", "failed", "cancelled"}
DAY = 86_400
T0 = 1_700_000_000

ALPHA = "Alpha centauri is the closest star system to the sun."
BETA = "Bananas are berries, botanically speaking, while strawberries are not."
GAMMA = "Gamma rays have the smallest wavelengths in the electromagnetic spectrum."


# -- the invariants, checked on every response --------------------------------------------
def shows_in_progress(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    if body.get("status") == "in_progress":
        return True
    counts = body.get("file_counts")
    if isinstance(counts, dict) and counts.get("in_progress", 0) > 0:
        return True
    data = body.get("data")
    return isinstance(data, list) and any(shows_in_progress(item) for item in data)


def body_problems(body: Any, headers: dict[str, str]) -> list[str]:
    """What is wrong with one response (body and headers) under the lifecycle rules."""
    problems: list[str] = []
    hint = headers.get("openai-poll-after-ms")
    if shows_in_progress(body) != (hint is not None):
        problems.append(f"openai-poll-after-ms={hint!r} on {json.dumps(body)[:300]}")
    if hint is not None and not re.fullmatch(r"[0-9]+", hint):
        problems.append(f"openai-poll-after-ms is not an integer: {hint!r}")
    for obj in _objects(body):
        problems += object_problems(obj)
    return problems


def _objects(body: Any) -> Iterator[dict[str, Any]]:
    if isinstance(body, dict):
        if "object" in body and body["object"] != "list":
            yield body
        for item in body.get("data") or []:
            yield from _objects(item)


def object_problems(obj: dict[str, Any]) -> list[str]:
    kind, problems = obj.get("object"), []
    counts = obj.get("file_counts")
    if isinstance(counts, dict):
        parts = counts["in_progress"] + counts["completed"] + counts["failed"]
        if parts + counts["cancelled"] != counts["total"] or min(counts.values()) < 0:
            problems.append(f"{kind} {obj['id']}: counts do not add up: {counts}")
    if kind == "vector_store.files_batch":
        assert isinstance(counts, dict)
        if (obj["status"] in TERMINAL) != (counts["in_progress"] == 0):
            problems.append(f"batch {obj['id']} is {obj['status']} with {counts}")
    if kind == "vector_store":
        assert isinstance(counts, dict)
        if obj["status"] != "expired" and (obj["status"] == "in_progress") != (
            counts["in_progress"] > 0
        ):
            problems.append(f"store {obj['id']} is {obj['status']} with {counts}")
        if obj.get("expires_after") and obj.get("expires_at") != obj["last_active_at"] + (
            obj["expires_after"]["days"] * DAY
        ):
            problems.append(f"store {obj['id']}: expires_at is not last_active_at + days")
    if kind == "vector_store.file" and (
        (obj["status"] == "failed") != (obj["last_error"] is not None)
    ):
        problems.append(f"file {obj['id']} is {obj['status']} with {obj['last_error']}")
    return problems


@dataclass
class Invariants:
    """An httpx response hook that checks every vector-store response the SDK receives."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    def __call__(self, response: httpx2.Response) -> None:
        if "/vector_stores" not in response.request.url.path:
            return
        response.read()
        body = response.json() if response.content else None
        self.checked += 1
        self.problems += body_problems(body, dict(response.headers))


# -- fixtures -----------------------------------------------------------------------------
@pytest.fixture
def invariants() -> Invariants:
    return Invariants()


def checked_client(url: str, invariants: Invariants, max_retries: int = 0) -> openai.OpenAI:
    http = httpx2.Client(event_hooks={"response": [invariants]})
    return openai.OpenAI(api_key="sk-test", base_url=url, max_retries=max_retries, http_client=http)


@pytest.fixture
def sdk(server: ServeProcess, invariants: Invariants) -> Iterator[openai.OpenAI]:
    """The SDK, checked, against a server whose clock is frozen (it moves only when told)."""
    assert server.admin("POST", "/reset", json={"now": T0}).status_code == 200
    with checked_client(server.base_url, invariants) as client:
        yield client
    assert not invariants.problems, "\n".join(invariants.problems)
    assert invariants.checked > 0


def processing(server: ServeProcess, **settings: Any) -> dict[str, Any]:
    reply = server.admin("POST", "/processing", json=settings)
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def advance(server: ServeProcess, seconds: float) -> int:
    reply = server.admin("POST", "/clock", json={"advance_seconds": seconds})
    assert reply.status_code == 200, reply.text
    now: int = reply.json()["now"]
    return now


def journal(server: ServeProcess) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = server.admin("GET", "/requests").json()["data"]
    return entries


def status_reads(server: ServeProcess, path: str) -> list[dict[str, Any]]:
    return [e for e in journal(server) if e["method"] == "GET" and e["path"] == path]


def files(client: openai.OpenAI, n: int) -> list[Any]:
    texts = [ALPHA, BETA, GAMMA]
    return [upload(client, f"doc{i}.txt", texts[i % 3] + f" (copy {i})") for i in range(n)]


# -- processing and polling ---------------------------------------------------------------
def test_file_create_and_poll_takes_exactly_n_status_reads(
    server: ServeProcess, sdk: openai.OpenAI
) -> None:
    assert processing(server, polls=3)["polls"] == 3
    store = sdk.vector_stores.create(name="polls")
    (doc,) = files(sdk, 1)
    server.admin("DELETE", "/requests")

    started = time.perf_counter()
    vsf = sdk.vector_stores.files.create_and_poll(file_id=doc.id, vector_store_id=store.id)
    elapsed = time.perf_counter() - started
    print(f"files.create_and_poll under polls=3: {elapsed * 1000:.0f} ms")

    assert vsf.status == "completed" and vsf.last_error is None and vsf.usage_bytes > 0
    entries = journal(server)
    attach, *reads = entries
    assert (attach["method"], attach["response_body"]["status"]) == ("POST", "in_progress")
    assert [e["path"] for e in reads] == [f"/v1/vector_stores/{store.id}/files/{doc.id}"] * 3
    assert [e["response_body"]["status"] for e in reads] == [
        "in_progress",
        "in_progress",
        "completed",
    ]
    assert all(e["request_headers"]["x-stainless-poll-helper"] == "true" for e in reads)
    # once final, further reads change nothing
    again = sdk.vector_stores.files.retrieve(file_id=doc.id, vector_store_id=store.id)
    assert again.model_dump() == vsf.model_dump()
    assert sdk.vector_stores.search(store.id, query="closest star").data[0].file_id == doc.id


def test_upload_and_poll_file_and_batch(server: ServeProcess, sdk: openai.OpenAI) -> None:
    processing(server, polls=3)
    store = sdk.vector_stores.create(name="uploads")
    server.admin("DELETE", "/requests")

    started = time.perf_counter()
    vsf = sdk.vector_stores.files.upload_and_poll(
        vector_store_id=store.id, file=("alpha.txt", ALPHA.encode())
    )
    print(f"files.upload_and_poll under polls=3: {(time.perf_counter() - started) * 1000:.0f} ms")
    assert vsf.status == "completed"
    assert len(status_reads(server, f"/v1/vector_stores/{store.id}/files/{vsf.id}")) == 3

    started = time.perf_counter()
    batch = sdk.vector_stores.file_batches.upload_and_poll(
        store.id, files=[("beta.txt", BETA.encode()), ("gamma.md", GAMMA.encode())]
    )
    took = (time.perf_counter() - started) * 1000
    print(f"file_batches.upload_and_poll under polls=3: {took:.0f} ms")
    assert batch.status == "completed"
    assert batch.file_counts.model_dump() == {
        "in_progress": 0,
        "completed": 2,
        "failed": 0,
        "cancelled": 0,
        "total": 2,
    }
    assert len(status_reads(server, f"/v1/vector_stores/{store.id}/file_batches/{batch.id}")) == 3
    store = sdk.vector_stores.retrieve(store.id)
    assert (store.status, store.file_counts.completed, store.file_counts.total) == (
        "completed",
        3,
        3,
    )


def test_batch_create_and_poll_ends_consistent(server: ServeProcess, sdk: openai.OpenAI) -> None:
    processing(server, polls=3)
    good = files(sdk, 3)
    bad = upload(sdk, "blob.bin", b"\x00\x01\x02\x03")
    store = sdk.vector_stores.create(name="batch")
    server.admin("DELETE", "/requests")

    batch = sdk.vector_stores.file_batches.create_and_poll(
        vector_store_id=store.id, file_ids=[f.id for f in good] + [bad.id]
    )
    assert batch.status == "completed"
    assert batch.file_counts.model_dump() == {
        "in_progress": 0,
        "completed": 3,
        "failed": 1,
        "cancelled": 0,
        "total": 4,
    }
    reads = status_reads(server, f"/v1/vector_stores/{store.id}/file_batches/{batch.id}")
    assert [e["response_body"]["status"] for e in reads] == [
        "in_progress",
        "in_progress",
        "completed",
    ]
    assert [e["response_body"]["file_counts"]["in_progress"] for e in reads] == [4, 4, 0]
    failed = sdk.vector_stores.file_batches.list_files(
        batch.id, vector_store_id=store.id, filter="failed"
    )
    assert [(f.id, f.last_error.code) for f in failed.data if f.last_error] == [
        (bad.id, "unsupported_file")
    ]
    store = sdk.vector_stores.retrieve(store.id)
    assert store.status == "completed"
    assert store.file_counts.model_dump() == batch.file_counts.model_dump()


def test_store_is_in_progress_while_files_are(server: ServeProcess, sdk: openai.OpenAI) -> None:
    processing(server, polls=2)
    a, b = files(sdk, 2)
    store = sdk.vector_stores.create(name="pending", file_ids=[a.id, b.id])
    assert store.status == "in_progress" and store.file_counts.in_progress == 2
    listed = sdk.vector_stores.files.list(vector_store_id=store.id)
    assert {f.status for f in listed.data} == {"in_progress"}  # lists are not status reads
    # nothing is searchable until it is completed
    assert sdk.vector_stores.search(store.id, query="closest star").data == []
    first = sdk.vector_stores.files.retrieve(file_id=a.id, vector_store_id=store.id)
    assert first.status == "in_progress"
    # a retrieve of the store is a status read of each in-progress file: a's second, b's first
    store = sdk.vector_stores.retrieve(store.id)
    assert store.status == "in_progress"
    assert (store.file_counts.completed, store.file_counts.in_progress) == (1, 1)
    store = sdk.vector_stores.retrieve(store.id)  # b's second
    assert store.status == "completed"
    assert store.file_counts.completed == 2
    assert sdk.vector_stores.search(store.id, query="closest star").data[0].file_id == a.id


def test_poll_after_ms_is_configurable(server: ServeProcess, sdk: openai.OpenAI) -> None:
    assert processing(server, polls=2, poll_after_ms=7)["poll_after_ms"] == 7
    store = sdk.vector_stores.create(name="hint")
    (doc,) = files(sdk, 1)
    raw = sdk.vector_stores.files.with_raw_response.create(vector_store_id=store.id, file_id=doc.id)
    assert raw.headers["openai-poll-after-ms"] == "7"
    listed = sdk.vector_stores.with_raw_response.list()
    assert listed.headers["openai-poll-after-ms"] == "7"
    done = sdk.vector_stores.files.with_raw_response.retrieve(
        file_id=doc.id, vector_store_id=store.id
    )
    assert done.parse().status == "in_progress"
    done = sdk.vector_stores.files.with_raw_response.retrieve(
        file_id=doc.id, vector_store_id=store.id
    )
    assert done.parse().status == "completed"
    assert "openai-poll-after-ms" not in done.headers


# -- cancel -------------------------------------------------------------------------------
def test_cancel_turns_unfinished_files_cancelled(server: ServeProcess, sdk: openai.OpenAI) -> None:
    processing(server, polls=4)
    a, b, c = files(sdk, 3)
    store = sdk.vector_stores.create(name="cancel")
    batch = sdk.vector_stores.file_batches.create(
        vector_store_id=store.id, file_ids=[a.id, b.id, c.id]
    )
    assert batch.status == "in_progress" and batch.file_counts.in_progress == 3
    for _ in range(4):  # a alone reaches its final status
        done = sdk.vector_stores.files.retrieve(file_id=a.id, vector_store_id=store.id)
    assert done.status == "completed"

    cancelled = sdk.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    assert cancelled.status == "cancelled"
    assert cancelled.file_counts.model_dump() == {
        "in_progress": 0,
        "completed": 1,
        "failed": 0,
        "cancelled": 2,
        "total": 3,
    }
    store = sdk.vector_stores.retrieve(store.id)
    assert store.status == "completed"
    assert store.file_counts.model_dump() == cancelled.file_counts.model_dump()
    listed = sdk.vector_stores.files.list(vector_store_id=store.id, filter="cancelled")
    assert sorted(f.id for f in listed.data) == sorted([b.id, c.id])
    # cancelled files stay cancelled and are never searchable
    for _ in range(5):
        vsf = sdk.vector_stores.files.retrieve(file_id=b.id, vector_store_id=store.id)
    assert vsf.status == "cancelled" and vsf.usage_bytes == 0
    hits = sdk.vector_stores.search(store.id, query="alpha bananas gamma copy", max_num_results=50)
    assert {hit.file_id for hit in hits.data} == {a.id}
    content = sdk.vector_stores.files.content(file_id=c.id, vector_store_id=store.id)
    assert list(content) == []
    # cancelling a finished batch returns it unchanged
    again = sdk.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    assert again.model_dump() == cancelled.model_dump()
    assert sdk.vector_stores.file_batches.poll(batch.id, vector_store_id=store.id).status == (
        "cancelled"
    )


def test_cancel_of_a_completed_batch_is_unchanged(server: ServeProcess, sdk: openai.OpenAI) -> None:
    processing(server, polls=1)
    a, b = files(sdk, 2)
    store = sdk.vector_stores.create(name="done")
    batch = sdk.vector_stores.file_batches.create_and_poll(
        vector_store_id=store.id, file_ids=[a.id, b.id]
    )
    assert batch.status == "completed"
    after = sdk.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    assert after.model_dump() == batch.model_dump()
    assert sdk.vector_stores.retrieve(store.id).file_counts.cancelled == 0


def test_cancel_under_time_based_processing(server: ServeProcess, sdk: openai.OpenAI) -> None:
    processing(server, seconds=60)
    a, b = files(sdk, 2)
    store = sdk.vector_stores.create(name="slow")
    batch = sdk.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=[a.id, b.id])
    advance(server, 30)
    cancelled = sdk.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    assert (cancelled.status, cancelled.file_counts.cancelled) == ("cancelled", 2)
    advance(server, 120)  # the time they would have finished at changes nothing
    store = sdk.vector_stores.retrieve(store.id)
    assert store.file_counts.cancelled == 2 and store.file_counts.completed == 0
    assert sdk.vector_stores.search(store.id, query="closest star").data == []


# -- forced failures ----------------------------------------------------------------------
def test_forced_failures_carry_last_error(server: ServeProcess, sdk: openai.OpenAI) -> None:
    settings = processing(server, fail={"count": 2, "code": "server_error"})
    assert settings["fail"] == {"count": 2, "code": "server_error"}
    a, b, c = files(sdk, 3)
    store = sdk.vector_stores.create(name="fail")
    batch = sdk.vector_stores.file_batches.create_and_poll(
        vector_store_id=store.id, file_ids=[a.id, b.id, c.id]
    )
    assert (batch.status, batch.file_counts.failed, batch.file_counts.completed) == (
        "completed",
        2,
        1,
    )
    failed = sdk.vector_stores.files.list(vector_store_id=store.id, filter="failed").data
    assert sorted(f.id for f in failed) == sorted([a.id, b.id])
    for vsf in failed:
        assert vsf.last_error is not None and vsf.last_error.code == "server_error"
        assert vsf.last_error.message and vsf.usage_bytes == 0
    assert processing(server)["fail"]["count"] == 0  # spent
    assert {hit.file_id for hit in sdk.vector_stores.search(store.id, query="gamma").data} == {c.id}


def test_forced_failure_shows_at_the_end_of_processing(
    server: ServeProcess, sdk: openai.OpenAI
) -> None:
    processing(server, polls=2, fail={"count": 1, "code": "invalid_file"})
    a, b = files(sdk, 2)
    store = sdk.vector_stores.create(name="late failure")
    attached = sdk.vector_stores.files.create(vector_store_id=store.id, file_id=a.id)
    assert attached.status == "in_progress" and attached.last_error is None
    vsf = sdk.vector_stores.files.poll(a.id, vector_store_id=store.id)
    assert vsf.status == "failed"
    assert vsf.last_error is not None and vsf.last_error.code == "invalid_file"
    # only the next K files fail
    assert sdk.vector_stores.files.create_and_poll(
        file_id=b.id, vector_store_id=store.id
    ).status == ("completed")
    store = sdk.vector_stores.retrieve(store.id)
    assert (store.file_counts.failed, store.file_counts.completed) == (1, 1)


def test_every_fail_code_is_accepted(server: ServeProcess, sdk: openai.OpenAI) -> None:
    store = sdk.vector_stores.create(name="codes")
    for code in ("server_error", "unsupported_file", "invalid_file"):
        processing(server, fail={"count": 1, "code": code})
        (doc,) = files(sdk, 1)
        vsf = sdk.vector_stores.files.create(vector_store_id=store.id, file_id=doc.id)
        assert vsf.last_error is not None and vsf.last_error.code == code
    bad = server.admin("POST", "/processing", json={"fail": {"count": 1, "code": "boom"}})
    assert bad.status_code == 400 and bad.json()["error"]["param"]


# -- time-based processing on the mock clock ----------------------------------------------
def test_seconds_processing_follows_the_mock_clock(
    server: ServeProcess, sdk: openai.OpenAI
) -> None:
    assert processing(server, seconds=30)["seconds"] == 30
    a, b = files(sdk, 2)
    store = sdk.vector_stores.create(name="timed", file_ids=[a.id])
    for _ in range(5):  # reads alone do not finish it
        vsf = sdk.vector_stores.files.retrieve(file_id=a.id, vector_store_id=store.id)
    assert vsf.status == "in_progress"
    advance(server, 29)
    assert sdk.vector_stores.retrieve(store.id).status == "in_progress"
    advance(server, 1)
    # no read of the file is needed once its time has come
    store = sdk.vector_stores.retrieve(store.id)
    assert store.status == "completed" and store.file_counts.completed == 1

    processing(server, seconds=10, polls=2)  # both must hold
    sdk.vector_stores.files.create(vector_store_id=store.id, file_id=b.id)
    advance(server, 10)
    assert sdk.vector_stores.files.retrieve(file_id=b.id, vector_store_id=store.id).status == (
        "in_progress"
    )
    assert sdk.vector_stores.files.retrieve(file_id=b.id, vector_store_id=store.id).status == (
        "completed"
    )


def test_time_based_batch_on_a_frozen_clock(server: ServeProcess, sdk: openai.OpenAI) -> None:
    processing(server, seconds=5)
    a, b = files(sdk, 2)
    store = sdk.vector_stores.create(name="frozen")
    batch = sdk.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=[a.id, b.id])
    assert batch.created_at == T0
    retrieve = sdk.vector_stores.file_batches.retrieve
    assert retrieve(batch.id, vector_store_id=store.id).status == "in_progress"
    server.admin("POST", "/clock", json={"now": T0 + 5})
    assert server.admin("GET", "/clock").json() == {"now": T0 + 5, "frozen": True}
    done = retrieve(batch.id, vector_store_id=store.id)
    assert (done.status, done.file_counts.completed) == ("completed", 2)


# -- expiry and last_active_at ------------------------------------------------------------
def test_expiry_blocks_search_and_attach(server: ServeProcess, sdk: openai.OpenAI) -> None:
    a, b = files(sdk, 2)
    store = sdk.vector_stores.create(
        name="short-lived",
        file_ids=[a.id],
        expires_after={"anchor": "last_active_at", "days": 2},
    )
    assert store.last_active_at is not None
    assert store.expires_at == store.last_active_at + 2 * DAY
    assert sdk.vector_stores.search(store.id, query="closest star").data
    active = sdk.vector_stores.retrieve(store.id).last_active_at
    assert active is not None

    advance(server, 2 * DAY - 10)
    assert sdk.vector_stores.retrieve(store.id).status == "completed"
    advance(server, 10)
    expired = sdk.vector_stores.retrieve(store.id)
    assert expired.status == "expired"
    assert expired.last_active_at == active and expired.expires_at == active + 2 * DAY
    assert [s.status for s in sdk.vector_stores.list().data] == ["expired"]

    for attempt in (
        lambda: sdk.vector_stores.search(store.id, query="closest star"),
        lambda: sdk.vector_stores.files.create(vector_store_id=store.id, file_id=b.id),
        lambda: sdk.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=[b.id]),
    ):
        with pytest.raises(openai.BadRequestError) as info:
            attempt()
        assert info.value.code == "vector_store_expired"
        body = info.value.body
        assert isinstance(body, dict)
        assert body["message"] == f"Vector store '{store.id}' has expired."
    # reads still work, and the store stays expired (they do not make it active again)
    assert sdk.vector_stores.files.retrieve(file_id=a.id, vector_store_id=store.id).status == (
        "completed"
    )
    assert sdk.vector_stores.retrieve(store.id).status == "expired"
    assert sdk.vector_stores.delete(store.id).deleted


# (operation, bumps last_active_at?)
OPERATIONS: list[tuple[str, bool]] = [
    ("retrieve store", False),
    ("list stores", False),
    ("list files", False),
    ("retrieve file", False),
    ("file content", False),
    ("retrieve batch", False),
    ("list batch files", False),
    ("update file attributes", False),
    ("retrieve File", False),
    ("modify store", True),
    ("attach file", True),
    ("create batch", True),
    ("search", True),
    ("detach file", True),
    ("cancel batch", True),
]


def test_which_operations_update_last_active_at(server: ServeProcess, sdk: openai.OpenAI) -> None:
    processing(server, polls=100)  # keeps the batch cancellable
    docs = files(sdk, 3)
    store = sdk.vector_stores.create(name="activity", file_ids=[docs[0].id])
    batch = sdk.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=[docs[1].id])
    vs = store.id
    run = {
        "retrieve store": lambda: sdk.vector_stores.retrieve(vs),
        "list stores": lambda: sdk.vector_stores.list(),
        "list files": lambda: sdk.vector_stores.files.list(vector_store_id=vs),
        "retrieve file": lambda: sdk.vector_stores.files.retrieve(
            file_id=docs[0].id, vector_store_id=vs
        ),
        "file content": lambda: sdk.vector_stores.files.content(
            file_id=docs[0].id, vector_store_id=vs
        ),
        "retrieve batch": lambda: sdk.vector_stores.file_batches.retrieve(
            batch.id, vector_store_id=vs
        ),
        "list batch files": lambda: sdk.vector_stores.file_batches.list_files(
            batch.id, vector_store_id=vs
        ),
        "update file attributes": lambda: sdk.vector_stores.files.update(
            file_id=docs[0].id, vector_store_id=vs, attributes={"k": "v"}
        ),
        "retrieve File": lambda: sdk.files.retrieve(docs[0].id),
        "modify store": lambda: sdk.vector_stores.update(vs, name="renamed"),
        "attach file": lambda: sdk.vector_stores.files.create(
            vector_store_id=vs, file_id=docs[2].id
        ),
        "create batch": lambda: sdk.vector_stores.file_batches.create(
            vector_store_id=vs, file_ids=[docs[2].id]
        ),
        "search": lambda: sdk.vector_stores.search(vs, query="anything"),
        "detach file": lambda: sdk.vector_stores.files.delete(
            file_id=docs[2].id, vector_store_id=vs
        ),
        "cancel batch": lambda: sdk.vector_stores.file_batches.cancel(batch.id, vector_store_id=vs),
    }
    assert sorted(run) == sorted(name for name, _ in OPERATIONS)
    last = sdk.vector_stores.retrieve(vs).last_active_at
    for name, bumps in OPERATIONS:
        now = advance(server, 100)
        run[name]()
        after = sdk.vector_stores.list().data[0].last_active_at
        assert after == (now if bumps else last), name
        last = after


def test_modifying_expires_after_recomputes_expires_at(
    server: ServeProcess, sdk: openai.OpenAI
) -> None:
    store = sdk.vector_stores.create(name="later")
    assert store.expires_at is None
    now = advance(server, 1000)
    store = sdk.vector_stores.update(
        store.id, expires_after={"anchor": "last_active_at", "days": 1}
    )
    assert store.last_active_at == now and store.expires_at == now + DAY
    advance(server, DAY)
    assert sdk.vector_stores.retrieve(store.id).status == "expired"
    # modifying an expired store does not make it active again...
    renamed = sdk.vector_stores.update(store.id, name="still expired")
    assert (renamed.status, renamed.last_active_at) == ("expired", now)
    # ...unless the new expires_after puts expires_at back in the future
    later = advance(server, 10)
    revived = sdk.vector_stores.update(
        store.id, expires_after={"anchor": "last_active_at", "days": 2}
    )
    assert (revived.status, revived.last_active_at) == ("completed", later)
    cleared = sdk.vector_stores.update(store.id, expires_after=None)
    assert (cleared.expires_after, cleared.expires_at) == (None, None)


# -- the CLI mirrors the defaults ---------------------------------------------------------
def test_cli_flags_set_processing_defaults() -> None:
    serve = start_serve(
        "--processing-polls", "2", "--processing-seconds", "0", "--poll-after-ms", "3"
    )
    invariants = Invariants()
    try:
        assert serve.admin("GET", "/processing").json() == {
            "polls": 2,
            "seconds": 0,
            "fail": {"count": 0, "code": "server_error"},
            "stall": False,
            "poll_after_ms": 3,
        }
        with checked_client(serve.base_url, invariants) as sdk:
            store = sdk.vector_stores.create(name="cli")
            doc = upload(sdk, "a.txt", ALPHA)
            raw = sdk.vector_stores.files.with_raw_response.create(
                vector_store_id=store.id, file_id=doc.id
            )
            assert raw.parse().status == "in_progress"
            assert raw.headers["openai-poll-after-ms"] == "3"
            assert sdk.vector_stores.files.poll(doc.id, vector_store_id=store.id).status == (
                "completed"
            )
            assert len(status_reads(serve, f"/v1/vector_stores/{store.id}/files/{doc.id}")) == 2
        # a reset goes back to the flags, not to zero
        serve.admin("POST", "/processing", json={"polls": 9, "poll_after_ms": 50})
        serve.admin("POST", "/reset", json={})
        assert serve.admin("GET", "/processing").json()["polls"] == 2
        assert serve.admin("GET", "/processing").json()["poll_after_ms"] == 3
    finally:
        serve.stop()
    assert not invariants.problems, invariants.problems


# -- processing that never ends, until released ----------------------------------------------------
def test_a_stall_keeps_files_in_progress_until_released(
    server: ServeProcess, client: openai.OpenAI
) -> None:
    assert server.admin("POST", "/processing", json={"stall": True}).json()["stall"] is True
    store = client.vector_stores.create(name="stuck")
    before = upload(client, "before.txt", ALPHA)
    stuck = client.vector_stores.files.create(store.id, file_id=before.id)
    for _ in range(5):  # every status read finds it still in progress
        got = client.vector_stores.files.retrieve(before.id, vector_store_id=store.id)
        assert got.status == "in_progress"
    assert client.vector_stores.retrieve(store.id).file_counts.in_progress == 1
    assert stuck.status == "in_progress"
    batch_file = upload(client, "batch.txt", ALPHA)
    batch = client.vector_stores.file_batches.create(store.id, file_ids=[batch_file.id])
    for _ in range(3):
        shown = client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id)
        assert shown.status == "in_progress"  # batches follow their files
    cancelled = client.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    assert cancelled.status == "cancelled"
    listed = client.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)
    assert [f.status for f in listed] == ["cancelled"]
    assert client.vector_stores.search(store.id, query="alpha").data == []  # nothing finished

    released = server.admin("POST", "/processing", json={"stall": False}).json()
    assert released["stall"] is False
    listed_files = client.vector_stores.files.list(store.id)  # a list is no status read
    assert {f.id: f.status for f in listed_files} == {
        before.id: "in_progress",
        batch_file.id: "cancelled",
    }
    done = client.vector_stores.files.retrieve(before.id, vector_store_id=store.id)
    assert done.status == "completed"  # the next status read finishes it
    assert client.vector_stores.retrieve(store.id).file_counts.completed == 1
    assert client.vector_stores.search(store.id, query="alpha").data


def test_polling_a_stalled_file_ends_as_the_sdk_documents(
    server: ServeProcess, client: openai.OpenAI
) -> None:
    """openai-python's ``max_wait_seconds``: polling stops with ``TimeoutError``."""
    server.admin("POST", "/processing", json={"stall": True})
    store = client.vector_stores.create(name="stuck")
    doc = upload(client, "a.txt", ALPHA)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.vector_stores.files.create_and_poll(
            file_id=doc.id, vector_store_id=store.id, max_wait_seconds=0.3, poll_interval_ms=20
        )
    assert time.monotonic() - started < 5
    got = client.vector_stores.files.retrieve(doc.id, vector_store_id=store.id)
    assert got.status == "in_progress"  # timing out cancels nothing on the server
    server.admin("POST", "/processing", json={"stall": False})
    polled = client.vector_stores.files.poll(doc.id, vector_store_id=store.id, max_wait_seconds=5)
    assert polled.status == "completed"


def test_a_stall_outlives_no_reset_and_files_stalled_before_a_restart_finish_after_it(
    tmp_path: Path,
) -> None:
    serve = start_serve("--data-dir", str(tmp_path))
    try:
        serve.admin("POST", "/processing", json={"stall": True})
        with openai.OpenAI(api_key="k", base_url=serve.base_url, max_retries=0) as sdk:
            store = sdk.vector_stores.create(name="stuck")
            doc = upload(sdk, "a.txt", ALPHA)
            sdk.vector_stores.files.create(store.id, file_id=doc.id)
    finally:
        serve.stop()
    serve = start_serve("--data-dir", str(tmp_path))  # the stall is a setting, not state
    try:
        assert serve.admin("GET", "/processing").json()["stall"] is False
        with openai.OpenAI(api_key="k", base_url=serve.base_url, max_retries=0) as sdk:
            got = sdk.vector_stores.files.retrieve(doc.id, vector_store_id=store.id)
            assert got.status == "completed"
        assert serve.admin("POST", "/reset", json={}).status_code == 200
        assert serve.admin("GET", "/processing").json()["stall"] is False
    finally:
        serve.stop()
