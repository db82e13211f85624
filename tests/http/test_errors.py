"""Errors always come in OpenAI's envelope, with the right status and param."""

from __future__ import annotations

import httpx
import openai
import pytest
from conftest import ServeProcess, start_serve


def assert_envelope(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    return error


def test_missing_api_key_is_401(server: ServeProcess) -> None:
    response = httpx.get(server.base_url + "/vector_stores")
    error = assert_envelope(response, 401)
    assert error["message"].startswith("You didn't provide an API key.")


def test_sdk_surfaces_bad_request_with_param(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.vector_stores.list(limit=0)
    assert info.value.body["param"] == "limit"
    assert info.value.body["code"] == "integer_below_min_value"
    assert info.value.body["message"] == (
        "Invalid 'limit': integer below minimum value. Expected a value >= 1, but got 0 instead."
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "param"),
    [
        ("GET", "/vector_stores?limit=101", None, "limit"),
        ("GET", "/vector_stores?limit=abc", None, "limit"),
        ("GET", "/vector_stores?order=sideways", None, "order"),
        ("POST", "/vector_stores", {"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
        ("POST", "/vector_stores", {"metadata": {"k" * 65: "v"}}, "metadata"),
        ("POST", "/vector_stores", {"metadata": {"k": "v" * 513}}, "metadata.k"),
        ("POST", "/vector_stores", {"name": 5}, "name"),
        ("POST", "/vector_stores", {"bogus": 1}, "bogus"),
        (
            "POST",
            "/vector_stores",
            {"expires_after": {"anchor": "last_active_at", "days": 0}},
            "expires_after.days",
        ),
        ("POST", "/vector_stores", {"file_ids": ["x"] * 501}, "file_ids"),
        (
            "POST",
            "/vector_stores",
            {
                "file_ids": ["file-a"],
                "chunking_strategy": {
                    "type": "static",
                    "static": {"max_chunk_size_tokens": 99, "chunk_overlap_tokens": 0},
                },
            },
            "chunking_strategy.static.max_chunk_size_tokens",
        ),
        (
            "POST",
            "/vector_stores",
            {
                "file_ids": [],
                "chunking_strategy": {
                    "type": "static",
                    "static": {"max_chunk_size_tokens": 400, "chunk_overlap_tokens": 201},
                },
            },
            "chunking_strategy.static.chunk_overlap_tokens",
        ),
        ("GET", "/vector_stores/not-a-store-id", None, "vector_store_id"),
    ],
)
def test_bad_input_is_400_naming_the_param(
    api: httpx.Client, method: str, path: str, body: object, param: str
) -> None:
    error = assert_envelope(api.request(method, path, json=body), 400)
    assert error["param"] == param, error
    assert error["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        # the filter's `type` picks the shape the error is reported against
        (
            {"query": "q", "filters": {"type": "eq", "value": 1}},
            "filters.key",
            "missing_required_parameter",
        ),
        (
            {"query": "q", "filters": {"type": "eq", "key": "a", "value": None}},
            "filters.value",
            "invalid_type",
        ),
        (
            {"query": "q", "filters": {"type": "eq", "key": "a", "value": 1, "x": 2}},
            "filters.x",
            "unknown_parameter",
        ),
        (
            {
                "query": "q",
                "filters": {
                    "type": "and",
                    "filters": [{"type": "or", "filters": [{"type": "gt", "key": "k"}]}],
                },
            },
            "filters.filters[0].filters[0].value",
            "missing_required_parameter",
        ),
        ({"query": 123}, "query", "invalid_type"),
    ],
)
def test_search_body_errors_name_the_offending_part(
    api: httpx.Client, body: object, param: str, code: str
) -> None:
    store = api.post("/vector_stores", json={}).json()["id"]
    error = assert_envelope(api.post(f"/vector_stores/{store}/search", json=body), 400)
    assert (error["param"], error["code"]) == (param, code), error


def test_malformed_json_is_400(api: httpx.Client) -> None:
    response = api.post(
        "/vector_stores", content=b"{not json", headers={"content-type": "application/json"}
    )
    error = assert_envelope(response, 400)
    assert "could not parse the JSON body" in error["message"]


def test_bad_multipart_is_400(api: httpx.Client) -> None:
    response = api.post(
        "/files", content=b"garbage", headers={"content-type": "multipart/form-data; boundary=xyz"}
    )
    assert_envelope(response, 400)


def test_unknown_route_is_404_envelope(api: httpx.Client) -> None:
    error = assert_envelope(api.get("/nothing/here"), 404)
    assert "Invalid URL" in error["message"]


def test_api_served_at_root_too(server: ServeProcess) -> None:
    response = httpx.get(
        server.url + "/vector_stores", headers={"Authorization": "Bearer My API Key"}
    )
    assert response.status_code == 200 and response.json()["object"] == "list"


def test_api_key_enforced_when_configured() -> None:
    proc = start_serve("--api-key", "sk-right-key-1234")
    try:
        wrong = httpx.get(
            proc.base_url + "/files", headers={"Authorization": "Bearer sk-wrong-key-9876"}
        )
        error = assert_envelope(wrong, 401)
        assert error["code"] == "invalid_api_key"
        assert "sk-wrong*****9876" in error["message"]  # first 8, stars, last 4
        assert_envelope(httpx.get(proc.base_url + "/files"), 401)
        # admin routes need the key too
        assert proc.admin("GET", "/health").status_code == 401
        ok = proc.admin("GET", "/health", headers={"Authorization": "Bearer sk-right-key-1234"})
        assert ok.status_code == 200
        with openai.OpenAI(api_key="sk-right-key-1234", base_url=proc.base_url) as sdk:
            assert sdk.vector_stores.list().data == []
        with (
            openai.OpenAI(api_key="sk-wrong", base_url=proc.base_url) as sdk,
            pytest.raises(openai.AuthenticationError),
        ):
            sdk.vector_stores.list()
    finally:
        proc.stop()
