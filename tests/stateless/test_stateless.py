"""Contract mode (``vsmock serve --stateless``): every operation answers 200 with a body that
conforms to openapi.yaml, echoes what the request determines, stores nothing, and reports
what the request did that the contract forbids (or refuses it with ``--strict-requests``).

Every answer is validated here with openapi-schema-validator, independently of the server's
own (Connexion) response validation, which is also on and would record a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from conftest import ROOT, start_serve
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from vsmock.http.app import create_app
from vsmock.http.uvicorn_adapter import ThreadedServer, running

NOW = 1_700_000_000
AUTH = {"Authorization": "Bearer My API Key"}
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text())
SPEC_URI = "urn:vsmock:openapi"
REGISTRY = Registry().with_resource(
    SPEC_URI, Resource.from_contents(SPEC, default_specification=DRAFT4)
)
OPERATIONS = {
    op["operationId"]: op
    for item in SPEC["paths"].values()
    for op in item.values()
    if isinstance(op, dict) and "operationId" in op
}
UPLOAD = {
    "files": {"file": ("upload", b"Example data")},
    "data": {
        "purpose": "assistants",
        "expires_after[anchor]": "created_at",
        "expires_after[seconds]": "3600",
    },
}
LISTING = {"after": "after", "before": "before", "limit": 0, "order": "asc"}

# What the SDK's generated tests send (placeholder ids, limit=0, an empty batch), and the
# violations each must be reported with: {(parameter, rule)}.
PLACEHOLDERS: dict[str, tuple[str, str, dict[str, Any], set[tuple[str, str]]]] = {
    "listFiles": (
        "GET",
        "/files",
        {"params": {"after": "after", "limit": 0, "order": "asc", "purpose": "purpose"}},
        {("limit", "integer_below_min_value")},
    ),
    "createFile": ("POST", "/files", UPLOAD, set()),
    "retrieveFile": ("GET", "/files/file_id", {}, set()),
    "deleteFile": ("DELETE", "/files/file_id", {}, set()),
    "downloadFile": ("GET", "/files/file_id/content", {}, set()),
    "listVectorStores": (
        "GET",
        "/vector_stores",
        {"params": LISTING},
        {("limit", "integer_below_min_value")},
    ),
    "createVectorStore": ("POST", "/vector_stores", {"json": {}}, set()),
    "getVectorStore": (
        "GET",
        "/vector_stores/vector_store_id",
        {},
        {("vector_store_id", "invalid_value")},
    ),
    "modifyVectorStore": (
        "POST",
        "/vector_stores/vector_store_id",
        {"json": {}},
        {("vector_store_id", "invalid_value")},
    ),
    "deleteVectorStore": (
        "DELETE",
        "/vector_stores/vector_store_id",
        {},
        {("vector_store_id", "invalid_value")},
    ),
    "searchVectorStore": (
        "POST",
        "/vector_stores/vs_abc123/search",
        {"json": {"query": "string"}},
        set(),
    ),
    "listVectorStoreFiles": (
        "GET",
        "/vector_stores/vector_store_id/files",
        {"params": {**LISTING, "filter": "in_progress"}},
        {("vector_store_id", "invalid_value"), ("limit", "integer_below_min_value")},
    ),
    "createVectorStoreFile": (
        "POST",
        "/vector_stores/vs_abc123/files",
        {"json": {"file_id": "file_id"}},
        set(),
    ),
    "getVectorStoreFile": ("GET", "/vector_stores/vs_abc123/files/file-abc123", {}, set()),
    "updateVectorStoreFileAttributes": (
        "POST",
        "/vector_stores/vs_abc123/files/file-abc123",
        {"json": {"attributes": {"foo": "string"}}},
        set(),
    ),
    "deleteVectorStoreFile": (
        "DELETE",
        "/vector_stores/vector_store_id/files/file_id",
        {"headers": {"Content-Type": "application/json"}},
        {("vector_store_id", "invalid_value"), ("file_id", "invalid_value")},
    ),
    "retrieveVectorStoreFileContent": (
        "GET",
        "/vector_stores/vs_abc123/files/file-abc123/content",
        {},
        set(),
    ),
    "createVectorStoreFileBatch": (
        "POST",
        "/vector_stores/vs_abc123/file_batches",
        {"json": {}},
        {("file_ids", "missing_required_parameter")},
    ),
    "getVectorStoreFileBatch": (
        "GET",
        "/vector_stores/vs_abc123/file_batches/vsfb_abc123",
        {},
        set(),
    ),
    "cancelVectorStoreFileBatch": (
        "POST",
        "/vector_stores/vector_store_id/file_batches/batch_id/cancel",
        {"headers": {"Content-Type": "application/json"}},
        {("vector_store_id", "invalid_value"), ("batch_id", "invalid_value")},
    ),
    "listFilesInVectorStoreBatch": (
        "GET",
        "/vector_stores/vector_store_id/file_batches/batch_id/files",
        {"params": {**LISTING, "filter": "in_progress"}},
        {
            ("vector_store_id", "invalid_value"),
            ("batch_id", "invalid_value"),
            ("limit", "integer_below_min_value"),
        },
    ),
    "createResponse": (
        "POST",
        "/responses",
        {"json": {}},
        {("model", "missing_required_parameter")},
    ),
    "getResponse": (
        "GET",
        "/responses/resp_677efb5139a88190b512bc3fef8e535d",
        {"params": {"include[]": "file_search_call.results", "include_obfuscation": "true"}},
        set(),
    ),
    "deleteResponse": ("DELETE", "/responses/resp_677efb5139a88190b512bc3fef8e535d", {}, set()),
    "listInputItems": (
        "GET",
        "/responses/response_id/input_items",
        {
            "params": {
                "after": "after",
                "limit": 0,
                "order": "asc",
                "include[]": "reasoning.encrypted_content",
            }
        },
        {("response_id", "invalid_value"), ("limit", "integer_below_min_value")},
    ),
}

# Requests that keep the contract, under /v1: none may be reported.
VS, FILE, BATCH, RESPONSE = "vs_abc123", "file-abc123", "vsfb_abc123", "resp_abc123"
CONFORMING: dict[str, tuple[str, str, dict[str, Any]]] = {
    "listFiles": ("GET", "/v1/files", {"params": {"limit": 5, "purpose": "assistants"}}),
    "createFile": ("POST", "/v1/files", UPLOAD),
    "retrieveFile": ("GET", f"/v1/files/{FILE}", {}),
    "deleteFile": ("DELETE", f"/v1/files/{FILE}", {}),
    "downloadFile": ("GET", f"/v1/files/{FILE}/content", {}),
    "listVectorStores": ("GET", "/v1/vector_stores", {"params": {"limit": 3, "order": "asc"}}),
    "createVectorStore": (
        "POST",
        "/v1/vector_stores",
        {"json": {"name": "Support", "file_ids": [FILE], "metadata": {"team": "a"}}},
    ),
    "getVectorStore": ("GET", f"/v1/vector_stores/{VS}", {}),
    "modifyVectorStore": ("POST", f"/v1/vector_stores/{VS}", {"json": {"name": "Renamed"}}),
    "deleteVectorStore": ("DELETE", f"/v1/vector_stores/{VS}", {}),
    "searchVectorStore": (
        "POST",
        f"/v1/vector_stores/{VS}/search",
        {"json": {"query": ["returns", "refunds"], "max_num_results": 3}},
    ),
    "listVectorStoreFiles": (
        "GET",
        f"/v1/vector_stores/{VS}/files",
        {"params": {"filter": "failed", "limit": 2}},
    ),
    "createVectorStoreFile": (
        "POST",
        f"/v1/vector_stores/{VS}/files",
        {"json": {"file_id": FILE, "attributes": {"year": 2024}}},
    ),
    "getVectorStoreFile": ("GET", f"/v1/vector_stores/{VS}/files/{FILE}", {}),
    "updateVectorStoreFileAttributes": (
        "POST",
        f"/v1/vector_stores/{VS}/files/{FILE}",
        {"json": {"attributes": None}},
    ),
    "deleteVectorStoreFile": ("DELETE", f"/v1/vector_stores/{VS}/files/{FILE}", {}),
    "retrieveVectorStoreFileContent": (
        "GET",
        f"/v1/vector_stores/{VS}/files/{FILE}/content",
        {},
    ),
    "createVectorStoreFileBatch": (
        "POST",
        f"/v1/vector_stores/{VS}/file_batches",
        {"json": {"file_ids": [FILE, "file-def456"]}},
    ),
    "getVectorStoreFileBatch": ("GET", f"/v1/vector_stores/{VS}/file_batches/{BATCH}", {}),
    "cancelVectorStoreFileBatch": (
        "POST",
        f"/v1/vector_stores/{VS}/file_batches/{BATCH}/cancel",
        {},
    ),
    "listFilesInVectorStoreBatch": (
        "GET",
        f"/v1/vector_stores/{VS}/file_batches/{BATCH}/files",
        {"params": {"limit": 20}},
    ),
    "createResponse": (
        "POST",
        "/v1/responses",
        {
            "json": {
                "model": "gpt-4.1-mini",
                "input": "How long do I have to return an item?",
                "tools": [{"type": "file_search", "vector_store_ids": [VS]}],
                "include": ["file_search_call.results"],
            }
        },
    ),
    "getResponse": (
        "GET",
        f"/v1/responses/{RESPONSE}",
        {"params": {"include[]": "file_search_call.results"}},
    ),
    "deleteResponse": ("DELETE", f"/v1/responses/{RESPONSE}", {}),
    "listInputItems": ("GET", f"/v1/responses/{RESPONSE}/input_items", {"params": {"limit": 5}}),
}


def assert_conforms(operation_id: str, response: httpx.Response) -> None:
    """The answer is a documented 200 of the operation, and its body matches the schema."""
    assert response.status_code == 200, response.text
    content = OPERATIONS[operation_id]["responses"]["200"]["content"]
    media = response.headers["content-type"].split(";")[0]
    assert media in content, (operation_id, media)
    if media != "application/json":
        assert response.content
        return
    schema = content[media]["schema"]
    ref = {"$ref": SPEC_URI + schema["$ref"]} if "$ref" in schema else schema
    errors = [
        e.message for e in OAS30Validator(ref, registry=REGISTRY).iter_errors(response.json())
    ]
    assert not errors, (operation_id, errors, response.json())


def violations(http: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = http.get("/__admin/violations").json()["data"]
    http.delete("/__admin/violations")
    return found


@pytest.fixture(scope="module")
def lenient_server() -> Iterator[ThreadedServer]:
    with running(create_app(stateless=True, seed=7, now=NOW)) as server:
        yield server


@pytest.fixture(scope="module")
def strict_server() -> Iterator[ThreadedServer]:
    with running(create_app(stateless=True, strict_requests=True, seed=7, now=NOW)) as server:
        yield server


def _client(server: ThreadedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as http:
        assert http.post("/__admin/reset", json={"seed": 7, "now": NOW}).status_code == 200
        yield http
        errors = server.app.runtime.take_errors()
        assert not errors, "the server failed or answered off-contract:\n" + "\n".join(errors)


@pytest.fixture
def lenient(lenient_server: ThreadedServer) -> Iterator[httpx.Client]:
    yield from _client(lenient_server)


@pytest.fixture
def strict(strict_server: ThreadedServer) -> Iterator[httpx.Client]:
    yield from _client(strict_server)


def test_the_tables_cover_every_operation() -> None:
    assert set(PLACEHOLDERS) == set(OPERATIONS) == set(CONFORMING)
    assert len(OPERATIONS) == 25


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_conforming_requests_get_conforming_answers_and_no_reports(
    lenient: httpx.Client, operation_id: str
) -> None:
    method, path, kwargs = CONFORMING[operation_id]
    assert_conforms(operation_id, lenient.request(method, path, **kwargs))
    assert violations(lenient) == []


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_the_sdk_placeholder_requests_are_answered_and_reported(
    lenient: httpx.Client, operation_id: str
) -> None:
    method, path, kwargs, expected = PLACEHOLDERS[operation_id]
    assert_conforms(operation_id, lenient.request(method, path, **kwargs))
    found = violations(lenient)
    assert {(v["parameter"], v["rule"]) for v in found} == expected
    assert len(found) == len(expected)  # each reported once
    for item in found:
        assert item["operation"] == operation_id
        assert item["direction"] == "request"
        assert item["method"] == method and item["path"] == path
        assert item["message"]


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_strict_requests_refuse_what_lenient_mode_reports(
    strict: httpx.Client, operation_id: str
) -> None:
    method, path, kwargs, expected = PLACEHOLDERS[operation_id]
    response = strict.request(method, path, **kwargs)
    if not expected:
        assert_conforms(operation_id, response)
        return
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert (error["param"], error["code"]) in expected
    assert violations(strict) == []  # refused, not recorded
    conforming = CONFORMING[operation_id]
    assert_conforms(operation_id, strict.request(*conforming[:2], **conforming[2]))


def test_answers_echo_what_the_request_determines(lenient: httpx.Client) -> None:
    store = lenient.post(
        "/v1/vector_stores",
        json={
            "name": "Support FAQ",
            "description": "answers",
            "file_ids": ["file-a", "file-b", "file-a"],
            "metadata": {"team": "support"},
            "expires_after": {"anchor": "last_active_at", "days": 2},
        },
    ).json()
    assert store["id"].startswith("vs_")
    assert store["name"] == "Support FAQ"
    assert store["metadata"] == {"team": "support"}
    assert store["file_counts"] == {
        "in_progress": 0,
        "completed": 2,
        "failed": 0,
        "cancelled": 0,
        "total": 2,
    }
    assert store["created_at"] == store["last_active_at"] == NOW
    assert store["expires_after"] == {"anchor": "last_active_at", "days": 2}
    assert store["expires_at"] == NOW + 2 * 86_400

    assert lenient.post("/v1/vector_stores", json={}).json()["name"] == ""
    modified = lenient.post(
        "/v1/vector_stores/vs_mine", json={"name": None, "metadata": None, "expires_after": None}
    ).json()
    assert modified["id"] == "vs_mine"
    assert (modified["name"], modified["metadata"], modified["expires_at"]) == ("", None, None)

    upload = lenient.post(
        "/v1/files", files={"file": ("notes.md", b"x" * 123)}, data={"purpose": "evals"}
    ).json()
    assert (upload["filename"], upload["bytes"], upload["purpose"]) == (
        "notes.md",
        123,
        "user_data",
    )
    assert upload["expires_at"] is None
    assert lenient.get("/v1/files/file-zz").json()["id"] == "file-zz"
    assert lenient.get("/v1/files/file-zz/content").content == b"Example data"

    attached = lenient.post(
        "/v1/vector_stores/vs_x/files",
        json={
            "file_id": "file-q",
            "attributes": {"year": 2024, "draft": False},
            "chunking_strategy": {
                "type": "static",
                "static": {"max_chunk_size_tokens": 300, "chunk_overlap_tokens": 100},
            },
        },
    ).json()
    assert (attached["id"], attached["vector_store_id"]) == ("file-q", "vs_x")
    assert attached["attributes"] == {"year": 2024, "draft": False}
    assert attached["chunking_strategy"]["static"] == {
        "max_chunk_size_tokens": 300,
        "chunk_overlap_tokens": 100,
    }
    auto = lenient.post(
        "/v1/vector_stores/vs_x/files", json={"file_id": "f", "chunking_strategy": {"type": "auto"}}
    ).json()
    assert auto["chunking_strategy"] == {
        "type": "static",
        "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400},
    }

    unnamed = lenient.post("/v1/vector_stores/vs_x/files", json={"file_id": ""}).json()
    assert unnamed["id"].startswith("file-")  # an empty id names nothing: not echoed

    search = lenient.post("/v1/vector_stores/vs_x/search", json={"query": "returns"}).json()
    assert search["search_query"] == ["returns"]
    high = {"query": ["a", "b"], "ranking_options": {"score_threshold": 0.99}}
    search = lenient.post("/v1/vector_stores/vs_x/search", json=high).json()
    assert (search["search_query"], search["data"]) == (["a", "b"], [])

    batch = lenient.post(
        "/v1/vector_stores/vs_x/file_batches",
        json={"files": [{"file_id": "file-1"}, {"file_id": "file-2"}, {"file_id": "file-1"}]},
    ).json()
    assert (batch["vector_store_id"], batch["file_counts"]["total"]) == ("vs_x", 2)
    cancelled = lenient.post("/v1/vector_stores/vs_x/file_batches/vsfb_q/cancel").json()
    assert (cancelled["id"], cancelled["status"]) == ("vsfb_q", "cancelled")

    listed = lenient.get("/v1/vector_stores/vs_x/files", params={"filter": "failed"}).json()
    assert [(f["vector_store_id"], f["status"]) for f in listed["data"]] == [("vs_x", "failed")]
    assert listed["data"][0]["last_error"]["code"] in ("server_error", "unsupported_file")
    assert listed["has_more"] is False and listed["first_id"] == listed["data"][0]["id"]
    assert lenient.get("/v1/vector_stores", params={"limit": 0}).json()["data"] == []


def test_nothing_is_stored(lenient: httpx.Client) -> None:
    created = lenient.post("/v1/vector_stores", json={"name": "kept?"}).json()
    listed = lenient.get("/v1/vector_stores").json()["data"]
    assert created["id"] not in [s["id"] for s in listed]
    assert lenient.delete(f"/v1/vector_stores/{created['id']}").status_code == 200
    again = lenient.get(f"/v1/vector_stores/{created['id']}").json()
    assert again["id"] == created["id"] and again["name"] != "kept?"


def test_answers_are_deterministic_for_a_seed_and_a_frozen_clock(lenient: httpx.Client) -> None:
    def replay(seed: int) -> list[bytes]:
        assert lenient.post("/__admin/reset", json={"seed": seed, "now": NOW}).status_code == 200
        return [
            lenient.request(method, path, **kwargs).content
            for method, path, kwargs in CONFORMING.values()
        ]

    first = replay(11)
    assert first == replay(11)
    assert first != replay(12)  # ids the request does not name come from the seeded source
    created = first[list(CONFORMING).index("createVectorStore")]
    assert b'"created_at":%d' % NOW in created


NASTY: list[tuple[str, str, dict[str, Any], tuple[str | None, str]]] = [
    ("GET", "/v1/vector_stores", {"params": {"limit": "many"}}, ("limit", "invalid_type")),
    ("GET", "/v1/vector_stores", {"params": {"order": "sideways"}}, ("order", "invalid_value")),
    ("GET", "/v1/files", {"params": {"limit": 10_001}}, ("limit", "integer_above_max_value")),
    (
        "GET",
        "/v1/vector_stores/vs_1/files",
        {"params": {"filter": "done", "limit": "1.5"}},
        ("filter", "invalid_value"),
    ),
    (
        "POST",
        "/v1/vector_stores",
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        (None, "json"),
    ),
    (
        "POST",
        "/v1/vector_stores",
        {"content": b"[1, 2]", "headers": {"Content-Type": "application/json"}},
        (None, "invalid_type"),
    ),
    ("POST", "/v1/vector_stores", {"json": {"colour": "red"}}, ("colour", "unknown_parameter")),
    (
        "POST",
        "/v1/vector_stores",
        {"json": {"metadata": {"k" * 65: "v"}}},
        ("metadata", "property_name_above_max_length"),
    ),
    (
        "POST",
        "/v1/vector_stores",
        {"json": {"metadata": {str(i): "v" for i in range(17)}, "name": 5}},
        ("metadata", "object_above_max_properties"),
    ),
    (
        "POST",
        "/v1/vector_stores/vs_1/files",
        {
            "json": {
                "file_id": "file-1",
                "chunking_strategy": {
                    "type": "static",
                    "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 150},
                },
            }
        },
        ("chunking_strategy.static.chunk_overlap_tokens", "invalid_value"),
    ),
    (
        "POST",
        "/v1/vector_stores/vs_1/file_batches",
        {"json": {"file_ids": ["file-1"], "files": [{"file_id": "file-2"}]}},
        ("file_ids", "invalid_value"),
    ),
    (
        "POST",
        "/v1/vector_stores/vs_1/file_batches",
        {"json": {"file_ids": []}},
        ("file_ids", "empty_array"),
    ),
    (
        "POST",
        "/v1/vector_stores/vs_1/file_batches",
        {"json": {"files": [5, {"attributes": 3}]}},
        ("files[0]", "invalid_type"),
    ),
    ("POST", "/v1/vector_stores/vs_1/search", {"json": {"query": []}}, ("query", "empty_array")),
    ("POST", "/v1/vector_stores/vs_1/search", {"json": {"query": 7}}, ("query", "invalid_type")),
    (
        "POST",
        "/v1/vector_stores/vs_1/search",
        {"json": {"query": "q", "filters": {"type": "in", "key": "k", "value": "x"}}},
        ("filters.value", "invalid_type"),
    ),
    (
        "POST",
        "/v1/vector_stores/vs_1/search",
        {"json": {"query": "q", "max_num_results": 0}},
        ("max_num_results", "integer_below_min_value"),
    ),
    (
        "POST",
        "/v1/vector_stores/vs_1/files/file-1",
        {"json": {}},
        ("attributes", "missing_required_parameter"),
    ),
    (
        "POST",
        "/v1/files",
        {"files": {"document": ("a.txt", b"abc")}, "data": {"purpose": "assistants"}},
        ("file", "missing_required_parameter"),
    ),
    (
        "POST",
        "/v1/files",
        {
            "files": {"file": ("a.txt", b"abc")},
            "data": {"purpose": "nonsense", "expires_after[seconds]": "12"},
        },
        ("purpose", "invalid_value"),
    ),
    ("GET", "/v1/vector_stores/vs_bad!id", {}, ("vector_store_id", "invalid_value")),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "expected"), NASTY, ids=[f"{m} {p} {e}" for m, p, _, e in NASTY]
)
def test_lenient_mode_answers_any_request_and_reports_it(
    lenient: httpx.Client,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    expected: tuple[str | None, str],
) -> None:
    response = lenient.request(method, path, **kwargs)
    operation = next(
        op_id for op_id, (m, p, _) in CONFORMING.items() if m == method and _same_route(p, path)
    )
    assert_conforms(operation, response)
    found = violations(lenient)
    assert expected in {(v["parameter"], v["rule"]) for v in found}, found
    assert all(v["operation"] == operation for v in found)


def _same_route(template: str, path: str) -> bool:
    a, b = template.split("/"), path.split("/")
    return len(a) == len(b) and all(
        x == y or x.startswith(("vs_", "file-", "vsfb_")) for x, y in zip(a, b, strict=True)
    )


def test_admin_routes_work_in_contract_mode(lenient: httpx.Client) -> None:
    assert lenient.get("/__admin/health").json() == {"status": "ok", "mode": "stateless"}
    lenient.get("/v1/vector_stores", params={"limit": 0})
    journal = lenient.get("/__admin/requests").json()["data"]
    assert [(e["method"], e["path"], e["status"]) for e in journal] == [
        ("GET", "/v1/vector_stores", 200)
    ]
    assert "authorization" not in journal[0]["request_headers"]
    assert len(lenient.get("/__admin/violations").json()["data"]) == 1
    assert lenient.post("/__admin/reset", json={}).status_code == 200
    assert lenient.get("/__admin/violations").json()["data"] == []
    assert lenient.get("/__admin/requests").json()["data"] == []


def test_the_cli_prints_a_summary_of_violations_on_shutdown() -> None:
    server = start_serve("--stateless")
    try:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as http:
            assert http.get("/__admin/health").json()["mode"] == "stateless"
            for _ in range(3):
                assert http.get("/vector_stores", params={"limit": 0}).status_code == 200
            batch = http.post("/vector_stores/vector_store_id/file_batches", json={})
            assert batch.status_code == 200
    finally:
        server.stop()
    assert server.process.stdout is not None
    output = server.process.stdout.read()
    assert "vsmock: 5 contract violation(s)" in output, output
    assert "    3  request  listVectorStores  limit  integer_below_min_value" in output, output
    assert "createVectorStoreFileBatch  file_ids  missing_required_parameter" in output, output
