"""File batches: create with file_ids or files, retrieve, list files, cancel."""

from __future__ import annotations

import openai
import pytest
from helpers import assert_counts_consistent, upload, upload_faq


def test_batch_with_file_ids(client: openai.OpenAI) -> None:
    files = upload_faq(client)
    store = client.vector_stores.create(name="batch")
    batch = client.vector_stores.file_batches.create(
        vector_store_id=store.id,
        file_ids=[f.id for f in files.values()],
        attributes={"source": "faq"},
    )
    assert batch.id.startswith("vsfb_")
    assert batch.object == "vector_store.files_batch"
    assert batch.status == "completed"
    assert batch.file_counts.completed == len(files) == batch.file_counts.total
    assert_counts_consistent(batch)
    again = client.vector_stores.file_batches.retrieve(batch_id=batch.id, vector_store_id=store.id)
    assert again.model_dump() == batch.model_dump()
    listed = client.vector_stores.file_batches.list_files(
        batch_id=batch.id, vector_store_id=store.id
    )
    assert {f.id for f in listed.data} == {f.id for f in files.values()}
    assert all(f.attributes == {"source": "faq"} for f in listed.data)


def test_batch_with_files_carries_per_file_attributes_and_chunking(client: openai.OpenAI) -> None:
    a = upload(client, "a.txt", "alpha text")
    b = upload(client, "b.txt", "beta text")
    store = client.vector_stores.create()
    batch = client.vector_stores.file_batches.create(
        vector_store_id=store.id,
        files=[
            {"file_id": a.id, "attributes": {"kind": "a"}},
            {
                "file_id": b.id,
                "attributes": {"kind": "b"},
                "chunking_strategy": {
                    "type": "static",
                    "static": {"max_chunk_size_tokens": 300, "chunk_overlap_tokens": 0},
                },
            },
        ],
    )
    assert batch.file_counts.completed == 2
    fa = client.vector_stores.files.retrieve(file_id=a.id, vector_store_id=store.id)
    fb = client.vector_stores.files.retrieve(file_id=b.id, vector_store_id=store.id)
    assert fa.attributes == {"kind": "a"} and fb.attributes == {"kind": "b"}
    assert fb.chunking_strategy.static.max_chunk_size_tokens == 300  # type: ignore[union-attr]
    assert fa.chunking_strategy.static.max_chunk_size_tokens == 800  # type: ignore[union-attr]


def test_batch_needs_exactly_one_of_file_ids_and_files(client: openai.OpenAI) -> None:
    f = upload(client, "a.txt", "alpha")
    store = client.vector_stores.create()
    with pytest.raises(openai.BadRequestError) as info:
        client.vector_stores.file_batches.create(vector_store_id=store.id)
    assert info.value.body["param"] == "file_ids"
    with pytest.raises(openai.BadRequestError):
        client.vector_stores.file_batches.create(
            vector_store_id=store.id, file_ids=[f.id], files=[{"file_id": f.id}]
        )


def test_batch_with_unknown_file_attaches_nothing(client: openai.OpenAI) -> None:
    f = upload(client, "a.txt", "alpha")
    store = client.vector_stores.create()
    with pytest.raises(openai.NotFoundError) as info:
        client.vector_stores.file_batches.create(
            vector_store_id=store.id, file_ids=[f.id, "file-missing"]
        )
    assert info.value.body["param"] == "file_ids[1]"
    assert client.vector_stores.retrieve(store.id).file_counts.total == 0


def test_cancel_finished_batch_is_unchanged(client: openai.OpenAI) -> None:
    f = upload(client, "a.txt", "alpha")
    store = client.vector_stores.create()
    batch = client.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=[f.id])
    cancelled = client.vector_stores.file_batches.cancel(
        batch_id=batch.id, vector_store_id=store.id
    )
    assert cancelled.model_dump() == batch.model_dump()


def test_batch_not_found(client: openai.OpenAI) -> None:
    store = client.vector_stores.create()
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.file_batches.retrieve(
            batch_id="vsfb_" + "0" * 32, vector_store_id=store.id
        )
    with pytest.raises(openai.BadRequestError) as info:
        client.vector_stores.file_batches.retrieve(
            batch_id="vs_wrongprefix", vector_store_id=store.id
        )
    assert info.value.body["param"] == "batch_id"
    assert "Expected an ID that begins with 'vsfb_'" in info.value.body["message"]


def test_a_batch_counts_the_files_still_attached_through_it(client: openai.OpenAI) -> None:
    """The spec's batch ``file_counts`` count "files"; the reference adds "counting the batch's
    files" and says nothing of detaching. vsmock counts the members still attached through
    the batch: detaching one (or attaching it again on its own) takes it out, and a batch
    with no members left is ``completed`` with a total of 0 (no terminal status is undone)."""
    a, b, c = (upload(client, f"{n}.txt", f"{n} text") for n in "abc")
    store = client.vector_stores.create()
    batch = client.vector_stores.file_batches.create(store.id, file_ids=[a.id, b.id, c.id])
    assert (batch.status, batch.file_counts.completed, batch.file_counts.total) == (
        "completed",
        3,
        3,
    )

    def shown() -> tuple[str, int, int, list[str]]:
        got = client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id)
        assert_counts_consistent(got)
        members = client.vector_stores.file_batches.list_files(
            batch.id, vector_store_id=store.id, order="asc"
        )
        return (
            got.status,
            got.file_counts.completed,
            got.file_counts.total,
            [f.id for f in members],
        )

    client.vector_stores.files.delete(file_id=a.id, vector_store_id=store.id)
    assert shown() == ("completed", 2, 2, [b.id, c.id])
    client.vector_stores.files.create(vector_store_id=store.id, file_id=b.id)  # now on its own
    assert shown() == ("completed", 1, 1, [c.id])
    client.files.delete(c.id)  # deleting the File detaches it everywhere
    assert shown() == ("completed", 0, 0, [])
    # the store still holds b, attached on its own
    held = client.vector_stores.retrieve(store.id)
    assert (held.file_counts.completed, held.file_counts.total) == (1, 1)
    assert [f.id for f in client.vector_stores.files.list(store.id)] == [b.id]
