"""The Files API through the official SDK."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from helpers import upload


def test_upload_retrieve_list_content_delete(client: openai.OpenAI) -> None:
    data = bytes(range(256)) * 40
    f = client.files.create(file=("blob.bin", data), purpose="user_data")
    assert f.id.startswith("file-") and f.object == "file"
    assert (f.bytes, f.filename, f.purpose, f.status) == (
        len(data),
        "blob.bin",
        "user_data",
        "processed",
    )
    assert client.files.retrieve(f.id).model_dump() == f.model_dump()
    assert client.files.content(f.id).content == data  # exact bytes
    assert [x.id for x in client.files.list()] == [f.id]
    deleted = client.files.delete(f.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (f.id, "file", True)
    with pytest.raises(openai.NotFoundError) as info:
        client.files.retrieve(f.id)
    assert info.value.body["message"] == f"No such File object: {f.id}"
    assert info.value.body["param"] == "id"


def test_expires_after_bracketed_multipart_fields(client: openai.OpenAI) -> None:
    f = client.files.create(
        file=("a.txt", b"hello"),
        purpose="assistants",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    assert f.expires_at == f.created_at + 3600


def test_batch_purpose_defaults_to_thirty_days(client: openai.OpenAI) -> None:
    f = client.files.create(file=("a.jsonl", b'{"a": 1}\n'), purpose="batch")
    assert f.expires_at == f.created_at + 30 * 86400
    g = upload(client, "b.txt", "x")
    assert g.expires_at is None


def test_raw_bytes_upload_is_named_upload(client: openai.OpenAI) -> None:
    f = client.files.create(file=b"Example data", purpose="assistants")
    assert f.filename == "upload" and f.bytes == 12


def test_list_by_purpose_and_order(client: openai.OpenAI) -> None:
    a = upload(client, "a.txt", "a")
    b = upload(client, "b.txt", "b", purpose="user_data")
    c = upload(client, "c.txt", "c")
    assert [f.id for f in client.files.list()] == [c.id, b.id, a.id]
    assert [f.id for f in client.files.list(order="asc")] == [a.id, b.id, c.id]
    assert [f.id for f in client.files.list(purpose="assistants")] == [c.id, a.id]
    page = client.files.list(limit=2, order="asc")
    assert [f.id for f in page.data] == [a.id, b.id] and page.has_more
    assert [f.id for f in page] == [a.id, b.id, c.id]  # auto-pagination walks every page


def test_invalid_purpose_is_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.files.create(file=("a.txt", b"x"), purpose="nonsense")  # type: ignore[arg-type]
    assert info.value.body["param"] == "purpose"


def test_missing_file_part_is_400(api: httpx.Client) -> None:
    response = api.post("/files", data={"purpose": "assistants"}, files={"other": ("x", b"x")})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "file"


def test_expires_after_out_of_range(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.files.create(
            file=("a.txt", b"x"),
            purpose="assistants",
            expires_after={"anchor": "created_at", "seconds": 10},
        )
    assert info.value.body["param"] == "expires_after.seconds"


def test_an_expired_file_is_gone_from_the_request_that_sweeps_it(
    client: openai.OpenAI, server: Any
) -> None:
    """Regression (found by the model-based oracle): the list that deleted an expired File
    still listed it."""
    server.admin("POST", "/reset", json={"seed": 1, "now": 1_750_000_000})
    f = client.files.create(
        file=("a.txt", b"alpha"),
        purpose="assistants",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    store = client.vector_stores.create(file_ids=[f.id])
    server.admin("POST", "/clock", json={"advance_seconds": 3600})
    assert client.files.list().data == []
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(f.id)
    assert client.vector_stores.retrieve(store.id).file_counts.total == 0


def test_list_with_a_purpose_no_file_has_is_an_empty_list(api: httpx.Client) -> None:
    """The spec types ``purpose`` on list as a plain string ("Only return files with the
    given purpose"), with no enum: an unknown one matches nothing, it is no error."""
    made = api.post("/files", files={"file": ("a.txt", b"a")}, data={"purpose": "assistants"})
    assert made.status_code == 200
    bogus = api.get("/files", params={"purpose": "bogus"})
    assert bogus.status_code == 200
    assert bogus.json() == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }
    # the upload is there: it is listed under its own purpose and without one
    assert [
        f["id"] for f in api.get("/files", params={"purpose": "assistants"}).json()["data"]
    ] == [made.json()["id"]]
    assert [f["id"] for f in api.get("/files").json()["data"]] == [made.json()["id"]]
