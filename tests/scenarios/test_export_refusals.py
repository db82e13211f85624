"""An export the server cannot stand behind is refused, never recorded wrong: every case here
exported once and then failed to replay (found by an outside-in check)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from vsmock.http.app import create_app
from vsmock.http.uvicorn_adapter import running
from vsmock.scenarios import replay

KEY = {"Authorization": "Bearer sk-test"}


@pytest.fixture
def api() -> Iterator[httpx.Client]:
    with running(create_app()) as server, httpx.Client(base_url=server.url, headers=KEY) as c:
        assert c.post("/__admin/reset", json={"seed": 3, "now": 1_700_000_000}).status_code == 200
        yield c


def upload(api: httpx.Client) -> str:
    files = {"file": ("notes.txt", b"Returns are accepted within 30 days.")}
    reply = api.post("/v1/files", files=files, data={"purpose": "assistants"})
    assert reply.status_code == 200, reply.text
    file_id: str = reply.json()["id"]
    return file_id


def refused(api: httpx.Client, words: str) -> None:
    answer = api.get("/__admin/scenario")
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "scenario_incomplete"
    assert words in answer.json()["error"]["message"]


def test_a_scripted_reply(api: httpx.Client) -> None:
    assert api.post("/__admin/responses", json={"text": "Scripted!"}).status_code == 200
    assert api.post("/v1/responses", json={"model": "gpt-4.1", "input": "hi"}).status_code == 200
    refused(api, "scripted replies")


@pytest.mark.parametrize(
    "steer",
    [{"stall": True}, {"fail": {"count": 1}}],
    ids=["stall", "forced failure"],
)
def test_processing_steered_by_hand(api: httpx.Client, steer: dict[str, Any]) -> None:
    file_id = upload(api)
    assert api.post("/__admin/processing", json=steer).status_code == 200
    assert api.post("/v1/vector_stores", json={"file_ids": [file_id]}).status_code == 200
    refused(api, "processing")


def test_processing_timing_changed_midway(api: httpx.Client) -> None:
    file_id = upload(api)
    assert api.post("/__admin/processing", json={"polls": 3}).status_code == 200
    assert api.post("/v1/vector_stores", json={"file_ids": [file_id]}).status_code == 200
    refused(api, "processing settings changed after the first request")


def test_a_carried_out_request_whose_answer_a_fault_cut(api: httpx.Client) -> None:
    fault = {"action": "truncate_body", "path_prefix": "/v1/vector_stores", "method": "POST"}
    assert api.post("/__admin/faults", json=fault).status_code == 200
    with pytest.raises(httpx.TransportError):
        api.post("/v1/vector_stores", json={"name": "cut"})
    assert len(api.get("/v1/vector_stores").json()["data"]) == 1  # it was carried out
    refused(api, "truncate_body")


def test_settings_made_before_the_first_request_export_and_replay(api: httpx.Client) -> None:
    """What the scenario does carry: processing timing set before any request, and faults
    whose requests were never carried out (the SDK's retries are interactions)."""
    settings = {"polls": 2, "poll_after_ms": 10}
    assert api.post("/__admin/processing", json=settings).status_code == 200
    fault = {"status": 503, "path_prefix": "/v1/vector_stores", "method": "POST"}
    assert api.post("/__admin/faults", json=fault).status_code == 200
    file_id = upload(api)
    assert api.post("/v1/vector_stores", json={"file_ids": [file_id]}).status_code == 503
    store = api.post("/v1/vector_stores", json={"file_ids": [file_id]}).json()
    for _ in range(3):
        api.get(f"/v1/vector_stores/{store['id']}/files/{file_id}")
    exported = api.get("/__admin/scenario")
    assert exported.status_code == 200, exported.text
    with running(create_app()) as fresh:
        result = replay(exported.json(), fresh.base_url)
    assert result.ok, result.report()
