"""Hostile and malformed input gets a clear 400 envelope: never a 500, a hang, a poisoned
journal or a poisoned clock. Each test is a regression test of a defect found by trying
the server as an attacker would."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx
import pytest
from conftest import ServeProcess, start_serve

ENVELOPE = {"message", "type", "param", "code"}


def error_of(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == ENVELOPE, body
    error: dict[str, Any] = body["error"]
    return error


def assert_healthy(server: ServeProcess, api: httpx.Client) -> None:
    """The server still answers the API and the admin routes, and recorded no failure."""
    assert api.get("/vector_stores").status_code == 200
    assert server.admin("GET", "/requests").status_code == 200
    assert server.admin("GET", "/scenario").status_code == 200
    assert server.admin("GET", "/errors").json()["data"] == []


def post_raw(api: httpx.Client, path: str, raw: str | bytes) -> httpx.Response:
    return api.post(path, content=raw, headers={"content-type": "application/json"})


# ----------------------------------------------------------------------- nesting and numbers
@pytest.mark.parametrize("depth", [65, 1_000, 5_000, 100_000])
def test_a_deeply_nested_body_is_a_400_and_poisons_nothing(
    server: ServeProcess, api: httpx.Client, depth: int
) -> None:
    error = error_of(post_raw(api, "/vector_stores", "[" * depth + "]" * depth))
    assert error["code"] == "invalid_json" and "nested more than 64 levels" in error["message"]
    assert_healthy(server, api)
    logged = [r for r in server.admin("GET", "/requests").json()["data"] if r["method"] == "POST"]
    assert logged[-1]["status"] == 400 and logged[-1]["request_body"]["bytes"] == 2 * depth


def test_nesting_up_to_the_limit_is_read_as_json(server: ServeProcess, api: httpx.Client) -> None:
    body = '{"name": "deep", "metadata": ' + "[" * 62 + "]" * 62 + "}"
    error = error_of(post_raw(api, "/vector_stores", body))
    assert error["code"] == "invalid_type" and error["param"] == "metadata"  # parsed, then refused


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": NaN}',
        '{"name": Infinity}',
        '{"name": -Infinity}',
        '{"metadata": {"a": 1e400}}',
    ],
)
def test_non_finite_numbers_are_not_json(server: ServeProcess, api: httpx.Client, raw: str) -> None:
    error = error_of(post_raw(api, "/vector_stores", raw))
    assert error["code"] == "invalid_json"
    assert_healthy(server, api)


def test_a_5000_digit_integer_gets_a_message_that_says_so(
    server: ServeProcess, api: httpx.Client
) -> None:
    error = error_of(post_raw(api, "/vector_stores", '{"name": ' + "9" * 5000 + "}"))
    assert error["code"] == "invalid_json"
    assert "more digits than any number the API takes" in error["message"]


@pytest.mark.parametrize("op", ["eq", "gt", "in"])
def test_a_400_digit_filter_value_compares_exactly(
    server: ServeProcess, api: httpx.Client, op: str
) -> None:
    """JSON integers have no size limit, and filters compare them exactly (converting one
    to a float raised OverflowError: a 500)."""
    upload = api.post(
        "/files", files={"file": ("a.txt", b"alpha beta")}, data={"purpose": "assistants"}
    ).json()
    store = api.post("/vector_stores", json={"name": "s"}).json()["id"]
    big = 10**399
    attached = api.post(
        f"/vector_stores/{store}/files", json={"file_id": upload["id"], "attributes": {"n": big}}
    )
    assert attached.status_code == 200 and attached.json()["attributes"] == {"n": big}
    value = "9" * 400
    value = f"[{value}]" if op == "in" else value
    raw = (
        '{"query": "alpha", "filters": {"type": "' + op + '", "key": "n", "value": ' + value + "}}"
    )
    response = post_raw(api, f"/vector_stores/{store}/search", raw)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []  # 10**399 is neither 9...9 nor above it
    exact = {"type": "eq", "key": "n", "value": big}
    hits = api.post(f"/vector_stores/{store}/search", json={"query": "alpha", "filters": exact})
    assert [h["file_id"] for h in hits.json()["data"]] == [upload["id"]]
    assert_healthy(server, api)


# ------------------------------------------------------------------------------- the clock
@pytest.mark.parametrize(
    "body",
    [
        '{"now": NaN}',
        '{"advance_seconds": Infinity}',
        '{"advance_seconds": 1e300}',
        '{"now": 1e300}',
        '{"now": 99999999999999}',
        '{"now": %s}' % ("9" * 400),
        '{"now": -1}',
    ],
)
def test_the_clock_cannot_be_poisoned(server: ServeProcess, api: httpx.Client, body: str) -> None:
    server.admin("POST", "/reset", json={"now": 1_750_000_000})  # frozen: "unchanged" is exact
    before = server.admin("GET", "/clock").json()["now"]
    response = server.admin(
        "POST", "/clock", content=body, headers={"content-type": "application/json"}
    )
    error_of(response)
    assert server.admin("GET", "/clock").json()["now"] == before
    assert_healthy(server, api)


def test_advancing_past_year_9999_is_a_400_naming_advance_seconds(server: ServeProcess) -> None:
    server.admin("POST", "/clock", json={"now": 253_402_300_000})
    error = error_of(server.admin("POST", "/clock", json={"advance_seconds": 1000}))
    assert error["param"] == "advance_seconds"
    assert server.admin("GET", "/clock").json()["now"] == 253_402_300_000


def test_the_plugin_controls_refuse_what_the_routes_refuse(server: ServeProcess) -> None:
    from vsmock.plugin.checked_controls import ControlError, set_clock, set_processing
    from vsmock.runtime import Runtime
    from vsmock.settings import Settings

    runtime = Runtime(Settings())
    try:
        for body in ({"now": float("nan")}, {"advance_seconds": float("inf")}, {"now": 1e300}):
            with pytest.raises(ControlError):
                set_clock(runtime, body, "set_clock()")
        with pytest.raises(ControlError):
            set_processing(runtime, {"seconds": float("nan")})
    finally:
        runtime.close()


# ------------------------------------------------------------------------- HTTP itself
def _raw_exchange(server: ServeProcess, request: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while piece := sock.recv(65536):
            data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(
    "request_line",
    [
        b"GET /v1/vector_stores?after=" + b"x" * 100_000 + b" HTTP/1.1",
        b"FROB /v1/vector_stores HTTP/1.1",
        b"GET /v1/vector stores HTTP/1.1",
    ],
    ids=["100 KB URL", "unknown method", "space in the path"],
)
def test_unreadable_http_gets_the_envelope(server: ServeProcess, request_line: bytes) -> None:
    status, headers, body = _raw_exchange(
        server, request_line + b"\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n"
    )
    assert status == 400
    assert headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert set(error) == ENVELOPE and error["code"] == "invalid_http_request"


@pytest.mark.parametrize("path", ["/v1/vector_stores/", "/vector_stores/", "/__admin/health/"])
def test_a_trailing_slash_is_a_404_envelope_not_a_redirect(
    server: ServeProcess, api: httpx.Client, path: str
) -> None:
    response = httpx.get(server.url + path, headers={"Authorization": "Bearer k"})
    error = error_of(response, 404)
    assert error["message"] == f"Invalid URL (GET {path})"


def test_the_upload_limit_names_the_file_only_for_uploads() -> None:
    server = start_serve("--max-upload-bytes", "1000")
    try:
        with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer k"}) as api:
            big = {"name": "x" * 2000}
            error = error_of(api.post("/vector_stores", json=big), 413)
            assert (error["param"], error["code"]) == (None, "request_too_large")
            upload = api.post(
                "/files", files={"file": ("a.txt", b"x" * 2000)}, data={"purpose": "assistants"}
            )
            error = error_of(upload, 413)
            assert (error["param"], error["code"]) == ("file", "file_too_large")
            assert api.get("/files").json()["data"] == []
    finally:
        server.stop()


def _nested(levels: int) -> dict[str, Any]:
    """A filter ``levels`` deep: ``levels - 1`` compound filters around one comparison."""
    node: dict[str, Any] = {"type": "eq", "key": "k", "value": 1}
    for _ in range(levels - 1):
        node = {"type": "and", "filters": [node]}
    return node


@pytest.mark.parametrize("levels", [21, 30, 400])
def test_filters_nested_past_the_limit_are_a_400_naming_filters(
    server: ServeProcess, api: httpx.Client, levels: int
) -> None:
    store = api.post("/vector_stores", json={"name": "s"}).json()["id"]
    response = api.post(
        f"/vector_stores/{store}/search", json={"query": "x", "filters": _nested(levels)}
    )
    error = error_of(response)
    if levels <= 30:  # within the JSON depth limit: the filter rule speaks
        assert error["param"] == "filters" and "at most 20 levels" in error["message"]
    else:
        assert error["code"] == "invalid_json"
    assert_healthy(server, api)


def test_filters_up_to_the_limit_are_searched(server: ServeProcess, api: httpx.Client) -> None:
    store = api.post("/vector_stores", json={"name": "s"}).json()["id"]
    response = api.post(
        f"/vector_stores/{store}/search", json={"query": "x", "filters": _nested(20)}
    )
    assert response.status_code == 200, response.text


# ---------------------------------------------------------------------- content types
CONTENT_TYPES = ["APPLICATION/JSON", "Application/Json; charset=UTF-8", ""]


@pytest.mark.parametrize(
    "content_type", ["APPLICATION/JSON", "Application/Json; charset=UTF-8", ""]
)
@pytest.mark.parametrize("where", ["/vector_stores", "/responses", "admin"])
def test_a_content_type_in_any_case_or_none_reads_json(
    server: ServeProcess, api: httpx.Client, content_type: str, where: str
) -> None:
    headers = {"content-type": content_type}
    if where == "admin":
        answer = httpx.post(
            f"{server.url}/__admin/clock",
            content=b'{"advance_seconds": 1}',
            headers=headers,
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
    else:
        body = {"name": "n"} if where == "/vector_stores" else {"model": "m", "input": "x"}
        answer = api.post(where, content=json.dumps(body).encode(), headers=headers)
        assert answer.status_code == 200, answer.text
        made = answer.json()
        assert api.get(f"{where}/{made['id']}").json()["id"] == made["id"]  # read back
    assert_healthy(server, api)


def test_an_upload_without_a_content_type_is_a_400(server: ServeProcess, api: httpx.Client) -> None:
    error = error_of(api.post("/files", content=b"abc", headers={"content-type": ""}))
    assert "multipart/form-data" in error["message"]
    assert_healthy(server, api)


def test_a_lone_surrogate_streams_escaped(server: ServeProcess, api: httpx.Client) -> None:
    raw = b'{"model": "m\\ud800", "input": "x", "stream": true}'
    answer = post_raw(api, "/responses", raw)
    assert answer.status_code == 200
    events = [
        json.loads(line[6:]) for line in answer.text.splitlines() if line.startswith("data: ")
    ]
    assert events[-1]["type"] == "response.completed"
    assert events[-1]["response"]["model"] == "m\ud800"
    assert_healthy(server, api)
