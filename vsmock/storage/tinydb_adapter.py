"""TinyDB, laid out so that a write costs what it changes and an operation is one log line.

TinyDB internals used here, and only here (``tests/storage/test_tinydb_adapter.py`` fails
loudly when an upgrade moves one): a ``Table``'s ``_name`` attribute and its constructor's
parameters (``storage, name, cache_size, persist_empty``); ``TinyDB._tables``, its cache of
table handles; and ``TinyDB.drop_tables()`` handing the storage a fresh dict.

TinyDB's stock write path rebuilds a whole table and hands the whole database to the
storage on every write. Two small extension points fix that:

* :class:`RecordTable`, a TinyDB ``Table`` whose document ids are the objects' own string
  ids, updates documents in place and tells the storage which documents a write touched;
* :class:`LogStorage`, a TinyDB ``Storage`` that keeps the tables in memory and, with a
  directory, appends each operation's changed documents to a log (``state.log``) as ONE
  line, compacting the log into a snapshot (``state.json``) once it outgrows it. A write
  therefore costs O(documents changed), amortised, and an operation is atomic on disk: a
  line cut short by a crash is dropped whole.

:meth:`Database.apply` is the one way records change: the backend hands it every record
an operation changed (see ``backend/changes.py``).

On-disk format (version 2):

* ``state.log``: a header line ``{"vsmock": "state-log", "version": 2, "generation": G}``,
  then one line per operation, a JSON array of entries ``{"t": table, "p": {id: doc},
  "d": [id, ...]}`` or ``{"drop": table}``. The header is written with the file (a new log
  is written beside and renamed into place), so a log without its header was damaged.
* ``state.json``: ``{"version": 2, "generation": G, "tables": {...}}``; the log that
  follows it carries the same generation. Compaction writes snapshot G+1, then log G+1; a
  crash between the two leaves log G, whose operations snapshot G+1 already holds.

Version 1 (no header, one entry per line, no generation) is read and rewritten as
version 2 on the first start.

Durability: an operation's log line is handed to the OS (one ``write`` call) before the
operation returns, so it survives ``kill -9`` of the server. With ``fsync=True`` it is also
flushed to the disk, surviving power loss.

Recovery: a torn *last* line (the server died while writing it, before the write was
acknowledged) is dropped. Any other damage, including a document that fails the
backend's record check, stops startup with an error naming the file, so state is never
lost silently.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from vsmock.contract.json_types import JsonObject

SNAPSHOT = "state.json"
LOG = "state.log"
FORMAT_VERSION = 2
HEADER_KIND = "vsmock-state-log"
COMPACT_AT = 1 << 20  # bytes of log, at least; else twice the snapshot

# (table, document id, document) -> what is wrong with it, or None
RecordCheck = Callable[[str, str, Any], "str | None"]


class DamagedState(Exception):
    """The state on disk cannot be read back; names the file and the way out."""

    def __init__(self, path: Path, detail: str, *, data_dir: Path | None = None):
        data_dir = data_dir or path.parent
        what = "data directory" if path == data_dir else "state file"
        super().__init__(
            f"vsmock: the {what} {path} is damaged ({detail}). vsmock will not start on "
            f"damaged state, so that nothing is lost silently. Keep a copy of {data_dir} for "
            "inspection, then either restore it from a backup, or start on an empty state with "
            f"--data-dir pointing at a new directory (or delete {data_dir} to discard it)."
        )
        self.path = path


# One operation's changes to one table: (documents put, ids deleted).
TableChanges = tuple[dict[str, JsonObject], list[str]]


_EMPTY: JsonObject = {}  # an absent table's documents (never written to)


class RecordTable(Table):
    """A table keyed by the objects' own ids (``vs_…``, ``file-…``).

    Reads hand out read-only views of the stored documents. The one write is
    :meth:`write`, called by :meth:`Database.apply`: TinyDB's ``_update_table`` would
    rebuild the table and hand the whole database to the storage, so the storage is told
    exactly which documents changed instead.
    """

    document_id_class = str  # type: ignore[assignment]

    def __init__(
        self, storage: Storage, name: str, cache_size: int = 0, persist_empty: bool = False
    ):
        super().__init__(storage, name, cache_size=cache_size, persist_empty=persist_empty)
        assert isinstance(storage, LogStorage)
        self._log = storage

    def write(self, puts: dict[str, JsonObject], deletes: list[str]) -> None:
        storage = self._log
        tables = storage.read()
        raw = tables.get(self.name)
        if raw is None:
            raw = tables[self.name] = {}
        raw.update(puts)
        for key in deletes:
            raw.pop(key, None)
        storage.record(self.name, puts, deletes)
        self.clear_cache()

    def _raw(self) -> JsonObject:
        """The stored documents: TinyDB's ``_read_table``, minus its layers (every read of
        a record comes here)."""
        return self._log.tables.get(self._name, _EMPTY)

    def peek(self, doc_id: str) -> Mapping[str, Any] | None:
        """One record as stored, read-only (not copied)."""
        raw = self._raw().get(doc_id)
        return MappingProxyType(raw) if raw is not None else None

    def view(self, doc_id: str) -> Mapping[str, Any]:
        """One record known to exist (an id this table just listed), read-only."""
        return MappingProxyType(self._raw()[doc_id])

    def stored(self, doc_id: str) -> JsonObject | None:
        """The stored document itself, for the backend's change tracking only: it is never
        mutated, only replaced by :meth:`Database.apply`."""
        doc: JsonObject | None = self._raw().get(doc_id)
        return doc

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._raw()

    def ids(self) -> list[str]:
        return list(self._raw())

    def values(self) -> list[Mapping[str, Any]]:
        """Every record, read-only, in insertion order."""
        return [MappingProxyType(doc) for doc in self._raw().values()]

    def size(self) -> int:
        return len(self._raw())


class LogStorage(Storage):
    """In-memory tables; with a directory, an append-only log of changed documents."""

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        fsync: bool = False,
        check: RecordCheck | None = None,
    ):
        self._tables: dict[str, JsonObject] = {}
        self._pending: list[JsonObject] = []
        self._held = 0
        self._fsync = fsync
        self._check = check
        self._dir = Path(directory) if directory is not None else None
        self._fd: int | None = None
        self._log_bytes = 0
        self._snapshot_bytes = 0
        self._generation = 0
        self._torn_at: int | None = None  # where a torn last line starts, dropped on 1st write
        if self._dir is not None:
            self._dir.mkdir(parents=True, exist_ok=True)
            legacy = self._load()
            if legacy:
                self._compact()  # rewritten in the current format before anything else

    # -- TinyDB's storage interface -------------------------------------------------------
    def read(self) -> dict[str, JsonObject]:
        return self._tables

    @property
    def tables(self) -> dict[str, JsonObject]:
        """Every table's documents, as stored (for reading)."""
        return self._tables

    def write(self, data: dict[str, JsonObject]) -> None:
        """TinyDB's whole-database write: only ``drop_tables()`` (a reset) comes here, with a
        fresh dict. Every other change arrives through :meth:`record` and :meth:`drop`."""
        self._tables = data
        self._pending.clear()
        self._compact()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # -- change tracking ---------------------------------------------------------------------
    def record(self, table: str, puts: JsonObject, deletes: list[str]) -> None:
        """Documents of ``table`` just replaced (``puts``) or deleted: one log entry."""
        if self._dir is None:
            return
        entry: JsonObject = {"t": table}
        if puts:
            entry["p"] = puts
        if deletes:
            entry["d"] = sorted(deletes)
        self._pending.append(entry)
        if not self._held:
            self._flush()

    def drop(self, table: str) -> None:
        """Remove ``table`` with its documents."""
        if self._tables.pop(table, None) is None or self._dir is None:
            return
        self._pending.append({"drop": table})
        if not self._held:
            self._flush()

    def hold(self) -> None:
        """Until :meth:`release`, every change goes into one log line."""
        self._held += 1

    def release(self) -> None:
        self._held -= 1
        if not self._held:
            self._flush()

    # -- persistence -------------------------------------------------------------------------
    def _flush(self) -> None:
        entries, self._pending = self._pending, []
        if self._dir is None or not entries:
            return
        line = json.dumps(entries, separators=(",", ":")).encode() + b"\n"
        self._append(line)
        if self._log_bytes > max(COMPACT_AT, 2 * self._snapshot_bytes):
            self._compact()

    def _append(self, data: bytes) -> None:
        assert self._dir is not None
        if self._fd is None:
            if self._torn_at is not None:  # never acknowledged: the next line starts clean
                os.truncate(self._dir / LOG, self._torn_at)
                self._torn_at = None
            self._fd = os.open(self._dir / LOG, os.O_WRONLY | os.O_APPEND)
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        if self._fsync:
            os.fsync(self._fd)
        self._log_bytes += len(data)

    def _compact(self) -> None:
        """Write the tables as snapshot G+1, then start log G+1 (see the module docstring)."""
        if self._dir is None:
            return
        generation = self._generation + 1
        data = json.dumps(
            {"version": FORMAT_VERSION, "generation": generation, "tables": self._tables},
            separators=(",", ":"),
        ).encode()
        _replace(self._dir / SNAPSHOT, data)
        self.close()
        header = _header(generation)
        _replace(self._dir / LOG, header)
        _fsync_dir(self._dir)
        self._torn_at = None
        self._generation = generation
        self._snapshot_bytes = len(data)
        self._log_bytes = len(header)

    def _damaged(self, path: Path, detail: str) -> DamagedState:
        assert self._dir is not None
        return DamagedState(path, detail, data_dir=self._dir)

    def _load(self) -> bool:
        """Read snapshot and log; True when they are in the legacy (version 1) format."""
        assert self._dir is not None
        snap, log = self._dir / SNAPSHOT, self._dir / LOG
        version = 0
        if _exists(snap):
            version = self._load_snapshot(snap)
        if not _exists(log):
            if version:
                raise self._damaged(log, "it is missing, but state.json needs the log after it")
            # A new directory: start log 0.
            _replace(log, _header(0))
            self._log_bytes = len(_header(0))
            return False
        raw = _read(log, self._damaged)
        lines = raw.split(b"\n")
        torn = lines.pop()  # after the last newline: empty, or a write cut short by a crash
        legacy = False
        skip = False
        first = 1
        header = _parse_header(lines[0]) if lines else None
        if header is None:
            if not lines or version == FORMAT_VERSION:
                raise self._damaged(log, "it has no header line: it was emptied or cut")
            legacy = True  # version 1: no header, one entry per line
        else:
            first = 2
            generation = header.get("generation")
            if version == 0 and generation != 0:
                raise self._damaged(
                    self._dir / SNAPSHOT,
                    f"it is missing, but state.log (generation {generation}) follows one",
                )
            if version == FORMAT_VERSION:
                if generation == self._generation - 1:
                    skip = True  # a compaction stopped between its two steps: all in the snapshot
                elif generation != self._generation:
                    raise self._damaged(
                        log,
                        f"its generation {generation!r} does not follow state.json's "
                        f"{self._generation}",
                    )
            elif version == 1:
                raise self._damaged(log, "a version 1 snapshot cannot have a version 2 log")
        for number, line in enumerate(lines[first - 1 :], start=first):
            if skip:
                break
            try:
                entries = json.loads(line)
                if legacy:
                    entries = [entries]
                if not isinstance(entries, list):
                    raise ValueError("not a list of entries")
                for entry in entries:
                    self._replay(entry)
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                raise self._damaged(log, f"line {number}: {_describe(exc)}") from None
        if torn:
            self._torn_at = len(raw) - len(torn)
        self._log_bytes = len(raw) - len(torn)
        return legacy or version == 1

    def _load_snapshot(self, snap: Path) -> int:
        raw = _read(snap, self._damaged)
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict):
                raise ValueError(f"it holds {type(doc).__name__}, not an object")
            version = doc.get("version")
            if version not in (1, FORMAT_VERSION):
                raise ValueError(f"unknown format version {version!r}")
            tables = doc.get("tables")
            if not isinstance(tables, dict):
                raise ValueError("'tables' is not an object")
            generation = doc.get("generation", 0) if version == FORMAT_VERSION else 0
            valid = isinstance(generation, int) and not isinstance(generation, bool)
            if version == FORMAT_VERSION and not (valid and generation >= 1):
                raise ValueError(f"invalid generation {generation!r}")
            for name, table in tables.items():
                if not isinstance(table, dict):
                    raise ValueError(f"table {name!r} is not an object")
                for key, record in table.items():
                    self._check_doc(name, key, record)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise self._damaged(snap, _describe(exc)) from None
        self._tables = tables
        self._generation = generation
        self._snapshot_bytes = len(raw)
        return int(version)

    def _check_doc(self, table: str, key: str, doc: Any) -> None:
        if not isinstance(doc, dict):
            raise ValueError(f"document {key!r} of {table!r} is not an object")
        if self._check is not None:
            problem = self._check(table, key, doc)
            if problem is not None:
                raise ValueError(f"document {key!r} of {table!r}: {problem}")

    def _replay(self, entry: Any) -> None:
        if not isinstance(entry, dict):
            raise ValueError("an entry is not an object")
        if "drop" in entry:
            self._tables.pop(entry["drop"], None)
            return
        name = entry["t"]
        if not isinstance(name, str):
            raise ValueError("a table name is not a string")
        table = self._tables.setdefault(name, {})
        if entry.get("clear"):
            table.clear()
        puts = entry.get("p", {})
        if not isinstance(puts, dict):
            raise ValueError("'p' is not an object")
        for key, doc in puts.items():
            self._check_doc(name, key, doc)
            table[key] = doc
        dels = entry.get("d", [])
        if not isinstance(dels, list):
            raise ValueError("'d' is not a list")
        for key in dels:
            table.pop(key, None)


