"""TinyDB, laid out so that a write costs what it changes, not what is stored.

TinyDB's stock write path rebuilds a whole table and hands the whole database
to the storage on every write. Two small extension points fix that:

* :class:`RecordTable`, a TinyDB ``Table`` whose document ids are the objects'
  own string ids, updates documents in place and tells the storage which
  documents an operation touched;
* :class:`LogStorage`, a TinyDB ``Storage`` that keeps the tables in memory and,
  with a directory, appends each operation's changed documents to a log
  (``state.log``), compacting it into a snapshot (``state.json``) once the log
  outgrows it. A write therefore costs O(documents changed), amortised.

Durability: an operation's log line is handed to the OS (one ``write`` call)
before the operation returns, so it survives ``kill -9`` of the server. With
``fsync=True`` it is also flushed to the disk, surviving power loss.

Recovery: a torn *last* line (the server died while writing it, before the
write was acknowledged) is dropped. Any other damage stops startup with an
error naming the file, so state is never lost silently.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

SNAPSHOT = "state.json"
LOG = "state.log"
FORMAT_VERSION = 1


class DamagedState(Exception):
    """The state on disk cannot be read back; names the file and the way out."""

    def __init__(self, path: Path, detail: str, *, data_dir: Path | None = None):
        data_dir = data_dir or path.parent
        super().__init__(
            f"vsmock: the state file {path} is damaged ({detail}). vsmock will not start on "
            f"damaged state, so that nothing is lost silently. Keep a copy of {data_dir} for "
            "inspection, then either restore it from a backup, or start on an empty state with "
            f"--data-dir pointing at a new directory (or delete {data_dir} to discard it)."
        )
        self.path = path


class _Tracked(MutableMapping[str, Any]):
    """A table's raw dict that remembers which documents an operation touched."""

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw
        self.touched: set[str] = set()
        self.cleared = False

    def __getitem__(self, key: str) -> Any:
        value = self.raw[key]
        self.touched.add(key)  # TinyDB's update() mutates documents in place
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self.touched.add(key)
        self.raw[key] = value

    def __delitem__(self, key: str) -> None:
        self.touched.add(key)
        del self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def clear(self) -> None:
        self.cleared = True
        self.raw.clear()


class RecordTable(Table):
    """A table keyed by the objects' own ids (``vs_…``, ``file-…``)."""

    document_id_class = str  # type: ignore[assignment]

    def _update_table(self, updater: Callable[[dict[Any, Any]], None]) -> None:
        storage = self._storage
        assert isinstance(storage, LogStorage)
        tables = storage.read()
        raw = tables.get(self.name)
        if raw is None:
            raw = tables[self.name] = {}
        tracked = _Tracked(raw)
        updater(tracked)  # type: ignore[arg-type]
        storage.record(self.name, tracked)
        storage.write(tables)
        self.clear_cache()

    # Plain record operations, expressed through TinyDB's own write path.
    def put(self, record: Mapping[str, Any]) -> None:
        """Insert or wholly replace the record whose id is ``record["id"]``."""
        doc_id = record["id"]

        def replace(table: dict[str, Any]) -> None:
            table[doc_id] = dict(record)

        self._update_table(replace)

    def fetch(self, doc_id: str) -> dict[str, Any] | None:
        """A copy of one record (TinyDB's ``get(doc_id=…)``, without its Document wrapper)."""
        raw = self._read_table().get(doc_id)
        return dict(raw) if raw is not None else None

    def peek(self, doc_id: str) -> Mapping[str, Any] | None:
        """One record as stored, not copied: for reading only."""
        raw: Mapping[str, Any] | None = self._read_table().get(doc_id)
        return raw

    def delete(self, doc_id: str) -> None:
        if doc_id in self._read_table():
            self.remove(doc_ids=[doc_id])  # type: ignore[list-item]

    def records(self) -> list[dict[str, Any]]:
        return [dict(raw) for raw in self._read_table().values()]


