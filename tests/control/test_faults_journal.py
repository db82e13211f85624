"""Injected faults and latency, the SDK's retries against them, and the request journal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import openai
import pytest
from conftest import ServeProcess
from helpers import upload

T0 = 1_700_000_000


def arm(server: ServeProcess, **fault: Any) -> list[dict[str, Any]]:
    reply = server.admin("POST", "/faults", json=fault)
    assert reply.status_code == 200, reply.text
    armed: list[dict[str, Any]] = reply.json()["data"]
    return armed


def armed(server: ServeProcess) -> list[dict[str, Any]]:
    faults: list[dict[str, Any]] = server.admin("GET", "/faults").json()["data"]
    return faults


def journal(server: ServeProcess) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = server.admin("GET", "/requests").json()["data"]
    return entries


@pytest.fixture
def retrying(server: ServeProcess) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key="sk-test", base_url=server.base_url, max_retries=2) as sdk:
        yield sdk


# -- 429 and the SDK's retries ------------------------------------------------------------
def test_sdk_retries_a_429_and_the_journal_shows_it(
    server: ServeProcess, retrying: openai.OpenAI
) -> None:
    arm(
        server,
        status=429,
        count=2,
        path_prefix="/v1/vector_stores",
        method="POST",
        retry_after_ms=10,
    )
    store = retrying.vector_stores.create(name="after two 429s")
    assert store.name == "after two 429s"
    entries = journal(server)
    assert [(e["method"], e["path"], e["status"], e["fault"]) for e in entries] == [
        ("POST", "/v1/vector_stores", 429, True),
        ("POST", "/v1/vector_stores", 429, True),
        ("POST", "/v1/vector_stores", 200, False),
    ]
    assert [e["request_headers"]["x-stainless-retry-count"] for e in entries] == ["0", "1", "2"]
    # the injected answers are OpenAI's envelope; each request carried its body
    assert entries[0]["response_body"]["error"]["code"] == "rate_limit_exceeded"
    assert entries[0]["response_headers"]["retry-after-ms"] == "10"
    assert "retry-after-ms" not in entries[2]["response_headers"]
    assert all(e["request_body"] == {"name": "after two 429s"} for e in entries)
    assert armed(server) == []  # spent faults are dropped
    assert [s.id for s in retrying.vector_stores.list().data] == [store.id]  # created once


def test_429_without_retries_is_a_rate_limit_error(
    server: ServeProcess, client: openai.OpenAI
) -> None:
    arm(server, status=429, count=1, retry_after_ms=1500)
    with pytest.raises(openai.RateLimitError) as info:
        client.vector_stores.list()
    error = info.value
    assert error.status_code == 429
    assert (error.type, error.code) == ("requests", "rate_limit_exceeded")
    assert isinstance(error.body, dict)
    assert set(error.body) == {"message", "type", "param", "code"}
    assert error.response.headers["retry-after-ms"] == "1500"
    assert error.response.headers["retry-after"] == "2"
    assert error.request_id and error.request_id.startswith("req_")
    assert client.vector_stores.list().data == []  # one use only


def test_429_always_says_when_to_retry(server: ServeProcess, client: openai.OpenAI) -> None:
    assert arm(server, status=429)[0]["retry_after_ms"] == 1000
    with pytest.raises(openai.RateLimitError) as info:
        client.files.list()
    assert info.value.response.headers["retry-after-ms"] == "1000"
    assert info.value.response.headers["retry-after"] == "1"


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (500, openai.InternalServerError, "server_error"),
        (502, openai.InternalServerError, "server_error"),
        (503, openai.InternalServerError, "server_error"),
        (408, openai.APIStatusError, "server_error"),
        (409, openai.ConflictError, "invalid_request_error"),
    ],
)
def test_other_fault_statuses(
    server: ServeProcess,
    client: openai.OpenAI,
    retrying: openai.OpenAI,
    status: int,
    error_class: type[openai.APIStatusError],
    error_type: str,
) -> None:
    arm(server, status=status, count=1, path_prefix="/v1/files")
    with pytest.raises(error_class) as info:
        client.files.list()
    assert info.value.status_code == status
    assert info.value.type == error_type and info.value.message
    assert "retry-after" not in info.value.response.headers
    # the SDK retries every one of these statuses
    arm(server, status=status, count=1, path_prefix="/v1/files", retry_after_ms=1)
    assert retrying.files.list().data == []
    assert [(e["status"], e["fault"]) for e in journal(server)] == [
        (status, True),
        (status, True),
        (200, False),
    ]


# -- matching and consumption -------------------------------------------------------------
def test_faults_match_method_and_path_prefix(server: ServeProcess, api: httpx.Client) -> None:
    arm(server, status=500, count=2, path_prefix="/v1/files", method="get")
    assert armed(server)[0]["method"] == "GET"
    assert api.get("/vector_stores").status_code == 200  # another path
    created = api.post(
        "/files", files={"file": ("a.txt", b"hello")}, data={"purpose": "assistants"}
    )
    assert created.status_code == 200  # another method
    assert api.get("/files").status_code == 500
    assert armed(server)[0]["count"] == 1
    # /v1 is optional on both sides: the API served at the root matches too
    root = httpx.get(f"{server.url}/files", headers={"Authorization": "Bearer sk-test"})
    assert root.status_code == 500
    assert armed(server) == []
    assert api.get("/files").status_code == 200

    arm(server, status=503, count=1, path_prefix="/files")  # no /v1 in the prefix
    assert api.get("/files/file-abc").status_code == 503


def test_admin_routes_are_never_faulted(server: ServeProcess, api: httpx.Client) -> None:
    arm(server, status=500, count=1)  # every API path
    assert server.admin("GET", "/health").status_code == 200
    assert armed(server)[0]["count"] == 1
    assert api.get("/vector_stores").status_code == 500


def test_oldest_matching_fault_is_used_first(server: ServeProcess, api: httpx.Client) -> None:
    arm(server, status=502, count=1, path_prefix="/v1/vector_stores")
    arm(server, status=503, count=1, path_prefix="/v1/vector_stores")
    assert [api.get("/vector_stores").status_code for _ in range(3)] == [502, 503, 200]


def test_delete_faults_clears_them_all(server: ServeProcess, api: httpx.Client) -> None:
    arm(server, status=500, count=5)
    arm(server, delay_ms=1000, count=5)
    assert len(armed(server)) == 2
    cleared = server.admin("DELETE", "/faults")
    assert cleared.status_code == 200 and cleared.json() == {"data": []}
    assert armed(server) == []
    assert api.get("/vector_stores").status_code == 200


def test_delay_alone_adds_latency_without_an_error(
    server: ServeProcess, client: openai.OpenAI
) -> None:
    arm(server, delay_ms=300, count=1, path_prefix="/v1/vector_stores")
    store = client.vector_stores.create(name="slow")
    assert store.name == "slow"
    client.vector_stores.retrieve(store.id)
    first, second = journal(server)
    assert (first["status"], first["fault"]) == (200, False)
    assert first["duration_ms"] >= 300  # a lower bound, observed by the server itself
    assert second["status"] == 200
    assert armed(server) == []


def test_delay_with_an_error(server: ServeProcess, client: openai.OpenAI) -> None:
    arm(server, status=503, delay_ms=200, count=1)
    with pytest.raises(openai.InternalServerError):
        client.files.list()
    (entry,) = journal(server)
    assert entry["fault"] and entry["status"] == 503 and entry["duration_ms"] >= 200


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 404},
        {"status": 500, "count": 0},
        {"status": 429, "retry_after_ms": -1},
        {"status": 500, "method": "TRACE"},
        {"status": 500, "colour": "red"},
    ],
)
def test_bad_fault_is_a_400(server: ServeProcess, fault: dict[str, Any]) -> None:
    reply = server.admin("POST", "/faults", json=fault)
    assert reply.status_code == 400
    assert set(reply.json()["error"]) == {"message", "type", "param", "code"}
    assert armed(server) == []


# -- the journal --------------------------------------------------------------------------
def test_journal_lists_what_was_done(server: ServeProcess, client: openai.OpenAI) -> None:
    server.admin("POST", "/reset", json={"now": T0})
    doc = upload(client, "notes.txt", "Journals keep a record of every request.")
    server.admin("POST", "/clock", json={"advance_seconds": 60})
    store = client.vector_stores.create(name="journal", file_ids=[doc.id])
    client.vector_stores.list(limit=2, order="asc")
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.retrieve("vs_missing")
    server.admin("GET", "/health")  # admin calls are not journaled

    entries = journal(server)
    assert [(e["method"], e["path"], e["query"], e["status"]) for e in entries] == [
        ("POST", "/v1/files", "", 200),
        ("POST", "/v1/vector_stores", "", 200),
        ("GET", "/v1/vector_stores", "limit=2&order=asc", 200),
        ("GET", "/v1/vector_stores/vs_missing", "", 404),
    ]
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)  # oldest first
    assert [e["time"] for e in entries] == [T0, T0 + 60, T0 + 60, T0 + 60]  # the mock clock
    assert all(e["duration_ms"] >= 0 and not e["fault"] for e in entries)

    uploaded, created, listed, missing = entries
    assert uploaded["request_body"]["bytes"] > len("Journals keep a record")  # multipart: a size
    assert uploaded["request_body"]["content_type"].startswith("multipart/form-data")
    assert uploaded["response_body"]["id"] == doc.id
    assert created["request_body"] == {"name": "journal", "file_ids": [doc.id]}
    assert created["response_body"]["id"] == store.id
    assert listed["request_body"] is None
    assert [s["id"] for s in listed["response_body"]["data"]] == [store.id]
    assert missing["response_body"]["error"]["message"] == (
        "No vector store found with id 'vs_missing'."
    )
    # secrets never enter it
    assert all("authorization" not in e["request_headers"] for e in entries)
    assert entries[1]["request_headers"]["openai-beta"] == "assistants=v2"

    cleared = server.admin("DELETE", "/requests")
    assert cleared.status_code == 200 and cleared.json() == {"data": []}
    assert journal(server) == []
    client.files.list()
    assert [e["path"] for e in journal(server)] == ["/v1/files"]


def test_journal_records_binary_responses_as_a_size(
    server: ServeProcess, client: openai.OpenAI
) -> None:
    doc = upload(client, "data.bin", bytes(range(256)))
    client.files.content(doc.id).read()
    content = journal(server)[-1]
    assert content["path"] == f"/v1/files/{doc.id}/content"
    assert content["response_body"]["bytes"] == 256


def test_reset_clears_faults_processing_and_journal(
    server: ServeProcess, client: openai.OpenAI
) -> None:
    arm(server, status=500, count=3)
    server.admin(
        "POST",
        "/processing",
        json={"polls": 4, "seconds": 9, "poll_after_ms": 77, "fail": {"count": 2}},
    )
    with pytest.raises(openai.InternalServerError):
        client.files.list()
    assert journal(server) and armed(server)

    assert server.admin("POST", "/reset", json={}).status_code == 200
    assert armed(server) == []
    assert journal(server) == []
    assert server.admin("GET", "/processing").json() == {
        "polls": 0,
        "seconds": 0,
        "fail": {"count": 0, "code": "server_error"},
        "stall": False,
        "poll_after_ms": 5,  # the session server's --poll-after-ms
    }
    store = client.vector_stores.create(name="after reset")
    assert store.status == "completed"


# -- faults below HTTP status codes ---------------------------------------------------------
def kinds(server: ServeProcess) -> list[tuple[str, int, bool, str | None]]:
    return [(e["method"], e["status"], e["fault"], e["fault_kind"]) for e in journal(server)]


def test_a_dropped_connection_is_a_connection_error_the_retries_recover_from(
    server: ServeProcess, client: openai.OpenAI, retrying: openai.OpenAI
) -> None:
    arm(server, action="drop_connection", path_prefix="/vector_stores", method="POST", delay_ms=50)
    with pytest.raises(openai.APIConnectionError):
        client.vector_stores.create(name="lost")
    dropped = journal(server)[0]
    assert dropped["request_body"] == {"name": "lost"} and dropped["duration_ms"] >= 50
    assert client.vector_stores.list().data == []  # it never reached the backend
    arm(server, action="drop_connection", count=2, path_prefix="/vector_stores", method="POST")
    store = retrying.vector_stores.create(name="third time")
    assert [s.id for s in client.vector_stores.list().data] == [store.id]
    assert kinds(server) == [
        ("POST", 0, True, "drop_connection"),  # status 0: no answer was sent
        ("GET", 200, False, None),
        ("POST", 0, True, "drop_connection"),
        ("POST", 0, True, "drop_connection"),
        ("POST", 200, False, None),
        ("GET", 200, False, None),
    ]
    assert armed(server) == []


def test_a_truncated_body_loses_an_answer_whose_request_was_carried_out(
    server: ServeProcess, client: openai.OpenAI, api: httpx.Client
) -> None:
    arm(server, action="truncate_body", path_prefix="/vector_stores", method="POST")
    with pytest.raises(openai.APIConnectionError):
        client.vector_stores.create(name="made, answer lost")
    (made,) = client.vector_stores.list().data  # as on a real network, the store exists
    assert made.name == "made, answer lost"
    cut = journal(server)[0]
    assert cut["fault_kind"] == "truncate_body" and cut["request_body"] == {"name": made.name}
    arm(server, action="truncate_body", path_prefix="/vector_stores", method="GET")
    with api.stream("GET", f"/vector_stores/{made.id}") as answer:
        assert answer.status_code == 200
        declared = int(answer.headers["content-length"])
        with pytest.raises(httpx.RemoteProtocolError):
            answer.read()
    assert declared > 0
    assert journal(server)[-1]["fault_kind"] == "truncate_body"


def test_a_stream_cut_after_n_events(server: ServeProcess, client: openai.OpenAI) -> None:
    arm(server, action="truncate_body", after_events=4, path_prefix="/responses")
    received = []
    with pytest.raises(openai.APIConnectionError):
        for event in client.responses.create(model="m", input="hi", stream=True):
            received.append(event.type)
    assert received == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    (made,) = [e for e in journal(server) if e["method"] == "POST"]
    assert made["fault_kind"] == "truncate_body"


def test_malformed_json_is_a_200_the_sdk_cannot_read(
    server: ServeProcess, client: openai.OpenAI
) -> None:
    arm(server, action="malformed_json", path_prefix="/vector_stores")
    with pytest.raises(ValueError):  # json.JSONDecodeError, from the SDK's parse
        client.vector_stores.list()
    assert kinds(server) == [("GET", 200, True, "malformed_json")]
    assert client.vector_stores.list().data == []


def test_a_hang_times_the_client_out_while_others_are_answered(
    server: ServeProcess, client: openai.OpenAI
) -> None:
    arm(server, action="hang", delay_ms=3000, path_prefix="/files")
    with ThreadPoolExecutor(1) as pool:
        hung = pool.submit(lambda: client.with_options(timeout=1.0).files.list())
        time.sleep(0.2)
        started = time.monotonic()
        assert client.vector_stores.list().data == []  # answered meanwhile
        assert time.monotonic() - started < 0.8
        with pytest.raises(openai.APITimeoutError):
            hung.result()
    assert ("GET", 0, True, "hang") in kinds(server)


def test_a_seeded_probability_hits_the_same_requests_every_time(
    server: ServeProcess, api: httpx.Client
) -> None:
    def run() -> list[int]:
        server.admin("POST", "/reset", json={})
        arm(server, status=503, probability=0.3, seed=42, count=1000, path_prefix="/files")
        return [api.get("/files").status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second
    assert 4 <= first.count(503) <= 20 and 200 in first
    assert [e["status"] == 503 for e in journal(server)] == [s == 503 for s in second]
    assert armed(server)[0]["count"] == 1000 - second.count(503)  # only hits use it up


@pytest.mark.parametrize(
    "fault",
    [
        {"action": "explode"},
        {"action": "hang", "status": 500},
        {"after_events": 3, "action": "hang"},
        {"after_events": -1, "action": "truncate_body"},
        {"status": 500, "probability": 0},
        {"status": 500, "probability": 1.5},
        {"status": 500, "probability": "often"},
        {},  # would do nothing, and use up a request
        {"delay_ms": 0},
        {"status": 500, "path_prefix": "files"},  # can never match
        {"status": 500, "path_prefix": "/__admin/clock"},  # the admin API is never faulted
        {"status": 500, "path_prefix": "/v1/__admin"},
    ],
)
def test_bad_fault_actions_are_refused(server: ServeProcess, fault: dict[str, Any]) -> None:
    reply = server.admin("POST", "/faults", json=fault)
    assert reply.status_code == 400
    assert set(reply.json()["error"]) == {"message", "type", "param", "code"}
    assert armed(server) == []


def test_fault_bounds_say_what_they_are(server: ServeProcess, api: httpx.Client) -> None:
    error = server.admin("POST", "/faults", json={"status": 429, "probability": 0}).json()
    assert "> 0" in error["error"]["message"]  # exclusive: 0 itself is refused
    hang = arm(server, action="hang", delay_ms=0)[0]
    assert hang["delay_ms"] == 0  # as given; 30 s only when not given
    assert arm(server, action="hang", path_prefix="/nothing")[1]["delay_ms"] == 30_000
    server.admin("DELETE", "/faults")
    arm(server, status=429, retry_after_ms=0)
    throttled = api.get("/files")
    assert throttled.status_code == 429
    assert (throttled.headers["retry-after-ms"], throttled.headers["retry-after"]) == ("0", "0")


def test_an_azure_prefix_matches_azure_requests(server: ServeProcess) -> None:
    arm(server, status=503, path_prefix="/openai/files")
    azure = httpx.get(
        f"{server.url}/openai/files", params={"api-version": "2024-10-21"}, headers={"api-key": "k"}
    )
    assert azure.status_code == 503
    assert armed(server) == []


def test_no_more_than_a_thousand_faults_wait(server: ServeProcess) -> None:
    for _ in range(1000):
        server.admin("POST", "/faults", json={"status": 500, "path_prefix": "/nothing"})
    refused = server.admin("POST", "/faults", json={"status": 500})
    assert refused.status_code == 400 and "1000" in refused.json()["error"]["message"]
    assert len(armed(server)) == 1000
