"""Faults below HTTP and a stalled processing, through the official Node SDK (npm ``openai``).

tests/system/node/faults.mjs arms each fault action through ``/__admin/faults`` and
records what the SDK does: a dropped connection (an ``APIConnectionError``; its retries
recover), a hang longer than the client's ``timeout`` (an ``APIConnectionTimeoutError``,
while another request is answered), a 200 whose body is not JSON, a create whose answer
is cut short (the store exists all the same) and a stream cut after four events. Unlike
the Python SDK, the Node SDK does not wrap the last two: ``JSON.parse``'s ``SyntaxError``
and fetch's ``TypeError: terminated`` reach the caller as they are. Then processing
stalls: the Node polling helpers have no ``max_wait``, but their ``signal`` option bounds
them (``APIUserAbortError``), as ``Promise.race`` does from outside; released, the file
completes on its next read. Without node/npm the test is skipped with a warning (see
test_node_polling.py, whose helpers it shares).
"""

from __future__ import annotations

from typing import Any

from conftest import ServeProcess
from test_node_polling import run_node

STREAM_HEAD = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
]


def raw_socket_error(error: dict[str, Any]) -> None:
    """fetch's own error for a body cut short, unwrapped by the SDK."""
    assert error["class"] == "TypeError" and error["message"] == "terminated", error
    assert not error["openai_error"] and not error["connection_error"], error
    assert error["cause"]["code"] == "UND_ERR_SOCKET", error


def test_node_sdk_faults_below_http(server: ServeProcess) -> None:
    result = run_node("faults.mjs", server.url)

    # drop_connection: a connection error without retries, recovered with two
    drop = result["drop"]
    error = drop["no_retries"]["error"]
    assert error["class"] == "APIConnectionError" and error["connection_error"], error
    assert not error["timeout_error"] and error["status"] is None
    assert error["cause"]["code"] == "UND_ERR_SOCKET", error
    assert drop["after"] == []  # it never reached the backend
    assert drop["retries"]["value"]["name"] == "third time", drop["retries"]
    assert drop["after_retries"] == ["third time"]

    # hang: the client times out after its own 1 s; the server answers others meanwhile
    hang = result["hang"]
    error = hang["hung"]["error"]
    assert error["class"] == "APIConnectionTimeoutError", error
    assert error["timeout_error"] and error["connection_error"]
    assert 900 <= hang["hung"]["ms"] < 2500, hang
    assert hang["meanwhile"] == {"ms": hang["meanwhile"]["ms"], "count": 1}
    assert hang["meanwhile"]["ms"] < 800

    # malformed_json: JSON.parse's SyntaxError, not an OpenAIError; the next read is fine
    malformed = result["malformed"]
    error = malformed["first"]["error"]
    assert error["class"] == "SyntaxError" and error["syntax_error"], error
    assert not error["openai_error"] and error["status"] is None
    assert "error" not in malformed["second"] and malformed["second"]["count"] == 1

    # truncate_body: the answer is lost, the stores were made (once: no retry after headers)
    truncate = result["truncate"]
    raw_socket_error(truncate["no_retries"]["error"])
    raw_socket_error(truncate["retries"]["error"])
    assert truncate["after"] == ["made once, retries on", "made, answer lost", "third time"]

    # a stream cut after four events: those four, then fetch's error
    stream = result["stream"]
    assert stream["events"] == STREAM_HEAD
    raw_socket_error(stream["cut"]["error"])
    assert stream["uncut"] == {"ms": stream["uncut"]["ms"]}  # no error
    assert stream["whole"][:4] == STREAM_HEAD and stream["whole"][-1] == "response.completed"
    assert len(stream["whole"]) > len(STREAM_HEAD)

    # a stalled processing: bounded polls, then released
    stall = result["stall"]
    for bounded, limit in ((stall["create_and_poll"], 400), (stall["poll"], 300)):
        error = bounded["error"]
        assert error["class"] == "APIUserAbortError" and error["user_abort"], error
        # aborted between reads, the error's cause is AbortSignal.timeout's reason; aborted
        # during a read (rarer), the SDK's request path raises it without a cause
        assert error["cause"] is None or error["cause"]["name"] == "TimeoutError", error
        # (Node's timer may fire a millisecond or two before Date.now() shows the limit)
        assert limit - 5 <= bounded["ms"] < limit + 1500, bounded
    raced = stall["raced"]  # Promise.race: unsettled at 300 ms; once released, it completes
    assert raced["settled"] is None and raced["later"]["status"] == "completed", raced
    assert stall["stalled"] == {
        "status": "in_progress",
        "store": "in_progress",
        "counts": {"in_progress": 1, "completed": 0, "failed": 0, "cancelled": 0, "total": 1},
    }
    assert stall["released"] == {
        "status": "completed",
        "store": "completed",
        "counts": {"in_progress": 0, "completed": 1, "failed": 0, "cancelled": 0, "total": 1},
    }
    assert stall["after_release"]["status"] == "completed", stall["after_release"]

    # the journal: every fault, its kind, and what was answered
    entries = server.admin("GET", "/requests").json()["data"]
    faulted = [
        (e["method"], e["path"], e["status"], e["fault_kind"]) for e in entries if e["fault"]
    ]
    assert faulted == [
        ("POST", "/v1/vector_stores", 0, "drop_connection"),  # status 0: no answer was sent
        ("POST", "/v1/vector_stores", 0, "drop_connection"),
        ("POST", "/v1/vector_stores", 0, "drop_connection"),
        ("GET", "/v1/files", 0, "hang"),
        ("GET", "/v1/vector_stores", 200, "malformed_json"),
        ("POST", "/v1/vector_stores", 200, "truncate_body"),
        ("POST", "/v1/vector_stores", 200, "truncate_body"),
        ("POST", "/v1/responses", 200, "truncate_body"),
    ]
    assert all(e["fault_kind"] is None for e in entries if not e["fault"])
    assert all(e["request_headers"].get("x-stainless-lang") == "js" for e in entries)
    creates = [e for e in entries if e["method"] == "POST" and e["path"] == "/v1/vector_stores"]
    assert [
        (e["fault_kind"], e["request_headers"]["x-stainless-retry-count"]) for e in creates[:6]
    ] == [
        ("drop_connection", "0"),
        ("drop_connection", "0"),  # the retrying client: two drops, then the store
        ("drop_connection", "1"),
        (None, "2"),
        ("truncate_body", "0"),
        ("truncate_body", "0"),  # retries on, yet sent once: the headers had arrived
    ]
    # the stalled file's reads: in_progress (polled every openai-poll-after-ms), then completed
    reads = [
        e
        for e in entries
        if e["method"] == "GET"
        and e["path"] == f"/v1/vector_stores/{stall['store_id']}/files/{stall['file_id']}"
    ]
    statuses = [e["response_body"]["status"] for e in reads]
    stalled = statuses.count("in_progress")
    assert statuses == ["in_progress"] * stalled + ["completed"] * (len(statuses) - stalled)
    assert stalled >= 10 and len(statuses) - stalled >= 2, statuses
    for entry in reads[:stalled]:
        assert entry["response_headers"]["openai-poll-after-ms"] == "5"  # --poll-after-ms 5
    helped = [e for e in reads if e["request_headers"].get("x-stainless-poll-helper") == "true"]
    assert len(helped) >= stalled - 1  # all but the plain retrieve are the helpers' reads
