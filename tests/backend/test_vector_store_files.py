"""Vector-store files: attach, retrieve, attributes, content, detach, accounting."""

from __future__ import annotations

import openai
import pytest
from helpers import assert_counts_consistent, upload


def test_attach_retrieve_update_content_detach(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="s")
    f = upload(client, "notes.txt", "The quick brown fox jumps over the lazy dog.")
    vsf = client.vector_stores.files.create(
        vector_store_id=store.id, file_id=f.id, attributes={"lang": "en", "year": 2024, "ok": True}
    )
    assert vsf.id == f.id  # a vector-store file's id is the File's id
    assert vsf.object == "vector_store.file"
    assert vsf.status == "completed" and vsf.last_error is None
    assert vsf.vector_store_id == store.id
    assert vsf.attributes == {"lang": "en", "year": 2024, "ok": True}
    assert vsf.chunking_strategy is not None and vsf.chunking_strategy.type == "static"
    static = vsf.chunking_strategy.static  # type: ignore[union-attr]
    assert (static.max_chunk_size_tokens, static.chunk_overlap_tokens) == (800, 400)

    assert client.vector_stores.files.retrieve(file_id=f.id, vector_store_id=store.id).id == f.id

    updated = client.vector_stores.files.update(
        file_id=f.id, vector_store_id=store.id, attributes={"lang": "fr"}
    )
    assert updated.attributes == {"lang": "fr"}
    # the write is kept: read back
    again = client.vector_stores.files.retrieve(file_id=f.id, vector_store_id=store.id)
    assert again.model_dump() == updated.model_dump()
    listed = client.vector_stores.files.list(vector_store_id=store.id).data
    assert [v.model_dump() for v in listed] == [updated.model_dump()]

    content = client.vector_stores.files.content(file_id=f.id, vector_store_id=store.id)
    texts = [item.text for item in content]
    assert texts == ["The quick brown fox jumps over the lazy dog."]

    deleted = client.vector_stores.files.delete(file_id=f.id, vector_store_id=store.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (
        f.id,
        "vector_store.file.deleted",
        True,
    )
    # detaching keeps the File
    assert client.files.retrieve(f.id).id == f.id
    store = client.vector_stores.retrieve(store.id)
    assert store.file_counts.total == 0 and store.usage_bytes == 0
    with pytest.raises(openai.NotFoundError) as info:
        client.vector_stores.files.retrieve(file_id=f.id, vector_store_id=store.id)
    assert info.value.body["message"] == (
        f"No file found with id '{f.id}' in vector store '{store.id}'."
    )


def test_accounting_attach_detach_and_file_delete(client: openai.OpenAI) -> None:
    a = upload(client, "a.md", "# A\nalpha alpha alpha")
    b = upload(client, "b.md", "# B\nbeta beta beta")
    bad = upload(client, "c.bin", b"\x00\x01\x02")
    s1 = client.vector_stores.create(name="one", file_ids=[a.id, b.id, bad.id])
    s2 = client.vector_stores.create(name="two", file_ids=[a.id])
    assert s1.file_counts.model_dump() == {
        "in_progress": 0,
        "completed": 2,
        "failed": 1,
        "cancelled": 0,
        "total": 3,
    }
    assert_counts_consistent(s1)

    client.vector_stores.files.delete(file_id=b.id, vector_store_id=s1.id)
    s1 = client.vector_stores.retrieve(s1.id)
    assert (s1.file_counts.completed, s1.file_counts.total) == (1, 2)

    # Deleting the File removes it from every store, and the counts follow.
    client.files.delete(a.id)
    s1 = client.vector_stores.retrieve(s1.id)
    s2 = client.vector_stores.retrieve(s2.id)
    assert (s1.file_counts.completed, s1.file_counts.failed, s1.file_counts.total) == (0, 1, 1)
    assert s2.file_counts.total == 0 and s2.usage_bytes == 0
    assert [f.id for f in client.vector_stores.files.list(s2.id)] == []
    assert s1.usage_bytes == sum(f.usage_bytes for f in client.vector_stores.files.list(s1.id))


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("archive.bin", b"\x00\x01binary", "unsupported_file"),
        ("upload", b"no extension", "unsupported_file"),
        ("empty.txt", b"", "invalid_file"),
        ("latin1.txt", "caf\xe9".encode("latin-1"), "invalid_file"),
    ],
)
def test_bad_files_end_failed(client: openai.OpenAI, name: str, content: bytes, code: str) -> None:
    store = client.vector_stores.create()
    f = upload(client, name, content)
    vsf = client.vector_stores.files.create(vector_store_id=store.id, file_id=f.id)
    assert vsf.status == "failed"
    assert vsf.last_error is not None and vsf.last_error.code == code
    assert vsf.usage_bytes == 0
    store = client.vector_stores.retrieve(store.id)
    assert store.file_counts.failed == 1 and store.status == "completed"