def _header(generation: int) -> bytes:
    return (
        json.dumps(
            {"vsmock": HEADER_KIND, "version": FORMAT_VERSION, "generation": generation},
            separators=(",", ":"),
        ).encode()
        + b"\n"
    )


def _parse_header(line: bytes) -> JsonObject | None:
    try:
        doc = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if isinstance(doc, dict) and doc.get("vsmock") == HEADER_KIND:
        return doc
    return None


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _read(path: Path, damaged: Callable[[Path, str], DamagedState]) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:  # a directory in its place, no permission, an I/O error
        raise damaged(path, f"it cannot be read: {exc.strerror or exc}") from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply to be a vsmock record"
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    return str(exc) or type(exc).__name__


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` as ``path`` all at once: a temporary file, flushed, renamed."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


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

    def apply(self, changes: Mapping[str, TableChanges], drops: Sequence[str] = ()) -> None:
        """One operation's changes, as one log line: per table, the documents it puts and
        the ids it deletes; then every table in ``drops`` dropped."""
        storage = self.storage
        assert isinstance(storage, LogStorage)
        storage.hold()
        try:
            for name, (puts, deletes) in changes.items():
                self.table(name).write(puts, deletes)
            for name in drops:
                storage.drop(name)
                self._tables.pop(name, None)
        finally:
            storage.release()

    def table_names(self) -> list[str]:
        return list(self.storage.read() or {})

    def clear(self) -> None:
        """Drop every table (``reset``)."""
        self.drop_tables()
        self._tables.clear()
