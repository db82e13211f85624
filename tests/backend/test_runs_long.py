"""Which operations the HTTP layer keeps off the event loop: the ones whose work grows with
bytes (uploads, downloads, large or document ingestion, large searches), not small ones."""

from __future__ import annotations

import io

import pytest

from vsmock.backend.state import LONG_INGEST_BYTES
from vsmock.runtime import Runtime
from vsmock.settings import Settings


@pytest.fixture
def backend():  # type: ignore[no-untyped-def]
    runtime = Runtime(Settings(seed=3))
    yield runtime.backend
    runtime.close()


def upload(backend, name: str, size: int) -> str:  # type: ignore[no-untyped-def]
    body = (b"plain words " * (size // 12 + 1))[:size]
    return str(
        backend.create_file(content=io.BytesIO(body), filename=name, purpose="assistants")["id"]
    )


def test_ingestion_is_long_for_documents_and_much_text(backend) -> None:  # type: ignore[no-untyped-def]
    small = upload(backend, "notes.md", 2_000)
    big = upload(backend, "big.txt", LONG_INGEST_BYTES + 1)
    pdf = upload(backend, "paper.pdf", 500)  # a document to parse, however small
    store = backend.create_vector_store(body={"name": "s"})["id"]
    runs_long = backend.runs_long
    assert not runs_long("create_vector_store", {"body": {"file_ids": [small]}})
    assert not runs_long("create_vector_store", {"body": {"file_ids": [small, "file-missing", 7]}})
    assert runs_long("create_vector_store", {"body": {"file_ids": [small, big]}})
    assert runs_long("create_vector_store", {"body": {"file_ids": [pdf]}})
    attach = {"vector_store_id": store}
    assert not runs_long("create_vector_store_file", {**attach, "body": {"file_id": small}})
    assert runs_long("create_vector_store_file", {**attach, "body": {"file_id": pdf}})
    assert not runs_long(
        "create_vector_store_file_batch", {**attach, "body": {"file_ids": [small]}}
    )
    assert runs_long(
        "create_vector_store_file_batch", {**attach, "body": {"files": [{"file_id": big}]}}
    )
    # A File's bytes, of whatever size, always; the rest never.
    assert runs_long("create_file", {}) and runs_long("download_file", {"file_id": small})
    assert not runs_long("get_vector_store", {"vector_store_id": store})