class LogStorage(Storage):
    """In-memory tables; with a directory, an append-only log of changed documents."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, *, fsync: bool = False):
        self._tables: dict[str, dict[str, Any]] = {}
        self._pending: list[dict[str, Any]] = []
        self._fsync = fsync
        self._dir = Path(directory) if directory is not None else None
        self._fd: int | None = None
        self._log_bytes = 0
        self._snapshot_bytes = 0
        if self._dir is not None:
            self._dir.mkdir(parents=True, exist_ok=True)
            self._load()
            self._fd = os.open(self._dir / LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    # -- TinyDB's storage interface -------------------------------------------------------
    def read(self) -> dict[str, dict[str, Any]]:
        return self._tables

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if data is not self._tables:  # drop_tables() hands over a fresh dict: a full rewrite
            self._tables = data
            self._pending.clear()
            self._snapshot()
            return
        if self._dir is None:  # in memory: nothing to log
            return
        if not self._pending:  # drop_table(): find the tables that went away
            for name in [n for n in self._known if n not in data]:
                self._pending.append({"drop": name})
                self._known.discard(name)
        self._append(self._pending)
        self._pending = []

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # -- change tracking ---------------------------------------------------------------------
    @property
    def _known(self) -> set[str]:
        known = getattr(self, "_known_tables", None)
        if known is None:
            known = self._known_tables = set(self._tables)
        return known

    def record(self, table: str, tracked: _Tracked) -> None:
        self._known.add(table)
        if self._dir is None:
            return
        entry: dict[str, Any] = {"t": table}
        if tracked.cleared:
            entry["clear"] = True
        puts = {k: tracked.raw[k] for k in tracked.touched if k in tracked.raw}
        dels = [k for k in tracked.touched if k not in tracked.raw]
        if puts:
            entry["p"] = puts
        if dels:
            entry["d"] = sorted(dels)
        self._pending.append(entry)

    # -- persistence -------------------------------------------------------------------------
    def _append(self, entries: list[dict[str, Any]]) -> None:
        if self._fd is None or not entries:
            return
        data = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in entries).encode()
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        if self._fsync:
            os.fsync(self._fd)
        self._log_bytes += len(data)
        if self._log_bytes > max(1 << 20, 2 * self._snapshot_bytes):
            self._snapshot()

    def _snapshot(self) -> None:
        if self._dir is None:
            return
        path = self._dir / SNAPSHOT
        tmp = path.with_suffix(".json.tmp")
        data = json.dumps({"version": FORMAT_VERSION, "tables": self._tables}).encode()
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(self._dir)
        # Replaying the old log over the new snapshot is harmless (puts and deletes of
        # whole documents are idempotent), so a crash between these steps loses nothing.
        with open(self._dir / LOG, "wb") as f:
            f.flush()
            os.fsync(f.fileno())
        self._snapshot_bytes = len(data)
        self._log_bytes = 0
        self._known_tables = set(self._tables)

    def _load(self) -> None:
        assert self._dir is not None
        snap = self._dir / SNAPSHOT
        if snap.exists():
            raw = snap.read_bytes()
            try:
                doc = json.loads(raw)
                if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
                    raise ValueError(f"unknown format version {doc.get('version')!r}")
                tables = doc["tables"]
                if not isinstance(tables, dict):
                    raise ValueError("'tables' is not an object")
            except (ValueError, KeyError) as exc:
                raise DamagedState(snap, str(exc)) from None
            self._tables = tables
            self._snapshot_bytes = len(raw)
        log = self._dir / LOG
        if not log.exists():
            return
        raw = log.read_bytes()
        lines = raw.split(b"\n")
        torn = lines.pop()  # after the last newline: empty, or a write cut short by a crash
        for number, line in enumerate(lines, start=1):
            try:
                self._replay(json.loads(line))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise DamagedState(log, f"line {number}: {exc}") from None
        if torn:
            # Never acknowledged: drop it so the next append starts on a fresh line.
            os.truncate(log, len(raw) - len(torn))
        self._log_bytes = len(raw) - len(torn)

    def _replay(self, entry: dict[str, Any]) -> None:
        if "drop" in entry:
            self._tables.pop(entry["drop"], None)
            return
        table = self._tables.setdefault(entry["t"], {})
        if entry.get("clear"):
            table.clear()
        for key, doc in entry.get("p", {}).items():
            if not isinstance(doc, dict):
                raise ValueError(f"document {key!r} is not an object")
            table[key] = doc
        for key in entry.get("d", []):
            table.pop(key, None)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Database(TinyDB):
    """TinyDB over :class:`LogStorage`, with :class:`RecordTable` tables."""

    table_class = RecordTable
    default_storage_class = LogStorage  # type: ignore[assignment]

    def table(self, name: str, **kwargs: Any) -> RecordTable:
        known = self._tables.get(name)
        if known is not None and not kwargs:  # the common case, on every operation
            return known  # type: ignore[return-value]
        table = super().table(name, cache_size=0, **kwargs)
        assert isinstance(table, RecordTable)
        return table

    def forget_table(self, name: str) -> None:
        """Drop a table and its cached handle."""
        if name in (self.storage.read() or {}):
            self.drop_table(name)
        self._tables.pop(name, None)
