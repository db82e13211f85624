"""Reliability: concurrency, kill -9, damaged state, uploads, security and long runs.

Every server here is a ``vsmock serve`` subprocess on loopback (or the app driven
in-process), every load is bounded in time and size, and every random choice comes
from a seeded ``random.Random``: a failure replays.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from conftest import ROOT, ServeProcess, start_serve

KEY = "sk-test"
SEED = 8_2026
FAQ = ROOT / "fixtures" / "documents" / "support-faq"
WORDS = [
    w for p in sorted(FAQ.glob("*.md")) for w in re.findall(r"[a-z]{4,}", p.read_text().lower())
]


def api(base_url: str, key: str | None = KEY, timeout: float = 60) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=timeout)


def document(rng: random.Random, n_words: int = 120) -> bytes:
    return " ".join(rng.choice(WORDS) for _ in range(n_words)).encode()


def all_pages(client: httpx.Client, path: str, limit: int = 100) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit, "order": "asc"}
    while True:
        page = client.get(path, params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["data"]
        if not body["has_more"]:
            return items
        params["after"] = body["data"][-1]["id"]


# ----------------------------------------------------------------------------- the ledger
@dataclass
class Ledger:
    """What the server acknowledged (a 200 received in full), per object.

    ``files``/``stores`` hold the live objects (a store maps its attached files to their
    attributes); ``fields`` each store's name and metadata; ``gone`` the deleted ids;
    ``uncertain`` the ids whose last request got no answer (a crash cut it short), about
    which nothing is asserted.
    """

    files: dict[str, bytes] = field(default_factory=dict)
    stores: dict[str, dict[str, Any]] = field(default_factory=dict)
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    uncertain: set[str] = field(default_factory=set)
    operations: int = 0

    def merge(self, other: Ledger) -> None:
        self.files.update(other.files)
        self.stores.update(other.stores)
        self.fields.update(other.fields)
        self.gone |= other.gone
        self.uncertain |= other.uncertain
        self.operations += other.operations


class Worker:
    """A client that owns its objects: only it attaches, detaches or deletes them, so the
    state the server must hold follows from its acknowledged requests alone, while the
    server sees every worker's requests interleaved on its shared tables and indexes."""

    def __init__(self, base_url: str, seed: int, ledger: Ledger | None = None):
        self.client = api(base_url)
        self.rng = random.Random(seed)
        self.ledger = ledger or Ledger()
        self.failures: list[str] = []

    # Each operation marks the ids it touches uncertain until the answer is in.
    def _call(self, touched: list[str], method: str, path: str, **kwargs: Any) -> Any:
        self.ledger.uncertain.update(touched)
        response = self.client.request(method, path, **kwargs)
        if response.status_code != 200:
            self.failures.append(f"{method} {path}: {response.status_code} {response.text[:300]}")
            return None
        body = response.json() if "json" in response.headers.get("content-type", "") else None
        self.ledger.uncertain.difference_update(touched)
        self.ledger.operations += 1
        return body

    def upload(self) -> None:
        content = document(self.rng)
        name = f"doc-{self.rng.randrange(10**6)}.txt"
        body = self._call(
            [], "POST", "/files", files={"file": (name, content)}, data={"purpose": "assistants"}
        )
        if body is not None:
            self.ledger.files[body["id"]] = content

    def _fields(self) -> dict[str, Any]:
        return {
            "name": f"w{self.rng.randrange(1000)}",
            "metadata": {"owner": f"t{self.rng.randrange(100)}"}
            if self.rng.random() < 0.7
            else None,
        }

    def _attributes(self) -> dict[str, Any] | None:
        if self.rng.random() < 0.3:
            return None
        return {"topic": self.rng.choice(["a", "b"]), "rank": self.rng.randrange(5)}

    def create_store(self) -> None:
        own = self._sample_files(self.rng.randrange(3))
        fields = self._fields()
        body = self._call(own, "POST", "/vector_stores", json={**fields, "file_ids": own})
        if body is not None:
            self.ledger.stores[body["id"]] = dict.fromkeys(own)
            self.ledger.fields[body["id"]] = fields

    def modify_store(self) -> None:
        store = self._store()
        if store is None:
            return
        fields = self._fields()
        if self._call([store], "POST", f"/vector_stores/{store}", json=fields):
            self.ledger.fields[store] = fields

    def attach(self) -> None:
        store, files = self._store(), self._sample_files(1)
        if store is None or not files:
            return
        attributes = self._attributes()
        body = {"file_id": files[0], "attributes": attributes}
        if self._call([store], "POST", f"/vector_stores/{store}/files", json=body):
            self.ledger.stores[store][files[0]] = attributes

    def update_attributes(self) -> None:
        store = self._store()
        if store is None or not self.ledger.stores[store]:
            return
        file_id = self.rng.choice(sorted(self.ledger.stores[store]))
        attributes = self._attributes()
        path = f"/vector_stores/{store}/files/{file_id}"
        if self._call([store], "POST", path, json={"attributes": attributes}):
            self.ledger.stores[store][file_id] = attributes

    def attach_batch(self) -> None:
        store, files = self._store(), self._sample_files(2)
        if store is None or not files:
            return
        attributes = self._attributes()
        path = f"/vector_stores/{store}/file_batches"
        if self._call([store], "POST", path, json={"file_ids": files, "attributes": attributes}):
            for file_id in files:
                self.ledger.stores[store][file_id] = attributes

    def detach(self) -> None:
        store = self._store()
        if store is None or not self.ledger.stores[store]:
            return
        file_id = self.rng.choice(sorted(self.ledger.stores[store]))
        if self._call([store], "DELETE", f"/vector_stores/{store}/files/{file_id}"):
            self.ledger.stores[store].pop(file_id, None)

    def search(self) -> None:
        store = self._store()
        if store is not None:
            query = " ".join(self.rng.choice(WORDS) for _ in range(3))
            self._call([], "POST", f"/vector_stores/{store}/search", json={"query": query})

    def read(self) -> None:
        self._call([], "GET", "/vector_stores", params={"limit": 20})
        store = self._store()
        if store is not None:
            self._call([], "GET", f"/vector_stores/{store}")

    def delete_file(self) -> None:
        files = self._sample_files(1)
        if not files:
            return
        touched = [files[0], *[s for s, fs in self.ledger.stores.items() if files[0] in fs]]
        if self._call(touched, "DELETE", f"/files/{files[0]}"):
            del self.ledger.files[files[0]]
            self.ledger.gone.add(files[0])
            for attached in self.ledger.stores.values():
                attached.pop(files[0], None)

    def delete_store(self) -> None:
        store = self._store()
        if store is not None and self._call([store], "DELETE", f"/vector_stores/{store}"):
            del self.ledger.stores[store]
            del self.ledger.fields[store]
            self.ledger.gone.add(store)

    def _sample_files(self, k: int) -> list[str]:
        live = sorted(self.ledger.files)
        return self.rng.sample(live, min(k, len(live)))

    def _store(self) -> str | None:
        live = sorted(self.ledger.stores)
        return self.rng.choice(live) if live else None

    def step(self) -> None:
        ledger = self.ledger
        crowded = len(ledger.files) > 12 or len(ledger.stores) > 6
        actions: list[tuple[Callable[[], None], int]] = [
            (self.upload, 2 if crowded else 6),
            (self.create_store, 1 if crowded else 3),
            (self.modify_store, 2),
            (self.attach, 4),
            (self.update_attributes, 2),
            (self.attach_batch, 2),
            (self.detach, 2),
            (self.search, 4),
            (self.read, 3),
            (self.delete_file, 4 if crowded else 1),
            (self.delete_store, 3 if crowded else 1),
        ]
        action = self.rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
        action()

    def run_until(self, deadline: float, *, killed: threading.Event | None = None) -> None:
        """Work until ``deadline``; with ``killed``, until the server dies under us (its
        last request then stays uncertain)."""
        try:
            while time.monotonic() < deadline:
                self.step()
        except httpx.HTTPError:
            if killed is None:
                raise
            killed.wait(60)
        finally:
            self.client.close()