def test_html_json_csv_and_code_are_extracted(client: openai.OpenAI) -> None:
    store = client.vector_stores.create()
    docs = {
        "page.html": "<html><head><script>var hidden=1;</script></head>"
        "<body><h1>Title</h1><p>Visible paragraph</p></body></html>",
        "data.json": '{"greeting": "hello world"}',
        "table.csv": "name,colour\nkiwi,green\n",
        "main.py": "def add(a, b):\n    return a + b\n",
    }
    for name, text in docs.items():
        f = upload(client, name, text)
        vsf = client.vector_stores.files.create(vector_store_id=store.id, file_id=f.id)
        assert vsf.status == "completed", (name, vsf.last_error)
        content = " ".join(
            i.text or ""
            for i in client.vector_stores.files.content(file_id=f.id, vector_store_id=store.id)
        )
        if name == "page.html":
            assert "Visible paragraph" in content and "hidden" not in content
        elif name == "data.json":
            assert "hello world" in content
        elif name == "table.csv":
            assert "kiwi" in content and "green" in content
        else:
            assert "return a + b" in content


def test_attach_unknown_file_is_404(client: openai.OpenAI) -> None:
    store = client.vector_stores.create()
    with pytest.raises(openai.NotFoundError) as info:
        client.vector_stores.files.create(vector_store_id=store.id, file_id="file-nope")
    assert info.value.body["param"] == "file_id"


def test_list_filter_by_status(client: openai.OpenAI) -> None:
    good = upload(client, "good.txt", "some text")
    bad = upload(client, "bad.exe", b"MZ")
    store = client.vector_stores.create(file_ids=[good.id, bad.id])
    failed = client.vector_stores.files.list(store.id, filter="failed")
    assert [f.id for f in failed.data] == [bad.id]
    done = client.vector_stores.files.list(store.id, filter="completed")
    assert [f.id for f in done.data] == [good.id]


def test_long_document_content_is_chunked(client: openai.OpenAI) -> None:
    words = " ".join(f"word{i}" for i in range(3000))
    f = upload(client, "long.txt", words)
    store = client.vector_stores.create()
    client.vector_stores.files.create(
        vector_store_id=store.id,
        file_id=f.id,
        chunking_strategy={
            "type": "static",
            "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 50},
        },
    )
    chunks = list(client.vector_stores.files.content(file_id=f.id, vector_store_id=store.id))
    assert len(chunks) > 5


def test_attaching_an_attached_file_again_keeps_it_searchable(client: openai.OpenAI) -> None:
    """Regression (found by fuzzing): attaching an attached file again lost its chunks in
    memory mode, so a search after it answered 500."""
    store = client.vector_stores.create(name="s")
    f = upload(client, "fox.txt", "The quick brown fox jumps over the lazy dog.")
    client.vector_stores.files.create(vector_store_id=store.id, file_id=f.id)
    again = client.vector_stores.files.create(
        vector_store_id=store.id, file_id=f.id, attributes={"k": "v"}
    )
    assert again.status == "completed" and again.attributes == {"k": "v"}
    results = client.vector_stores.search(store.id, query="quick brown fox")
    assert [r.file_id for r in results.data] == [f.id]
    content = client.vector_stores.files.content(file_id=f.id, vector_store_id=store.id)
    assert [c.text for c in content] == ["The quick brown fox jumps over the lazy dog."]
    listed = client.vector_stores.files.list(vector_store_id=store.id).data
    assert [(v.id, v.attributes) for v in listed] == [(f.id, {"k": "v"})]
