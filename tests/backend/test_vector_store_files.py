"""Vector-store files: attach, retrieve, attributes, content, detach, accounting."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from helpers import assert_counts_consistent, upload

from vsmock.ingest.chunking import chunk_text


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


# -- documented choices (README: "Where vsmock decides") ---------------------------------------
def long_text(words: int) -> str:
    return " ".join(f"word{i}" for i in range(words)) + "\n"


STATIC_200_50: Any = {
    "type": "static",
    "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 50},
}


@pytest.mark.parametrize("chunking", [None, STATIC_200_50], ids=["auto", "static-200-50"])
def test_content_is_the_parsed_text_once_cut_where_the_chunks_start(
    client: openai.OpenAI, chunking: Any
) -> None:
    """The spec: content is the "Parsed content of the file"; search shows "Content chunks
    from the file". Chunks overlap, the content does not: joined, it is the text."""
    text = long_text(3000)
    f = upload(client, "long.txt", text)
    store = client.vector_stores.create()
    extra = {"chunking_strategy": chunking} if chunking is not None else {}
    client.vector_stores.files.create(vector_store_id=store.id, file_id=f.id, **extra)

    content = client.vector_stores.files.content(file_id=f.id, vector_store_id=store.id)
    pieces = [item.text for item in content.data]
    assert all(item.type == "text" for item in content.data)
    assert "".join(pieces) == text  # once: no overlap
    size = (200, 50) if chunking is not None else (800, 400)
    chunks = chunk_text(text, *size)
    assert len(pieces) == len(chunks) > 3  # one item per chunk, each where its chunk starts
    assert all(chunk.text.startswith(piece) for chunk, piece in zip(chunks, pieces, strict=True))
    assert (content.has_more, content.next_page) == (False, None)

    # usage_bytes counts the stored chunks, overlaps included ("may be different from the
    # original file size"): read back through retrieve, list and the store.
    vsf = client.vector_stores.files.retrieve(file_id=f.id, vector_store_id=store.id)
    assert vsf.usage_bytes == sum(len(c.text.encode()) for c in chunks) > f.bytes
    listed = client.vector_stores.files.list(vector_store_id=store.id).data
    assert [v.usage_bytes for v in listed] == [vsf.usage_bytes]
    assert client.vector_stores.retrieve(store.id).usage_bytes == vsf.usage_bytes

    # search still shows whole (overlapping) chunks
    hits = client.vector_stores.search(store.id, query="word1500", max_num_results=50)
    shown = [c.text for hit in hits.data for c in hit.content]
    assert shown and all(text in {c.text for c in chunks} for text in shown)


def test_content_of_an_unfinished_or_failed_file_is_empty(
    client: openai.OpenAI, server: Any
) -> None:
    server.admin("POST", "/processing", json={"polls": 2})
    f = upload(client, "a.txt", "some text")
    bad = upload(client, "b.bin", b"\x00\x01")
    store = client.vector_stores.create(file_ids=[f.id, bad.id])
    assert list(client.vector_stores.files.content(file_id=f.id, vector_store_id=store.id)) == []
    client.vector_stores.retrieve(store.id)  # the second status read finishes both
    client.vector_stores.retrieve(store.id)
    done = client.vector_stores.files.content(file_id=f.id, vector_store_id=store.id)
    assert [c.text for c in done] == ["some text"]
    failed = client.vector_stores.files.content(file_id=bad.id, vector_store_id=store.id)
    assert list(failed) == []


def test_attaching_an_attached_file_again_replaces_it(client: openai.OpenAI, server: Any) -> None:
    """The reference leaves this open (an open question); vsmock replaces the vector-store
    file: new attributes and chunking, a new created_at, and it moves to the newest end."""
    server.admin("POST", "/reset", json={"now": 1_700_000_000})  # frozen: exact arithmetic
    a = upload(client, "a.txt", "alpha text")
    b = upload(client, "b.txt", "beta text")
    store = client.vector_stores.create()
    first = client.vector_stores.files.create(
        vector_store_id=store.id, file_id=a.id, attributes={"v": 1}
    )
    server.admin("POST", "/clock", json={"advance_seconds": 10})
    client.vector_stores.files.create(vector_store_id=store.id, file_id=b.id)
    server.admin("POST", "/clock", json={"advance_seconds": 10})
    again = client.vector_stores.files.create(
        vector_store_id=store.id, file_id=a.id, attributes={"v": 2}, chunking_strategy=STATIC_200_50
    )
    assert again.created_at == first.created_at + 20
    assert again.attributes == {"v": 2}
    assert again.chunking_strategy.static.max_chunk_size_tokens == 200  # type: ignore[union-attr]
    # read back: retrieve, list (newest first and oldest first), the counts, search
    read = client.vector_stores.files.retrieve(file_id=a.id, vector_store_id=store.id)
    assert read.model_dump() == again.model_dump()
    assert [v.id for v in client.vector_stores.files.list(store.id)] == [a.id, b.id]
    assert [v.id for v in client.vector_stores.files.list(store.id, order="asc")] == [b.id, a.id]
    shown = client.vector_stores.retrieve(store.id)
    assert (shown.file_counts.completed, shown.file_counts.total) == (2, 2)
    hits = client.vector_stores.search(store.id, query="alpha")
    assert [(h.file_id, h.attributes) for h in hits.data] == [(a.id, {"v": 2})]


def test_attributes_are_null_on_the_file_and_empty_in_search(
    client: openai.OpenAI, api: Any
) -> None:
    """Both fields are ``map | null`` in the spec and the reference records no live value:
    vsmock keeps what was sent (null when nothing was) and search shows ``{}``."""
    f = upload(client, "a.txt", "alpha text")
    store = client.vector_stores.create()
    made = api.post(f"/vector_stores/{store.id}/files", json={"file_id": f.id}).json()
    assert made["attributes"] is None
    read = api.get(f"/vector_stores/{store.id}/files/{f.id}").json()
    assert read["attributes"] is None
    listed = api.get(f"/vector_stores/{store.id}/files").json()["data"]
    assert [v["attributes"] for v in listed] == [None]
    found = api.post(f"/vector_stores/{store.id}/search", json={"query": "alpha"}).json()
    assert [item["attributes"] for item in found["data"]] == [{}]
    cleared = api.post(f"/vector_stores/{store.id}/files/{f.id}", json={"attributes": {"k": "v"}})
    assert cleared.json()["attributes"] == {"k": "v"}
    api.post(f"/vector_stores/{store.id}/files/{f.id}", json={"attributes": None})
    assert api.get(f"/vector_stores/{store.id}/files/{f.id}").json()["attributes"] is None