def run_workers(base_url: str, n: int, seconds: float, seed: int) -> tuple[Ledger, list[str]]:
    workers = [Worker(base_url, seed * 100 + i) for i in range(n)]
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=w.run_until, args=(deadline,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ledger = Ledger()
    for w in workers:
        ledger.merge(w.ledger)
    return ledger, [f for w in workers for f in w.failures]


# --------------------------------------------------------------------------- invariants
def check_state(base_url: str, ledger: Ledger, *, exact: bool) -> dict[str, int]:
    """The server holds what the ledger says: no duplicate ids, counts equal to the
    files listed, usage the sum of theirs. ``exact``: nothing else exists either."""
    with api(base_url) as client:
        files = client.get("/files", params={"limit": 10000}).json()["data"]
        file_ids = [f["id"] for f in files]
        assert len(file_ids) == len(set(file_ids)), "duplicate file ids"
        stores = all_pages(client, "/vector_stores")
        store_ids = [s["id"] for s in stores]
        assert len(store_ids) == len(set(store_ids)), "duplicate store ids"
        certain_files = set(ledger.files) - ledger.uncertain
        certain_stores = set(ledger.stores) - ledger.uncertain
        assert certain_files <= set(file_ids), certain_files - set(file_ids)
        assert certain_stores <= set(store_ids), certain_stores - set(store_ids)
        assert not (ledger.gone - ledger.uncertain) & (set(file_ids) | set(store_ids))
        if exact:
            assert set(file_ids) == set(ledger.files)
            assert set(store_ids) == set(ledger.stores)
        for file_id in certain_files:
            assert client.get(f"/files/{file_id}/content").content == ledger.files[file_id]
        attached = 0
        for store in stores:
            listed = all_pages(client, f"/vector_stores/{store['id']}/files")
            ids = [f["id"] for f in listed]
            assert len(ids) == len(set(ids)), f"duplicate files in {store['id']}"
            counts = store["file_counts"]
            assert counts["total"] == len(ids), (store, ids)
            for status in ("in_progress", "completed", "failed", "cancelled"):
                assert counts[status] == sum(f["status"] == status for f in listed), store
            assert store["usage_bytes"] == sum(f["usage_bytes"] for f in listed), store
            if store["id"] in certain_stores:
                attached_files = ledger.stores[store["id"]]
                fields = ledger.fields[store["id"]]
                assert (store["name"], store["metadata"]) == (fields["name"], fields["metadata"])
                expected = {f for f in attached_files if f not in ledger.uncertain}
                assert expected <= set(ids), (store["id"], expected - set(ids))
                for listed_file in listed:
                    if listed_file["id"] in expected:
                        want = attached_files[listed_file["id"]]
                        assert listed_file["attributes"] == want, (store["id"], listed_file)
                if exact:
                    assert set(ids) == set(attached_files)
            assert set(ids) <= set(file_ids), "a store lists a deleted file"
            attached += len(ids)
    return {"files": len(file_ids), "stores": len(store_ids), "attached": attached}


def check_disk(data_dir: Path, base_url: str) -> None:
    """No orphaned bytes: a blob per live file, chunk texts only for attached files."""
    with api(base_url) as client:
        file_ids = {f["id"] for f in client.get("/files", params={"limit": 10000}).json()["data"]}
        attached = {
            (s["id"], f["id"])
            for s in all_pages(client, "/vector_stores")
            for f in all_pages(client, f"/vector_stores/{s['id']}/files")
        }
    blobs = {p.name for p in (data_dir / "blobs").iterdir()}
    assert blobs == file_ids, blobs ^ file_ids
    chunks = {
        (p.parent.name, p.name.removesuffix(".json")) for p in (data_dir / "chunks").glob("*/*")
    }
    assert chunks <= attached, chunks - attached
    assert not [p for p in data_dir.rglob("*.part")], "half-written files left"


# -------------------------------------------------------------------------- concurrency
def test_16_threads_for_20_seconds_keep_every_invariant(tmp_path: Path) -> None:
    server = start_serve("--data-dir", str(tmp_path), "--api-key", KEY)
    try:
        ledger, failures = run_workers(server.base_url, n=16, seconds=20, seed=SEED)
        assert failures == [], "\n".join(failures[:10])
        assert ledger.uncertain == set()
        figures = check_state(server.base_url, ledger, exact=True)
        check_disk(tmp_path, server.base_url)
        errors = server.admin("GET", "/errors", headers={"Authorization": f"Bearer {KEY}"})
        assert errors.json()["data"] == []
    finally:
        server.stop()
    print(
        f"concurrency: {ledger.operations} acknowledged operations by 16 threads in 20 s; {figures}"
    )
    server = start_serve("--data-dir", str(tmp_path), "--api-key", KEY)
    try:  # and all of it was on disk
        assert check_state(server.base_url, ledger, exact=True) == figures
    finally:
        server.stop()


# ------------------------------------------------------------------------------ kill -9
def test_kill_9_three_times_during_writes_loses_nothing_acknowledged(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    ledger = Ledger()
    for round_ in range(3):
        server = start_serve("--data-dir", str(tmp_path), "--api-key", KEY)
        check_state(server.base_url, ledger, exact=False)  # what survived the last kill
        workers = [Worker(server.base_url, rng.randrange(10**9)) for _ in range(4)]
        known = sorted(f for f in ledger.files if f not in ledger.uncertain)
        for i, w in enumerate(workers):  # each continues with its share of the known files
            w.ledger.files = {f: ledger.files[f] for f in known[i :: len(workers)]}
        killed = threading.Event()
        threads = [
            threading.Thread(
                target=w.run_until, args=(time.monotonic() + 60,), kwargs={"killed": killed}
            )
            for w in workers
        ]
        for t in threads:
            t.start()
        started = time.monotonic()  # let the writes get going, then a seeded random point
        while sum(w.ledger.operations for w in workers) < 40 and time.monotonic() - started < 30:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.2, 3.0))
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        killed.set()
        for t in threads:
            t.join()
        for w in workers:
            assert w.failures == [], w.failures[:5]
            ledger.merge(w.ledger)
            for file_id in w.ledger.gone:
                ledger.files.pop(file_id, None)
                for attached in ledger.stores.values():
                    attached.pop(file_id, None)
        print(f"kill -9 #{round_ + 1}: {ledger.operations} acknowledged operations so far")
    server = start_serve("--data-dir", str(tmp_path), "--api-key", KEY)
    try:
        figures = check_state(server.base_url, ledger, exact=False)
        check_disk(tmp_path, server.base_url)
    finally:
        server.stop()
    print(f"after 3 kills: {figures}, {len(ledger.uncertain)} ids in flight at a kill")


