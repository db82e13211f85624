"""The stateful backend's shared machinery: tables, orderings, counts, processing.

The backend never sees HTTP. Every public operation takes plain values, returns
plain dicts shaped like the API's objects, and raises :mod:`vsmock.errors`.
"""

from __future__ import annotations

import functools
import heapq
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..blobs import BlobStore
from ..clock import Clock
from ..database import Database, RecordTable
from ..errors import (
    AttachedFileNotFound,
    FileNotFound,
    VectorStoreExpired,
    VectorStoreFileNotFound,
    VectorStoreNotFound,
)
from ..ids import IdSource
from ..settings import Settings
from .ingestion import Outcome, failed, ingest
from .pagination import Ordering
from .processing import FAIL_MESSAGES, Processing, is_due

if TYPE_CHECKING:  # the search engine (numpy, scipy, scikit-learn) loads on first use
    from ..search.index import SearchIndex

F = TypeVar("F", bound=Callable[..., Any])

STATUSES = ("in_progress", "completed", "failed", "cancelled")
NO_FILES = Ordering()  # what an empty store shows; never written to
NO_COUNTS: Counter[str] = Counter()
DAY = 86_400


def operation(method: F) -> F:
    """Run a backend operation under the lock, after settling what time has made due."""

    @functools.wraps(method)
    def wrapper(self: BackendState, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self._sweep_expired_files()
            return method(self, *args, **kwargs)

    return cast(F, wrapper)


class BackendState:
    def __init__(self, settings: Settings, clock: Clock, ids: IdSource):
        self.settings = settings
        self.clock = clock
        self.ids = ids
        self.lock = threading.RLock()
        self.db = Database(settings.data_dir, fsync=settings.fsync)
        self.blobs = BlobStore(settings.data_dir, fsync=settings.fsync)
        self.processing = Processing(settings.processing_polls, settings.processing_seconds)
        self._init_memory()
        self._load()

    # -- in-memory views, rebuilt from the tables ------------------------------------------
    def _init_memory(self) -> None:
        self._seq = 0
        self._store_order = Ordering()
        self._file_order = Ordering()
        self._vsf_order: dict[str, Ordering] = {}
        self._counts: dict[str, Counter[str]] = {}
        self._usage: dict[str, int] = {}
        self._pending: dict[str, set[str]] = {}
        self._attachments: dict[str, set[str]] = {}
        self._indexes: dict[str, SearchIndex] = {}
        self._file_expiry: list[tuple[int, str]] = []

    def _load(self) -> None:
        for rec in self.files_table.records():
            self._file_order.add(rec["id"], rec["created_at"], rec["seq"])
            self._bump_seq(rec["seq"])
            if rec.get("expires_at") is not None:
                heapq.heappush(self._file_expiry, (rec["expires_at"], rec["id"]))
        for store in self.stores_table.records():
            vs_id = store["id"]
            self._track_store(store)
            for vsf in sorted(self.vsf_table(vs_id).records(), key=lambda r: r["seq"]):
                self._track_vsf(vsf)
                if vsf["status"] == "completed":
                    self._index_of(vs_id).add(
                        vsf["id"], self.blobs.read_chunks(vs_id, vsf["id"]), vsf["seq"]
                    )
            for batch in self.batch_table(vs_id).records():
                self._bump_seq(batch["seq"])
        # Bytes no record refers to (a crash between writing them and recording them).
        self.blobs.sweep(
            set(self._file_order.ids()),
            {(vs_id, f) for vs_id, order in self._vsf_order.items() for f in order.ids()},
        )

    def _bump_seq(self, seq: int) -> None:
        self._seq = max(self._seq, seq)

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def new_id(self, kind: str, taken: Callable[[str], bool]) -> str:
        """A fresh id from the seeded source, skipping any already in use (after a restart)."""
        while True:
            candidate = self.ids.new(kind)
            if not taken(candidate):
                return candidate

    def _track_store(self, store: dict[str, Any]) -> None:
        vs_id = store["id"]
        self._store_order.add(vs_id, store["created_at"], store["seq"])
        self._bump_seq(store["seq"])
        self._usage.setdefault(vs_id, 0)
        # The store's file order, status counts and pending files are made with its first
        # file: an empty store adds nothing for the garbage collector to walk.

    def _track_vsf(self, vsf: dict[str, Any]) -> None:
        vs_id, file_id = vsf["vector_store_id"], vsf["id"]
        order = self._vsf_order.get(vs_id)
        if order is None:
            order = self._vsf_order[vs_id] = Ordering()
        order.add(file_id, vsf["created_at"], vsf["seq"])
        self._bump_seq(vsf["seq"])
        counts = self._counts.get(vs_id)
        if counts is None:
            counts = self._counts[vs_id] = Counter()
        counts[vsf["status"]] += 1
        self._usage[vs_id] += vsf["usage_bytes"]
        if vsf["status"] == "in_progress":
            self._pending.setdefault(vs_id, set()).add(file_id)
        self._attachments.setdefault(file_id, set()).add(vs_id)

    def _untrack_vsf(self, vsf: dict[str, Any]) -> None:
        vs_id, file_id = vsf["vector_store_id"], vsf["id"]
        self._vsf_order[vs_id].discard(file_id)
        self._counts[vs_id][vsf["status"]] -= 1
        self._usage[vs_id] -= vsf["usage_bytes"]
        pending = self._pending.get(vs_id)
        if pending is not None:
            pending.discard(file_id)
        attached = self._attachments.get(file_id)
        if attached is not None:
            attached.discard(vs_id)
            if not attached:
                del self._attachments[file_id]

    def files_order(self, vs_id: str) -> Ordering:
        """The creation order of a store's files (empty until its first file)."""
        return self._vsf_order.get(vs_id) or NO_FILES

    def status_counts(self, vs_id: str) -> Counter[str]:
        """A store's files by status (read only; empty until its first file)."""
        return self._counts.get(vs_id) or NO_COUNTS

    def _index_of(self, vs_id: str) -> SearchIndex:
        index = self._indexes.get(vs_id)
        if index is None:
            from ..search.index import SearchIndex

            index = self._indexes[vs_id] = SearchIndex()
        return index

    # -- tables -------------------------------------------------------------------------------
    @property
    def files_table(self) -> RecordTable:
        return self.db.table("files")

    @property
    def stores_table(self) -> RecordTable:
        return self.db.table("vector_stores")

    def vsf_table(self, vs_id: str) -> RecordTable:
        return self.db.table(f"vector_store_files:{vs_id}")

    def batch_table(self, vs_id: str) -> RecordTable:
        return self.db.table(f"file_batches:{vs_id}")

    # -- lookups that raise the API's 404s ----------------------------------------------------
    def _store(self, vs_id: str) -> dict[str, Any]:
        store = self.stores_table.fetch(vs_id)
        if store is None:
            raise VectorStoreNotFound(vs_id)
        self._settle(vs_id)
        return store

    def _live_store(self, vs_id: str) -> dict[str, Any]:
        """A store that may still be written to and searched."""
        store = self._store(vs_id)
        if self._is_expired(store):
            raise VectorStoreExpired(vs_id)
        return store

    def _file(self, file_id: str) -> dict[str, Any]:
        rec = self.files_table.fetch(file_id)
        if rec is None:
            raise FileNotFound(file_id)
        return rec

    def _file_for_attach(self, file_id: str, param: str) -> dict[str, Any]:
        rec = self.files_table.fetch(file_id)
        if rec is None:
            raise AttachedFileNotFound(file_id, param)
        return rec

    def _ingest(self, file_rec: dict[str, Any], chunking: tuple[int, int]) -> Outcome:
        data = self.blobs.read_blob(file_rec["id"])
        return ingest(data, file_rec["filename"], *chunking)

    def _vsf(self, vs_id: str, file_id: str) -> dict[str, Any]:
        rec = self.vsf_table(vs_id).fetch(file_id)
        if rec is None:
            raise VectorStoreFileNotFound(file_id, vs_id)
        return rec

    # -- vector store status ------------------------------------------------------------------
    @staticmethod
    def _expires_at(store: Mapping[str, Any]) -> int | None:
        after = store.get("expires_after")
        if not after or store.get("last_active_at") is None:
            return None
        return int(store["last_active_at"] + after["days"] * DAY)

    def _is_expired(self, store: dict[str, Any]) -> bool:
        expires_at = self._expires_at(store)
        return expires_at is not None and self.clock.now() >= expires_at

    def _touch(self, store: dict[str, Any]) -> None:
        """Mark a store active: see the README for which operations do."""
        now = self.clock.now()
        if store.get("last_active_at") != now:  # a write only when the time shown changes
            store["last_active_at"] = now
            self.stores_table.put(store)

    def file_counts(self, counts: Counter[str]) -> dict[str, int]:
        result = {status: n if (n := counts[status]) > 0 else 0 for status in STATUSES}
        result["total"] = sum(result.values())
        return result

    # -- processing ---------------------------------------------------------------------------
    def _attach(
        self,
        store: dict[str, Any],
        file_id: str,
        *,
        attributes: dict[str, Any] | None,
        chunking: tuple[int, int],
        batch_id: str | None,
        outcome: Outcome,
    ) -> dict[str, Any]:
        """Create (or replace) the vector-store file for ``file_id`` in ``store``."""
        vs_id = store["id"]
        table = self.vsf_table(vs_id)
        previous = table.fetch(file_id)
        if previous is not None:
            self._drop_vsf(previous)
        forced = self.processing.take_failure()
        if forced is not None:
            outcome = failed(forced, FAIL_MESSAGES.get(forced, "The file could not be processed."))
        if outcome.status == "completed":
            self.blobs.write_chunks(vs_id, file_id, outcome.chunks)
        vsf: dict[str, Any] = {
            "id": file_id,
            "vector_store_id": vs_id,
            "created_at": self.clock.now(),
            "seq": self.next_seq(),
            "attributes": attributes,
            "chunking": list(chunking),
            "batch_id": batch_id,
            "status": "in_progress",
            "last_error": None,
            "usage_bytes": 0,
            "pending": None,
        }
        if self.processing.immediate:
            vsf.update(outcome.to_record())
        else:
            vsf["pending"] = {**self.processing.pending(self.clock.time()), **outcome.to_record()}
        table.put(vsf)
        self._track_vsf(vsf)
        if vsf["status"] == "completed":
            self._index_of(vs_id).add(file_id, outcome.chunks, vsf["seq"])
        return vsf

    def _drop_vsf(self, vsf: dict[str, Any]) -> None:
        vs_id, file_id = vsf["vector_store_id"], vsf["id"]
        self._untrack_vsf(vsf)
        self.vsf_table(vs_id).delete(file_id)
        self.blobs.delete_chunks(vs_id, file_id)
        index = self._indexes.get(vs_id)
        if index is not None:
            index.remove(file_id)

    def _set_status(self, vsf: dict[str, Any], status: str, **changes: Any) -> None:
        """Move a vector-store file to another status, keeping every count in step."""
        self._untrack_vsf(vsf)
        vsf.update(status=status, **changes)
        self.vsf_table(vsf["vector_store_id"]).put(vsf)
        self._track_vsf(vsf)

    def _finish(self, vsf: dict[str, Any]) -> None:
        pending = vsf["pending"]
        vs_id, file_id = vsf["vector_store_id"], vsf["id"]
        self._set_status(
            vsf,
            pending["status"],
            last_error=pending["last_error"],
            usage_bytes=pending["usage_bytes"],
            pending=None,
        )
        if vsf["status"] == "completed":
            self._index_of(vs_id).add(file_id, self.blobs.read_chunks(vs_id, file_id), vsf["seq"])

    def _poll(self, vsf: dict[str, Any]) -> None:
        """A status read of an in-progress file: count it, and finish the file when due."""
        pending = vsf.get("pending")
        if vsf["status"] != "in_progress" or pending is None:
            return
        pending["polls"] = max(pending["polls"] - 1, 0)
        if is_due(pending, self.clock.time()):
            self._finish(vsf)
        else:
            self.vsf_table(vsf["vector_store_id"]).put(vsf)

    def _settle(self, vs_id: str) -> None:
        """Finish the files of a store whose time has come (no reads needed)."""
        pending = self._pending.get(vs_id)
        if not pending:
            return
        now = self.clock.time()
        table = self.vsf_table(vs_id)
        for file_id in sorted(pending):
            vsf = table.fetch(file_id)
            if vsf is not None and vsf.get("pending") and is_due(vsf["pending"], now):
                self._finish(vsf)

    # -- Files API expiry ---------------------------------------------------------------------
    def _sweep_expired_files(self) -> None:
        now = self.clock.now()
        while self._file_expiry and self._file_expiry[0][0] <= now:
            _, file_id = heapq.heappop(self._file_expiry)
            rec = self.files_table.fetch(file_id)
            if rec is not None and rec.get("expires_at") is not None and rec["expires_at"] <= now:
                self._remove_file(rec)

    def _remove_file(self, rec: dict[str, Any]) -> None:
        """Delete a File and take it out of every vector store that holds it."""
        file_id = rec["id"]
        for vs_id in sorted(self._attachments.get(file_id, ())):
            vsf = self.vsf_table(vs_id).fetch(file_id)
            if vsf is not None:
                self._drop_vsf(vsf)
        self.files_table.delete(file_id)
        self._file_order.discard(file_id)
        self.blobs.delete_blob(file_id)

    # -- whole-state operations ---------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.db.drop_tables()
            self.db._tables.clear()
            self.blobs.clear()
            self.processing = Processing(
                self.settings.processing_polls, self.settings.processing_seconds
            )
            self._init_memory()

    def close(self) -> None:
        with self.lock:
            self.db.close()
            self.blobs.close()
