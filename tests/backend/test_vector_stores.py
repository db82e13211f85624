"""Vector stores through the official SDK: create, retrieve, modify, list, delete."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from helpers import assert_counts_consistent, upload, upload_faq


def test_create_retrieve_modify_delete(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(
        name="Support FAQ",
        metadata={"team": "support"},
        expires_after={"anchor": "last_active_at", "days": 7},
    )
    assert store.id.startswith("vs_") and len(store.id) == 35
    assert store.object == "vector_store"
    assert store.name == "Support FAQ"
    assert store.status == "completed"
    assert store.usage_bytes == 0
    assert store.file_counts.total == 0
    assert store.metadata == {"team": "support"}
    assert store.expires_after is not None and store.expires_after.days == 7
    assert store.expires_at == store.last_active_at + 7 * 86400

    fetched = client.vector_stores.retrieve(store.id)
    assert fetched.model_dump() == store.model_dump()

    modified = client.vector_stores.update(store.id, name="Renamed", metadata={"v": "2"})
    assert modified.name == "Renamed" and modified.metadata == {"v": "2"}
    # the write is kept: read back, without moving the clock first
    assert client.vector_stores.retrieve(store.id).model_dump() == modified.model_dump()
    assert [s.model_dump() for s in client.vector_stores.list()] == [modified.model_dump()]
    cleared = client.vector_stores.update(store.id, expires_after=None, metadata=None)
    assert cleared.expires_after is None and cleared.expires_at is None
    assert cleared.metadata is None
    assert client.vector_stores.retrieve(store.id).model_dump() == cleared.model_dump()
    assert [s.model_dump() for s in client.vector_stores.list()] == [cleared.model_dump()]

    deleted = client.vector_stores.delete(store.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (store.id, "vector_store.deleted", True)
    with pytest.raises(openai.NotFoundError) as info:
        client.vector_stores.retrieve(store.id)
    assert info.value.body["message"] == f"No vector store found with id '{store.id}'."
    assert info.value.body["type"] == "invalid_request_error"


def test_unnamed_store_reports_empty_string_name(client: openai.OpenAI) -> None:
    store = client.vector_stores.create()
    assert store.name == ""


def test_create_with_file_ids_ingests_them(client: openai.OpenAI) -> None:
    files = upload_faq(client)
    store = client.vector_stores.create(
        name="faq",
        file_ids=[f.id for f in files.values()],
        chunking_strategy={
            "type": "static",
            "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 20},
        },
    )
    assert store.file_counts.completed == len(files) == store.file_counts.total
    assert store.usage_bytes > 0
    assert_counts_consistent(store)
    listed = client.vector_stores.files.list(store.id)
    assert {f.id for f in listed.data} == {f.id for f in files.values()}
    for vsf in listed.data:
        assert vsf.chunking_strategy is not None
        assert vsf.chunking_strategy.type == "static"
        assert vsf.chunking_strategy.static.max_chunk_size_tokens == 100  # type: ignore[union-attr]


def test_create_with_unknown_file_id_is_404_and_creates_nothing(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        client.vector_stores.create(file_ids=["file-doesnotexist"])
    assert info.value.body["param"] == "file_ids[0]"
    assert client.vector_stores.list().data == []


def test_delete_store_keeps_files(client: openai.OpenAI) -> None:
    f = upload(client, "a.txt", "alpha beta gamma")
    store = client.vector_stores.create(file_ids=[f.id])
    client.vector_stores.delete(store.id)
    assert client.files.retrieve(f.id).id == f.id


def test_usage_bytes_is_sum_over_files(client: openai.OpenAI) -> None:
    a = upload(client, "a.txt", "alpha " * 50)
    b = upload(client, "b.txt", "beta " * 80)
    store = client.vector_stores.create(file_ids=[a.id, b.id])
    files = client.vector_stores.files.list(store.id).data
    assert store.usage_bytes == sum(f.usage_bytes for f in files) > 0


def test_a_modify_is_activity_and_a_new_expiry_counts_from_it(
    client: openai.OpenAI, server: Any
) -> None:
    """Adding expires_after to a live store counts from the modify, which is activity: it
    does not expire the store at once (it did, counting from the old last_active_at)."""
    server.admin("POST", "/reset", json={"seed": 1, "now": 1_750_000_000})
    store = client.vector_stores.create(name="later")
    server.admin("POST", "/clock", json={"advance_seconds": 86_400})
    modified = client.vector_stores.update(
        store.id, expires_after={"anchor": "last_active_at", "days": 1}
    )
    want = ("completed", 1_750_086_400, 1_750_172_800)
    assert (modified.status, modified.last_active_at, modified.expires_at) == want
    fetched = client.vector_stores.retrieve(store.id)
    assert (fetched.status, fetched.last_active_at, fetched.expires_at) == want
    listed = client.vector_stores.list().data[0]
    assert (listed.status, listed.last_active_at, listed.expires_at) == want
    # and the store is live: search and attach work
    assert client.vector_stores.search(store.id, query="anything").data == []