# ------------------------------------------------------------------------ damaged state
def _serve_fails(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vsmock", "serve", "--port", "0", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def _populated(data_dir: Path, *, snapshot: bool) -> list[str]:
    """A data dir with stores (and, with ``snapshot``, enough writes to compact the log
    into state.json). Returns the store ids."""
    server = start_serve("--data-dir", str(data_dir))
    try:
        with api(server.base_url) as client:
            upload = client.post(
                "/files",
                files={"file": ("a.txt", b"alpha beta gamma")},
                data={"purpose": "assistants"},
            ).json()
            metadata = {f"k{i}": "v" * 500 for i in range(16)}
            ids = []
            for i in range(150 if snapshot else 3):
                body = {
                    "name": f"s{i}",
                    "metadata": metadata,
                    "file_ids": [upload["id"]] if i < 2 else [],
                }
                ids.append(client.post("/vector_stores", json=body).json()["id"])
    finally:
        server.stop()
    if snapshot:
        assert (data_dir / "state.json").stat().st_size > 100_000
    return ids


def _assert_clear_error(result: subprocess.CompletedProcess[str], damaged: Path) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    message = result.stderr
    assert str(damaged) in message and "damaged" in message, message
    assert "--data-dir" in message and "backup" in message, message  # the ways out
    assert "Traceback" not in message, message


def _files(data_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(data_dir)): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize(
    "damage",
    ["truncated snapshot", "corrupted snapshot", "garbage in the log", "truncated chunk texts"],
)
def test_damaged_state_stops_startup_naming_the_file_and_the_way_out(
    tmp_path: Path, damage: str
) -> None:
    _populated(tmp_path, snapshot=damage.endswith("snapshot"))
    if damage == "truncated snapshot":
        path = tmp_path / "state.json"
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "corrupted snapshot":
        path = tmp_path / "state.json"
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2 : len(raw) // 2 + 8] = b"\x00\xff{]}\x01\x02\x03"
        path.write_bytes(bytes(raw))
    elif damage == "garbage in the log":
        path = tmp_path / "state.log"
        lines = path.read_bytes().split(b"\n")
        lines[len(lines) // 2] = b'{"t": "vector_stores", "p": {"vs_'  # not the last line
        path.write_bytes(b"\n".join(lines))
    else:
        path = next((tmp_path / "chunks").glob("*/*.json"))
        path.write_bytes(path.read_bytes()[:5])
    before = _files(tmp_path)
    _assert_clear_error(_serve_fails(tmp_path), path)
    assert _files(tmp_path) == before, "a failed start must not touch the state"


def _rewrite_log(data_dir: Path, change: Callable[[list[Any]], None]) -> Path:
    """Apply ``change`` to the log's operation lines (parsed), keeping it well-formed JSON."""
    log = data_dir / "state.log"
    header, *lines = log.read_bytes().decode().splitlines()
    operations = [json.loads(line) for line in lines]
    change(operations)
    log.write_text("\n".join([header, *(json.dumps(op) for op in operations)]) + "\n")
    return log


def _first_doc(operations: list[Any], table: str) -> dict[str, Any]:
    for operation in operations:
        for entry in operation:
            if entry.get("t") == table and entry.get("p"):
                doc: dict[str, Any] = next(iter(entry["p"].values()))
                return doc
    raise AssertionError(f"no {table} document in the log")


@pytest.mark.parametrize(
    "damage",
    [
        "a record missing a field",
        "a field of the wrong type",
        "a file record with no id",
        "a deeply nested log line",
        "state.log is a directory",
        "state.log emptied",
        "state.log emptied, no blobs",
        "state.log without its header",
    ],
)
def test_damage_that_still_parses_is_named_not_a_traceback(tmp_path: Path, damage: str) -> None:
    _populated(tmp_path, snapshot=False)
    log = tmp_path / "state.log"
    if damage == "a record missing a field":
        _rewrite_log(tmp_path, lambda ops: _first_doc(ops, "vector_stores").pop("created_at"))
    elif damage == "a field of the wrong type":
        _rewrite_log(tmp_path, lambda ops: _first_doc(ops, "files").update(bytes="many"))
    elif damage == "a file record with no id":
        _rewrite_log(tmp_path, lambda ops: _first_doc(ops, "files").pop("id"))
    elif damage == "a deeply nested log line":
        lines = log.read_bytes().split(b"\n")
        lines.insert(2, b"[" * 100_000 + b"]" * 100_000)
        log.write_bytes(b"\n".join(lines))
    elif damage == "state.log is a directory":
        log.unlink()
        log.mkdir()
    elif damage.startswith("state.log emptied"):
        if damage.endswith("no blobs"):
            for blob in (tmp_path / "blobs").iterdir():
                blob.unlink()
        log.write_bytes(b"")
    else:
        log.write_bytes(log.read_bytes().split(b"\n", 1)[1])
    before = _files(tmp_path)
    _assert_clear_error(_serve_fails(tmp_path), log)
    assert _files(tmp_path) == before, "a failed start must not touch the state"


@pytest.mark.parametrize("damage", ["not an object", "a table that is a list", "a record list"])
def test_a_bad_snapshot_is_blamed_on_the_snapshot(tmp_path: Path, damage: str) -> None:
    _populated(tmp_path, snapshot=True)
    snap = tmp_path / "state.json"
    doc = json.loads(snap.read_bytes())
    if damage == "not an object":
        doc = [doc]
    elif damage == "a table that is a list":
        doc["tables"]["files"] = list(doc["tables"]["files"].values())
    else:
        store = next(iter(doc["tables"]["vector_stores"]))
        doc["tables"]["vector_stores"][store] = [1, 2]
    snap.write_text(json.dumps(doc))
    result = _serve_fails(tmp_path)
    _assert_clear_error(result, snap)
    assert "state.log" not in result.stderr.split("(")[0]


@pytest.mark.parametrize("missing", ["a blob", "a chunk file"])
def test_missing_data_files_stop_startup(tmp_path: Path, missing: str) -> None:
    _populated(tmp_path, snapshot=False)
    folder = "blobs" if missing == "a blob" else "chunks"
    path = next(p for p in (tmp_path / folder).rglob("*") if p.is_file())
    path.unlink()
    result = _serve_fails(tmp_path)
    _assert_clear_error(result, tmp_path)
    assert str(path) in result.stderr and "recorded but missing" in result.stderr


def test_a_blob_removed_while_running_is_a_clear_error(tmp_path: Path) -> None:
    server = start_serve("--data-dir", str(tmp_path))
    try:
        with api(server.base_url) as client:
            upload = client.post(
                "/files", files={"file": ("a.txt", b"alpha beta")}, data={"purpose": "assistants"}
            ).json()
            (tmp_path / "blobs" / upload["id"]).unlink()
            response = client.get(f"/files/{upload['id']}/content")
            assert response.status_code == 500
            error = response.json()["error"]
            assert error["code"] == "stored_data_missing" and upload["id"] in error["message"]
            store = client.post("/vector_stores", json={"file_ids": [upload["id"]]})
            assert store.json()["error"]["code"] == "stored_data_missing"
        errors = server.admin("GET", "/errors").json()["data"]
        assert len(errors) == 2 and all("StoredDataMissing" in e for e in errors)
    finally:
        server.stop()


def test_a_torn_last_log_line_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    ids = _populated(tmp_path, snapshot=False)
    log = tmp_path / "state.log"
    intact = log.read_bytes()
    log.write_bytes(intact + b'{"t":"vector_stores","p":{"vs_torn":{"id":')  # died mid-write
    server = start_serve("--data-dir", str(tmp_path))
    try:
        with api(server.base_url) as client:
            listed = {s["id"] for s in all_pages(client, "/vector_stores")}
            assert listed == set(ids)
            client.post("/vector_stores", json={"name": "after"}).raise_for_status()
    finally:
        server.stop()
    assert log.read_bytes().startswith(intact) and log.read_bytes().endswith(b"\n")
    assert b"vs_torn" not in log.read_bytes()


def test_what_a_crash_leaves_is_settled_at_startup(tmp_path: Path) -> None:
    """A crash between the steps of a write leaves names that say what happened: bytes
    staged but never recorded (``.part``) go, retired ones whose deletion was written
    (``.deleted``) go, a retired store's chunks go."""
    _populated(tmp_path, snapshot=False)
    (tmp_path / "blobs" / "file-x.part").write_bytes(b"half written")
    (tmp_path / "blobs" / "file-y.deleted").write_bytes(b"deleted, not yet purged")
    (tmp_path / "chunks" / "vs_gone.deleted").mkdir()
    (tmp_path / "chunks" / "vs_gone.deleted" / "file-y.json").write_text("[]")
    server = start_serve("--data-dir", str(tmp_path))
    try:
        check_disk(tmp_path, server.base_url)
    finally:
        server.stop()
    assert not list(tmp_path.rglob("*.part")) and not list(tmp_path.rglob("*.deleted"))


@pytest.mark.parametrize("stranger", ["blobs/file-orphan", "chunks/vs_gone/file-y.json"])
def test_bytes_no_record_refers_to_stop_startup_and_stay(tmp_path: Path, stranger: str) -> None:
    """Bytes under a recorded name that no record refers to mean the records lost
    something (an emptied or cut log): vsmock stops and names them; it deletes nothing."""
    _populated(tmp_path, snapshot=False)
    path = tmp_path / stranger
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"never recorded")
    before = _files(tmp_path)
    result = _serve_fails(tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(path) in result.stderr and "no record refers to it" in result.stderr
    assert "Traceback" not in result.stderr
    assert _files(tmp_path) == before, "a failed start must not touch the state"


# ------------------------------------------------------------------------------ uploads
def _rss_kb(pid: int, field_name: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise AssertionError(field_name)


def stream_upload(port: int, size: int, *, chunked: bool = True) -> tuple[int, dict[str, Any]]:
    """POST /v1/files with a ``size``-byte file streamed in 1 MB pieces over a raw socket
    (chunked, or with a Content-Length), reading the answer as soon as it comes."""
    boundary = "vsmockReliabilityBoundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + size + len(tail)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    sock.sendall(
        (
            f"POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n{framing}\r\n\r\n"
        ).encode()
    )

    def pieces() -> Iterator[bytes]:
        yield head
        block = b"0123456789abcdef" * 65536
        left = size
        while left > 0:
            yield block[: min(left, len(block))]
            left -= len(block)
        yield tail

    def send_all() -> None:
        try:
            for piece in pieces():
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered early and closed: expected for a 413
            pass

    sender = threading.Thread(target=send_all)
    sender.start()
    raw = b""
    while b"\r\n\r\n" not in raw:
        piece = sock.recv(65536)
        if not piece:
            break
        raw += piece
    head_part, _, rest = raw.partition(b"\r\n\r\n")
    status = int(head_part.split(b" ")[1])
    declared = int(re.search(rb"content-length: (\d+)", head_part, re.I).group(1))  # type: ignore[union-attr]
    while len(rest) < declared:
        piece = sock.recv(65536)
        if not piece:
            break
        rest += piece
    sock.close()
    sender.join(timeout=120)
    return status, json.loads(rest[:declared])


def _port(server: ServeProcess) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_max_upload_bytes_defaults_to_the_real_api_limit() -> None:
    from vsmock.cli import build_parser
    from vsmock.settings import Settings

    assert build_parser().parse_args(["serve"]).max_upload_bytes == 512 * 1024 * 1024
    assert Settings().max_upload_bytes == 512 * 1024 * 1024


def _settled(server: ServeProcess) -> int:
    """The server's RSS once the search engine has loaded (searching loads it at once)."""
    with api(server.base_url) as client:
        store = client.post("/vector_stores", json={}).json()["id"]
        client.post(f"/vector_stores/{store}/search", json={"query": "warm"}).raise_for_status()
        client.delete(f"/vector_stores/{store}").raise_for_status()
    return _rss_kb(server.process.pid)


@pytest.mark.parametrize("chunked", [True, False], ids=["streamed", "content-length"])
def test_an_upload_over_the_limit_is_a_413_without_holding_the_body(chunked: bool) -> None:
    server = start_serve("--api-key", KEY, "--max-upload-bytes", str(100 * 1024 * 1024))
    try:
        before = _settled(server)
        status, body = stream_upload(_port(server), 200 * 1024 * 1024, chunked=chunked)
        peak = _rss_kb(server.process.pid, "VmHWM")
        listed = httpx.get(server.base_url + "/files", headers={"Authorization": f"Bearer {KEY}"})
    finally:
        server.stop()
    print(
        f"200 MB upload, 100 MB limit ({'chunked' if chunked else 'Content-Length'}): "
        f"{status}, server RSS {before // 1024} MB before, peak {peak // 1024} MB"
    )
    assert status == 413, body
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert "104857600" in body["error"]["message"]
    assert listed.json()["data"] == []  # nothing was stored
    assert peak - before < 48 * 1024, "the server held the body in memory"


def test_a_large_upload_is_spooled_to_disk_not_held_in_memory(tmp_path: Path) -> None:
    size = 120 * 1024 * 1024
    server = start_serve("--api-key", KEY, "--data-dir", str(tmp_path))
    try:
        before = _settled(server)
        status, body = stream_upload(_port(server), size)
        peak = _rss_kb(server.process.pid, "VmHWM")
    finally:
        server.stop()
    print(f"120 MB upload: {status}, server RSS {before // 1024} MB before, peak {peak // 1024} MB")
    assert status == 200, body
    assert body["bytes"] == size
    assert (tmp_path / "blobs" / body["id"]).stat().st_size == size
    # The request journal keeps the first 8 MB of a body; the rest streams through.
    assert peak - before < 64 * 1024, "the server held the upload in memory"


HOSTILE_NAMES = [
    "../../etc/passwd",
    "/etc/shadow",
    "..",
    "a\x00b.txt",
    "x" * 5000 + ".txt",
    "résumé – naïve 📄.md",
    "名前.txt",
    'quote".txt',
    "back\\slash.txt",
    "tab\tand\x7fdel.txt",
]


def _multipart(filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body with the filename's bytes as they are (no client-side escaping)."""
    boundary = "hostileNameBoundary"
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_hostile_file_names_are_stored_safely_and_echoed_intact(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_serve("--api-key", KEY, "--data-dir", str(data_dir))
    try:
        with api(server.base_url) as client:
            uploaded = {}
            for i, name in enumerate(HOSTILE_NAMES):
                content = f"hostile name number {i}".encode()
                body, content_type = _multipart(name, content)
                response = client.post(
                    "/files", content=body, headers={"content-type": content_type}
                )
                assert response.status_code == 200, (name, response.text)
                assert response.json()["filename"] == name
                uploaded[response.json()["id"]] = (name, content)
            listed = {f["id"]: f["filename"] for f in client.get("/files").json()["data"]}
            for file_id, (name, content) in uploaded.items():
                assert listed[file_id] == name
                assert client.get(f"/files/{file_id}").json()["filename"] == name
                assert client.get(f"/files/{file_id}/content").content == content
    finally:
        server.stop()
    server = start_serve("--api-key", KEY, "--data-dir", str(data_dir))
    try:  # and they come back from disk the same
        with api(server.base_url) as client:
            for file_id, (name, _) in uploaded.items():
                assert client.get(f"/files/{file_id}").json()["filename"] == name
    finally:
        server.stop()
    # Blobs are named by file id: nothing was written under a client's name or elsewhere.
    assert {p.name for p in (data_dir / "blobs").iterdir()} == set(uploaded)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert not Path("/etc/passwd").read_text().startswith("hostile")


# ----------------------------------------------------------------------------- security
def _operations(spec_path: Path) -> list[tuple[str, str]]:
    spec = yaml.safe_load(spec_path.read_text())
    ids = {
        "vector_store_id": "vs_abc123",
        "file_id": "file-abc123",
        "batch_id": "vsfb_abc123",
        "response_id": "resp_abc123",
    }
    found = []
    for path, item in spec["paths"].items():
        for method in item:
            if method in ("get", "post", "delete"):
                found.append((method.upper(), path.format(**ids)))
    return found


API_OPERATIONS = _operations(ROOT / "openapi.yaml")
ADMIN_OPERATIONS = _operations(ROOT / "vsmock" / "contract" / "admin.yaml")


def test_every_contract_operation_is_checked() -> None:
    assert len(API_OPERATIONS) == 25
    assert len(ADMIN_OPERATIONS) >= 10


def test_missing_and_wrong_keys_are_refused_on_every_api_route() -> None:
    server = start_serve("--api-key", KEY)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for prefix in ("/v1", ""):
                for method, path in API_OPERATIONS:
                    url = prefix + path
                    for headers, code in [
                        ({}, None),
                        ({"Authorization": "Bearer"}, None),
                        ({"Authorization": "Basic c2stdGVzdDo="}, None),
                        ({"Authorization": "Bearer sk-wrong-key-0000"}, "invalid_api_key"),
                        ({"Authorization": f"Bearer {KEY}x"}, "invalid_api_key"),
                    ]:
                        response = client.request(method, url, headers=headers, json={})
                        assert response.status_code == 401, (method, url, headers, response.text)
                        error = response.json()["error"]
                        assert error["code"] == code and error["type"] == "invalid_request_error"
                        assert KEY + "x" not in error["message"]  # a key is never echoed whole
                    right = client.request(
                        method, url, headers={"Authorization": f"Bearer {KEY}"}, json={}
                    )
                    assert right.status_code != 401, (method, url)
    finally:
        server.stop()


def test_without_api_key_any_bearer_works_but_none_is_refused() -> None:
    server = start_serve()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            assert (
                client.get(
                    "/vector_stores", headers={"Authorization": "Bearer anything"}
                ).status_code
                == 200
            )
            assert client.get("/vector_stores").status_code == 401
            assert server.admin("GET", "/health").status_code == 200  # admin is open
    finally:
        server.stop()


def test_with_api_key_the_admin_routes_need_it_too() -> None:
    server = start_serve("--api-key", KEY)
    try:
        with httpx.Client(base_url=server.url + "/__admin", timeout=30) as client:
            for method, path in ADMIN_OPERATIONS:
                for headers in ({}, {"Authorization": "Bearer wrong"}):
                    response = client.request(method, path, headers=headers, json={})
                    assert response.status_code == 401, (method, path, headers)
                right = client.request(
                    method, path, headers={"Authorization": f"Bearer {KEY}"}, json={}
                )
                assert right.status_code != 401, (method, path, right.text)
    finally:
        server.stop()


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp, tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_the_server_binds_to_loopback_unless_told_otherwise() -> None:
    from vsmock.cli import build_parser

    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    server = start_serve()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        if os.path.exists("/proc/net/tcp"):
            assert _listening_addresses(_port(server)) == {"0100007F"}  # 127.0.0.1, nothing else
    finally:
        server.stop()


# ---------------------------------------------------------------------------- long runs
class InProcess:
    """The app driven directly through ASGI (no sockets): fast and measurable."""

    def __init__(self, **settings: Any):
        from vsmock.http.app import create_app

        self.app = create_app(**settings)

    async def call(
        self, method: str, path: str, body: bytes = b"", content_type: bytes | None = None
    ) -> tuple[int, bytes]:
        headers = [(b"host", b"local"), (b"authorization", f"Bearer {KEY}".encode())]
        if content_type:
            headers += [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "http",
            "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }  # fmt: skip
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status, parts = 0, []

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            else:
                parts.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(parts)


def _rss_self_kb() -> int:
    return _rss_kb(os.getpid())


def test_memory_stays_flat_over_10000_create_delete_cycles() -> None:
    # A small journal, so that its bound (it keeps the last N requests) is reached early.
    server = InProcess(journal_size=500)
    upload, upload_type = _multipart("cycle.txt", b"a small document for the long run")

    async def cycles(n: int) -> None:
        for i in range(n):
            status, body = await server.call(
                "POST", "/v1/vector_stores", b'{"name":"cycle"}', b"application/json"
            )
            assert status == 200, body
            store = json.loads(body)["id"]
            status, body = await server.call("DELETE", f"/v1/vector_stores/{store}")
            assert status == 200, body
            if i % 10 == 0:  # and some file uploads and deletes, through the spooling parser
                status, body = await server.call("POST", "/v1/files", upload, upload_type.encode())
                assert status == 200, body
                file_id = json.loads(body)["id"]
                assert (await server.call("DELETE", f"/v1/files/{file_id}"))[0] == 200

    def measure() -> tuple[int, int, int]:
        gc.collect()
        return _rss_self_kb(), len(gc.get_objects()), len(os.listdir("/proc/self/fd"))

    try:
        asyncio.run(cycles(1_000))  # warm-up: caches, the journal's bound, lazy imports
        rss0, objects0, fds0 = measure()
        started = time.perf_counter()
        asyncio.run(cycles(10_000))
        elapsed = time.perf_counter() - started
        rss1, objects1, fds1 = measure()
    finally:
        server.app.runtime.close()
    print(
        f"10,000 create/delete cycles (+1,000 uploads) in {elapsed:.1f} s: RSS {rss0 // 1024} -> "
        f"{rss1 // 1024} MB ({(rss1 - rss0) / 1024:+.1f} MB), Python objects {objects0} -> "
        f"{objects1} ({objects1 - objects0:+d}), open fds {fds0} -> {fds1}"
    )
    assert rss1 - rss0 < 16 * 1024, "memory grew over the cycles"
    assert objects1 - objects0 < 2_000, "objects accumulate over the cycles"
    assert fds1 <= fds0, "file descriptors leak"


def test_health_answers_while_a_large_file_is_ingested(tmp_path: Path) -> None:
    """Extracting, chunking and indexing a large file runs off the event loop (and its
    extraction before the backend's lock): the server keeps answering meanwhile."""
    rng = random.Random(SEED)
    big = " ".join(rng.choice(WORDS) for _ in range(1_500_000)).encode()  # ~10 MB
    server = start_serve("--api-key", KEY)
    try:
        with api(server.base_url) as client:
            file_id = client.post(
                "/files", files={"file": ("big.txt", big)}, data={"purpose": "assistants"}
            ).json()["id"]
            store = client.post("/vector_stores", json={"name": "big"}).json()["id"]
        events: list[str] = []

        def attach() -> None:
            with api(server.base_url) as client:
                response = client.post(f"/vector_stores/{store}/files", json={"file_id": file_id})
                assert response.status_code == 200, response.text
            events.append("attached")

        worker = threading.Thread(target=attach)
        worker.start()
        time.sleep(0.2)  # the attach is under way
        answered = 0
        with httpx.Client(base_url=server.url, timeout=30) as admin:
            while worker.is_alive() and answered < 5:
                health = admin.get("/__admin/health", headers={"Authorization": f"Bearer {KEY}"})
                assert health.status_code == 200
                events.append("health")
                answered += 1
        worker.join()
    finally:
        server.stop()
    print(f"health answered {answered} times while a 10 MB file was being attached")
    assert events[:1] == ["health"], events  # before the attach was done
