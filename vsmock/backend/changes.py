"""One operation's changes to the stored records: the backend's single write path.

Stored records are never mutated in place. An operation asks :class:`Changes` for a
record it may change (:meth:`~Changes.get`), which hands out a private working copy (the
same copy for every later ``get`` of that record in the operation), or stages a new
record (:meth:`~Changes.add`), a removal (:meth:`~Changes.remove`) or a whole table's
removal (:meth:`~Changes.drop`).

:meth:`~Changes.flush` compares every working copy with the stored record and writes
every difference, as one log line, through ``Database.apply``; then it hands each change
to ``on_change``, which keeps the derived in-memory views (orderings, counts, usage,
pending files, attachments, search indexes) in step. No caller decides whether a record
"needs" writing: whatever differs from what is stored is written, whatever does not is
not. The operation decorator (``state.operation``) flushes when an operation ends, so a
change cannot be forgotten; an operation flushes earlier when its answer reads the
views (``BackendState.commit``).

Work on files outside the database (file bytes, chunk texts) is staged before the flush
and finished after it (:meth:`~Changes.after_flush`), or undone when the operation fails
(:meth:`~Changes.on_abort`): see ``blobs.py`` for the naming that makes a crash between
the steps recoverable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vsmock.contract.json_types import JsonObject
from vsmock.storage.tinydb_adapter import Database, TableChanges

Record = JsonObject
OnChange = Callable[[str, Record | None, Record | None], None]


_NESTED = (dict, list)


def clone(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars)."""
    kind = type(value)
    if kind is dict:
        return {k: clone(v) if type(v) in _NESTED else v for k, v in value.items()}
    if kind is list:
        return [clone(v) if type(v) in _NESTED else v for v in value]
    return value


class Changes:
    def __init__(self, db: Database, on_change: OnChange):
        self._db = db
        self._on_change = on_change
        # (table, id) -> [the record as stored (None: absent), the working copy (None: removed)]
        self._work: dict[tuple[str, str], list[Record | None]] = {}
        self._drops: list[str] = []
        self._after: list[Callable[[], None]] = []
        self._abort: list[Callable[[], None]] = []

    # -- staging --------------------------------------------------------------------------
    def get(self, table: str, key: str) -> Record | None:
        """The working copy of a stored record (None if there is none): change it freely."""
        entry = self._work.get((table, key))
        if entry is not None:
            return entry[1]
        stored = self._db.table(table).stored(key)
        if stored is None:
            return None
        work: Record = clone(stored)
        self._work[(table, key)] = [stored, work]
        return work

    def add(self, table: str, record: Record) -> Record:
        """Stage ``record`` as the whole new version of ``record["id"]`` in ``table``."""
        key = (table, record["id"])
        entry = self._work.get(key)
        if entry is None:
            self._work[key] = [self._db.table(table).stored(record["id"]), record]
        else:
            entry[1] = record
        return record

    def remove(self, table: str, key: str) -> None:
        entry = self._work.get((table, key))
        if entry is None:
            self._work[(table, key)] = [self._db.table(table).stored(key), None]
        else:
            entry[1] = None

    def drop(self, table: str) -> None:
        """Remove ``table`` with every record in it."""
        self._drops.append(table)

    def after_flush(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the changes are written (finishing work on files)."""
        self._after.append(action)

    def on_abort(self, action: Callable[[], None]) -> None:
        """Run ``action`` if the operation fails before its changes are written."""
        self._abort.append(action)

    # -- writing --------------------------------------------------------------------------
    def flush(self) -> None:
        """Write every staged difference (one log line), then update the views."""
        dropped = set(self._drops)
        tables: dict[str, TableChanges] = {}
        notes: list[tuple[str, Record | None, Record | None]] = []
        for table in self._drops:
            for record in self._db.table(table).values():
                notes.append((table, dict(record), None))
        for (table, key), entry in self._work.items():
            stored, work = entry
            if table in dropped or work == stored:
                continue
            written = clone(work) if work is not None else None
            puts, deletes = tables.get(table) or tables.setdefault(table, ({}, []))
            if written is None:
                deletes.append(key)
            else:
                puts[key] = written
            notes.append((table, stored, written))
            entry[0] = written  # a later change to the working copy is a new difference
        if tables or self._drops:
            self._db.apply(tables, self._drops)
        self._drops = []
        self._abort = []  # what is written is no longer undone
        for table, old, new in notes:
            self._on_change(table, old, new)
        if self._after:
            after, self._after = self._after, []
            for action in after:
                action()

    def abort(self) -> None:
        """Forget every staged change and undo the staged work on files."""
        self._work.clear()
        self._drops = []
        undo, self._abort, self._after = self._abort, [], []
        for action in reversed(undo):
            action()
