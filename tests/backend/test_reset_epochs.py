"""A reset begins a new epoch: a request admitted before it is refused on the state after it."""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator

import pytest

from vsmock.backend import Backend
from vsmock.errors import StateWasReset
from vsmock.runtime import Runtime
from vsmock.settings import Settings


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    made = Runtime(Settings())
    yield made
    made.close()


def admitted(runtime: Runtime, *, api: bool = True) -> contextvars.Context:
    """The context of a request as the HTTP layer admits it."""
    context = contextvars.copy_context()
    context.run(runtime.admit, api=api)
    return context


def names(runtime: Runtime) -> list[str]:
    return [s["name"] for s in runtime.backend.list_vector_stores()["data"]]


def test_a_request_admitted_before_a_reset_is_refused_after_it(runtime: Runtime) -> None:
    before = admitted(runtime)
    before.run(runtime.backend.create_vector_store, body={"name": "before"})
    assert names(runtime) == ["before"]
    assert not before.run(runtime.reset_since_admitted)
    runtime.reset()
    assert before.run(runtime.reset_since_admitted)
    with pytest.raises(StateWasReset) as refused:
        before.run(runtime.backend.create_vector_store, body={"name": "stale"})
    assert refused.value.status == 409 and refused.value.code == "state_reset"
    assert names(runtime) == []  # nothing written, read back
    after = admitted(runtime)  # admitted after the reset: carried out
    after.run(runtime.backend.create_vector_store, body={"name": "after"})
    assert names(runtime) == ["after"]


def test_calls_that_are_no_request_are_never_refused(runtime: Runtime) -> None:
    """The plugin's controls, scenario loading and admin routes act on whatever state is."""
    admin = admitted(runtime, api=False)
    runtime.reset()
    admin.run(runtime.backend.create_vector_store, body={"name": "admin"})
    runtime.backend.create_vector_store(body={"name": "control"})  # no request at all
    assert sorted(names(runtime)) == ["admin", "control"]


def test_the_contract_mode_keeps_no_epochs() -> None:
    runtime = Runtime(Settings(stateless=True))
    try:
        context = admitted(runtime)
        runtime.reset()
        assert not context.run(runtime.reset_since_admitted)
        assert context.run(runtime.backend.create_vector_store, body={"name": "x"})["name"]
    finally:
        runtime.close()


def test_an_upload_staged_while_a_reset_runs_is_kept(runtime: Runtime) -> None:
    """An upload admitted during a reset copies its bytes in before it takes the lock; the
    reset must not delete them under it (that was a 500: FileNotFoundError naming them)."""
    backend = runtime.backend
    assert isinstance(backend, Backend)
    during = admitted(runtime)
    staged = backend.blobs.stage_upload(io.BytesIO(b"staged while the reset ran"))
    runtime.reset()  # clears the Files, not the uploads still being staged
    after = admitted(runtime)
    stored = after.run(
        backend._store_file,
        upload=staged,
        filename="late.txt",
        purpose="assistants",
        expires_after=None,
    )
    assert backend.retrieve_file(file_id=stored["id"])["bytes"] == len(
        b"staged while the reset ran"
    )
    assert [f["id"] for f in backend.list_files()["data"]] == [stored["id"]]
    # one admitted before a reset is refused after it, its staged bytes discarded
    runtime.reset()
    with pytest.raises(StateWasReset):
        during.run(
            backend.create_file, content=io.BytesIO(b"x"), filename="x.txt", purpose="assistants"
        )
    assert backend.list_files()["data"] == []
    assert not [p for p in backend.blobs.root.rglob("upload-*")]  # nothing left staged
