"""The TinyDB internals ``storage/tinydb_adapter.py`` relies on, exercised directly.

An upgrade of TinyDB that moves one of them fails here, by name: a ``Table``'s ``_name``
and constructor parameters, ``TinyDB._tables`` (its cache of table handles), and
``drop_tables()`` handing the storage a fresh dict. Each test also reads the records back
through a fresh database on the same directory, so "written" means "on disk".
"""

from __future__ import annotations

import inspect
from pathlib import Path

from tinydb import TinyDB
from tinydb.table import Table

from vsmock.storage.tinydb_adapter import Database, LogStorage, RecordTable


def test_table_constructor_and_name_are_what_record_table_passes_on() -> None:
    parameters = list(inspect.signature(Table.__init__).parameters)
    assert parameters[:3] == ["self", "storage", "name"]
    assert {"cache_size", "persist_empty"} <= set(parameters)
    table = RecordTable(LogStorage(), "vector_stores")
    assert table._name == "vector_stores" == table.name


def test_tables_are_cached_and_the_cache_is_tinydbs(tmp_path: Path) -> None:
    assert isinstance(TinyDB(storage=_MemoryOnly)._tables, dict)
    db = Database(tmp_path)
    first = db.table("files")
    assert db.table("files") is first
    assert db._tables["files"] is first
    db.apply({"files": ({"file-1": {"id": "file-1"}}, [])}, drops=["files"])
    assert "files" not in db._tables  # a dropped table's handle goes with it
    db.close()


def test_drop_tables_hands_the_storage_a_fresh_dict_and_the_reset_is_on_disk(
    tmp_path: Path,
) -> None:
    db = Database(tmp_path)
    db.apply({"files": ({"file-1": {"id": "file-1"}}, []), "vs": ({"vs_1": {"id": "vs_1"}}, [])})
    storage = db.storage
    assert isinstance(storage, LogStorage)
    before = storage.tables
    db.clear()
    assert storage.tables is not before and storage.tables == {}
    assert db.table_names() == []
    db.close()
    again = Database(tmp_path)
    assert again.table_names() == []
    again.close()


def test_records_written_are_read_back_after_a_restart(tmp_path: Path) -> None:
    db = Database(tmp_path)
    db.apply({"files": ({"file-1": {"id": "file-1", "bytes": 3}}, [])})
    db.apply({"files": ({"file-2": {"id": "file-2", "bytes": 4}}, ["file-1"])})
    db.close()
    again = Database(tmp_path)
    table = again.table("files")
    assert table.ids() == ["file-2"]
    assert dict(table.peek("file-2") or {}) == {"id": "file-2", "bytes": 4}
    again.close()


class _MemoryOnly(LogStorage):
    def __init__(self) -> None:
        super().__init__(None)
