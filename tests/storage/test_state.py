"""State on disk and under concurrency: restart, kill -9, threads, damaged files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai
from conftest import ROOT, start_serve

FAQ = ROOT / "fixtures" / "documents" / "support-faq"


def sdk(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0)


def test_restart_keeps_stores_files_and_search(tmp_path: Path) -> None:
    proc = start_serve("--data-dir", str(tmp_path), "--seed", "7")
    try:
        client = sdk(proc.base_url)
        files = [
            client.files.create(file=p.open("rb"), purpose="assistants")
            for p in sorted(FAQ.glob("*.md"))
        ]
        store = client.vector_stores.create(
            name="kept", file_ids=[f.id for f in files], metadata={"k": "v"}
        )
        before = client.vector_stores.search(store.id, query="return policy refund").model_dump()
        content = client.files.content(files[0].id).content
    finally:
        proc.stop()
    proc = start_serve("--data-dir", str(tmp_path), "--seed", "7")
    try:
        client = sdk(proc.base_url)
        again = client.vector_stores.retrieve(store.id)
        assert again.name == "kept" and again.metadata == {"k": "v"}
        assert again.file_counts.completed == len(files)
        assert client.files.content(files[0].id).content == content
        after = client.vector_stores.search(store.id, query="return policy refund").model_dump()
        assert after == before
        # the seeded id sequence does not hand out an id that is already taken
        new = client.vector_stores.create(name="new")
        assert new.id != store.id
    finally:
        proc.stop()


def test_eight_threads_creating_25_stores_each_leave_200(client: openai.OpenAI) -> None:
    def make(worker: int) -> list[str]:
        return [client.vector_stores.create(name=f"w{worker}-{i}").id for i in range(25)]

    with ThreadPoolExecutor(8) as pool:
        ids = [i for chunk in pool.map(make, range(8)) for i in chunk]
    assert len(ids) == len(set(ids)) == 200
    listed = [s.id for s in client.vector_stores.list(limit=100)]
    assert sorted(listed) == sorted(ids)


def test_kill_9_loses_no_acknowledged_write(tmp_path: Path) -> None:
    proc = start_serve("--data-dir", str(tmp_path))
    acknowledged: list[str] = []
    try:
        client = sdk(proc.base_url)
        for i in range(30):
            f = client.files.create(
                file=(f"doc{i}.txt", f"document number {i}".encode()), purpose="assistants"
            )
            store = client.vector_stores.create(name=f"s{i}", file_ids=[f.id])
            acknowledged += [f.id, store.id]
    finally:
        os.kill(proc.process.pid, signal.SIGKILL)
        proc.process.wait()
    proc = start_serve("--data-dir", str(tmp_path))
    try:
        client = sdk(proc.base_url)
        for object_id in acknowledged:
            if object_id.startswith("file-"):
                assert client.files.retrieve(object_id).id == object_id
            else:
                store = client.vector_stores.retrieve(object_id)
                assert store.file_counts.completed == 1
    finally:
        proc.stop()


def test_damaged_state_is_a_clear_startup_error(tmp_path: Path) -> None:
    proc = start_serve("--data-dir", str(tmp_path))
    try:
        sdk(proc.base_url).vector_stores.create(name="x")
        sdk(proc.base_url).vector_stores.create(name="y")
    finally:
        proc.stop()
    log = tmp_path / "state.log"
    lines = log.read_bytes().split(b"\n")
    lines[0] = b'{"t": "vector_stores", "p": {'  # damage a line that is not the last
    log.write_bytes(b"\n".join(lines))
    result = subprocess.run(
        [sys.executable, "-m", "vsmock", "serve", "--port", "0", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert str(log) in result.stderr and "damaged" in result.stderr
    assert "--data-dir" in result.stderr  # the way out


def test_a_restart_with_the_same_seed_never_hands_out_a_deleted_objects_id(
    tmp_path: Path,
) -> None:
    """The id source's position is kept with the state: the same seed on the same data
    directory continues the sequence instead of starting it again."""
    proc = start_serve("--data-dir", str(tmp_path), "--seed", "7")
    try:
        client = sdk(proc.base_url)
        gone_file = client.files.create(file=("a.txt", b"alpha"), purpose="assistants")
        gone_store = client.vector_stores.create(name="gone", file_ids=[gone_file.id])
        batch = client.vector_stores.file_batches.create(gone_store.id, file_ids=[gone_file.id])
        client.vector_stores.delete(gone_store.id)
        client.files.delete(gone_file.id)
    finally:
        proc.stop()
    proc = start_serve("--data-dir", str(tmp_path), "--seed", "7")
    try:
        client = sdk(proc.base_url)
        new_file = client.files.create(file=("b.txt", b"beta"), purpose="assistants")
        new_store = client.vector_stores.create(name="new", file_ids=[new_file.id])
        new_batch = client.vector_stores.file_batches.create(new_store.id, file_ids=[new_file.id])
        assert new_file.id != gone_file.id
        assert new_store.id != gone_store.id
        assert new_batch.id != batch.id
        assert [s.id for s in client.vector_stores.list()] == [new_store.id]
    finally:
        proc.stop()
