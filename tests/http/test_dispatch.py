"""The dispatcher's shortcuts give what the long way gives (the fuzz leg's ``Twins`` compares
the dispatcher with Connexion's own stack on every generated request; these pin the
shortcuts themselves)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.responses import Response
from starlette.testclient import TestClient

from vsmock.http.app import create_app
from vsmock.http.dispatch import FastOperation, JsonAnswer

KEY = {"Authorization": "Bearer sk-test"}


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (200, {"Content-Type": "application/json"}),
        (200, {"openai-poll-after-ms": "5", "Content-Type": "application/json"}),
        (201, {"X-Thing": "ü", "content-type": "application/json; charset=utf-8"}),
        (204, {"Content-Type": "application/json"}),
        (304, {"Content-Type": "application/json"}),
        (199, {"Content-Type": "application/json"}),
        (200, {"Content-Length": "2", "Content-Type": "application/json"}),
    ],
)
def test_a_json_answer_is_sent_as_starlette_sends_it(status: int, headers: dict[str, str]) -> None:
    body = '{"ok":"ünïcode"}'

    def sent(response: Any) -> list[Any]:
        messages: list[Any] = []

        async def send(message: Any) -> None:
            messages.append(message)

        async def receive() -> Any:
            return {"type": "http.disconnect"}

        asyncio.run(response({"type": "http"}, receive, send))
        return messages

    starlette = Response(content=body, status_code=status, headers=headers)
    ours = JsonAnswer(body.encode("utf-8"), status, headers)
    assert ours.raw_headers == starlette.raw_headers
    assert sent(ours) == sent(starlette)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The operations whose requests were validated (not taken from what is kept)."""
    validated: list[str] = []
    original = FastOperation.validate_request

    async def validate_request(self: FastOperation, scope: Any, receive: Any) -> Any:
        validated.append(self.operation_id)
        return await original(self, scope, receive)

    monkeypatch.setattr(FastOperation, "validate_request", validate_request)
    return validated


def test_a_bodiless_request_is_validated_once(counted: list[str]) -> None:
    with TestClient(create_app(seed=1), headers=KEY) as client:
        store = client.post("/v1/vector_stores", json={"name": "kept"}).json()
        path = f"/v1/vector_stores/{store['id']}"
        first = client.get(path)
        counted.clear()
        again = client.get(path)
        assert again.json() == first.json() and counted == []  # kept: not validated again
        # What changed since is read, not kept: the arguments are kept, not the answer.
        client.post(path, json={"name": "renamed"})
        assert client.get(path).json()["name"] == "renamed"
        assert (
            client.get("/v1/vector_stores", params={"limit": 1}).json()["data"][0]["id"]
            == (store["id"])
        )
        counted.clear()
        # A request that fails is never kept; the same path with another query is new.
        for _ in range(2):
            refused = client.get("/v1/vector_stores", params={"limit": "many"})
            assert refused.status_code == 400
            assert refused.json()["error"]["param"] == "limit"
        assert counted == ["listVectorStores", "listVectorStores"]
        counted.clear()
        client.get("/v1/vector_stores", params={"limit": 1})
        client.get("/v1/vector_stores", params={"limit": 2})
        assert counted == ["listVectorStores"]  # limit=1 was kept; limit=2 is new
        # A request with a body or a content type is always validated.
        counted.clear()
        client.get(path, headers={"content-type": "text/plain"})
        client.get(path, headers={"content-type": "text/plain"})
        assert counted == ["getVectorStore", "getVectorStore"]


def test_the_lenient_mode_keeps_only_requests_without_violations(counted: list[str]) -> None:
    """A violation is recorded for every request that breaks the contract, kept or not."""
    with TestClient(create_app(seed=1, stateless=True), headers=KEY) as client:
        for _ in range(3):
            assert client.get("/v1/vector_stores/vs_abc").status_code == 200
            assert client.get("/v1/vector_stores", params={"limit": 500}).status_code == 200
        assert counted == ["getVectorStore", "listVectorStores", "listVectorStores"] + [
            "listVectorStores"
        ]
        violations = client.get("/__admin/violations").json()
        assert [v["parameter"] for v in violations["data"]] == ["limit"] * 3


def test_arguments_a_handler_could_change_are_not_kept(counted: list[str]) -> None:
    """A list argument (``include``) is handed to the handler afresh each time."""
    with TestClient(create_app(seed=1), headers=KEY) as client:
        answer = client.post("/v1/responses", json={"model": "m", "input": "hello"}).json()
        path = f"/v1/responses/{answer['id']}"
        counted.clear()
        for _ in range(2):
            got = client.get(path, params={"include[]": "file_search_call.results"})
            assert got.status_code == 200
        assert counted == ["getResponse", "getResponse"]
