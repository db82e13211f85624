"""The stateful backend's shared machinery: records, derived views, processing.

The backend never sees HTTP. Every public operation takes plain values, returns plain
dicts shaped like the API's objects, and raises :mod:`vsmock.errors`.

State changes are explicit. Each operation runs under the lock with its own
:class:`~.changes.Changes`: it reads the records it may change as working copies
(``self.changes.get``), stages new ones and removals, and the changes are written when
it ends (or earlier, at ``self.commit()``, when its answer reads the derived views).
The derived views below are updated in one place, :meth:`BackendState._on_change`,
from each written change, and built by the same function at startup.
"""

from __future__ import annotations

import functools
import heapq
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from vsmock.backend import records
from vsmock.backend.changes import Changes, Record
from vsmock.backend.limits import check_chunking
from vsmock.backend.pagination import Ordering
from vsmock.backend.processing import FAIL_MESSAGES, Processing, is_due
from vsmock.backend.records import (
    FILES,
    META,
    STORES,
    batch_table,
    has_chunks,
    id_position_key,
    vsf_table,
)
from vsmock.contract.json_types import JsonObject
from vsmock.control.clock import Clock
from vsmock.control.ids import OBJECT_KINDS, IdSource
from vsmock.control.replies import ScriptedReplies
from vsmock.errors import (
    AttachedFileNotFound,
    FileNotFound,
    InvalidRequest,
    StateWasReset,
    StoredDataMissing,
    VectorStoreExpired,
    VectorStoreFileNotFound,
    VectorStoreNotFound,
)
from vsmock.ingest.extraction import file_kind
from vsmock.ingest.outcome import Outcome, failed, ingest
from vsmock.settings import Settings
from vsmock.storage.blobs import BlobMissing, BlobStore, Findings
from vsmock.storage.tinydb_adapter import DamagedState, Database, RecordTable

if TYPE_CHECKING:  # the search engine loads on first use (or from the preload)
    from vsmock.search.index import SearchIndex

F = TypeVar("F", bound=Callable[..., Any])

STATUSES = ("in_progress", "completed", "failed", "cancelled")
# Operations that may take long: kept off the event loop (see BackendState.runs_long).
LONG_OPERATIONS = frozenset({"create_file", "download_file"})  # a File's bytes, of any size
LONG_INGEST_BYTES = 256 * 1024  # plain text ingested at once: well under a millisecond
QUICK_KINDS = frozenset({"text", "json", "csv"})  # extracted without parsing a document
LONG_QUERY_CHARS = 1_000
LONG_SEARCH_CHUNKS = 20_000
# Ingestion done before an operation takes the lock: (file id, chunking) -> outcome.
Prepared = dict[tuple[str, tuple[int, int]], Outcome]
NO_FILES = Ordering()  # what an empty store shows; never written to
NO_COUNTS: Counter[str] = Counter()
DAY = 86_400
SHOWN_PATHS = 5  # paths named in a damaged-state message


# The state an API request was admitted against (``BackendState.epoch`` then), set by the
# HTTP layer as a request arrives; unset (None) for calls that are no request's. A reset
# begins a new epoch: a request admitted before it and still in flight (one its client gave
# up on, in a test that has ended) is refused instead of writing into the state after it.
ADMITTED_EPOCH: ContextVar[int | None] = ContextVar("vsmock_admitted_epoch", default=None)


def operation(method: F) -> F:
    """Run a backend operation under the lock with its own :class:`Changes`, after settling
    what time has made due, and write its changes when it ends (or forget them if it
    fails). A request admitted before the last reset is refused (:data:`ADMITTED_EPOCH`)."""

    @functools.wraps(method)
    def wrapper(self: BackendState, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            if self._changes is not None:  # an operation inside another: one unit of work
                return method(self, *args, **kwargs)
            if self.reset_since_admitted():
                raise StateWasReset()
            changes = self._changes = Changes(self.db, self._on_change)
            try:
                if self._sweep_expired_files():
                    changes.flush()  # the operation sees the world without them
                result = method(self, *args, **kwargs)
                changes.flush()
            except BaseException:
                changes.abort()
                raise
            finally:
                self._changes = None
            return result

    return cast(F, wrapper)


class BackendState:
    def __init__(self, settings: Settings, clock: Clock, ids: IdSource):
        self.settings = settings
        self.clock = clock
        self.ids = ids
        self.lock = threading.RLock()
        self.epoch = 0  # how many resets this state has had (see ADMITTED_EPOCH)
        self.replies = ScriptedReplies()
        self._changes: Changes | None = None
        self.db = Database(settings.data_dir, fsync=settings.fsync, check=records.check)
        try:
            self.blobs = BlobStore(settings.data_dir, fsync=settings.fsync)
            self.processing = Processing(settings.processing_polls, settings.processing_seconds)
            self._init_views()
            self._load()
        except BaseException:
            self.db.close()
            raise

    # -- the running operation's changes -----------------------------------------------------
    @property
    def changes(self) -> Changes:
        changes = self._changes
        assert changes is not None, "state changes only inside an @operation"
        return changes

    def commit(self) -> None:
        """Write the changes so far, so that the views (counts, orders, indexes) show them."""
        self.changes.flush()

    # -- derived views: built from the records, updated from each change ------------------------
    def _init_views(self) -> None:
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

    def _on_change(self, table: str, old: Mapping[str, Any] | None, new: Record | None) -> None:
        """The one place the views follow the records: ``old`` became ``new`` in ``table``."""
        kind = table.partition(":")[0]
        if kind == records.VECTOR_STORE_FILES:
            self._vsf_changed(old, new)
        elif kind == FILES:
            self._file_changed(old, new)
        elif kind == STORES:
            self._store_changed(old, new)
        elif kind in (records.FILE_BATCHES, records.RESPONSES) and new is not None:
            self._bump_seq(new["seq"])

    def _file_changed(self, old: Mapping[str, Any] | None, new: Record | None) -> None:
        if new is None:
            if old is not None:
                self._file_order.discard(old["id"])
            return
        if old is None:
            self._file_order.add(new["id"], new["created_at"], new["seq"])
            self._bump_seq(new["seq"])
            if new["expires_at"] is not None:
                heapq.heappush(self._file_expiry, (new["expires_at"], new["id"]))

    def _store_changed(self, old: Mapping[str, Any] | None, new: Record | None) -> None:
        if new is None:
            if old is not None:
                vs_id = old["id"]
                self._store_order.discard(vs_id)
                for view in (self._vsf_order, self._counts, self._usage, self._pending):
                    view.pop(vs_id, None)
                self._indexes.pop(vs_id, None)
            return
        if old is None:
            self._store_order.add(new["id"], new["created_at"], new["seq"])
            self._bump_seq(new["seq"])
            # The store's file order, status counts and pending files are made with its
            # first file: an empty store adds nothing for the garbage collector to walk.
            self._usage.setdefault(new["id"], 0)

    def _vsf_changed(self, old: Mapping[str, Any] | None, new: Record | None) -> None:
        same = old is not None and new is not None and old["seq"] == new["seq"]
        if old is not None:
            self._untrack_vsf(old, keep_order=same)
            if old["status"] == "completed" and not (same and new and new["status"] == "completed"):
                index = self._indexes.get(old["vector_store_id"])
                if index is not None:
                    index.remove(old["id"])
        if new is not None:
            self._track_vsf(new, keep_order=same)
            if new["status"] == "completed" and not (
                same and old is not None and old["status"] == "completed"
            ):
                vs_id, file_id = new["vector_store_id"], new["id"]
                chunks = self._chunks_of(vs_id, file_id)
                self._index_of(vs_id).add(file_id, chunks, new["seq"])

    def _track_vsf(self, vsf: Mapping[str, Any], *, keep_order: bool = False) -> None:
        vs_id, file_id = vsf["vector_store_id"], vsf["id"]
        if not keep_order:
            order = self._vsf_order.get(vs_id)
            if order is None:
                order = self._vsf_order[vs_id] = Ordering()
            order.add(file_id, vsf["created_at"], vsf["seq"])
            self._bump_seq(vsf["seq"])
        counts = self._counts.get(vs_id)
        if counts is None:
            counts = self._counts[vs_id] = Counter()
        counts[vsf["status"]] += 1
        self._usage[vs_id] = self._usage.get(vs_id, 0) + vsf["usage_bytes"]
        if vsf["status"] == "in_progress":
            self._pending.setdefault(vs_id, set()).add(file_id)
        self._attachments.setdefault(file_id, set()).add(vs_id)

    def _untrack_vsf(self, vsf: Mapping[str, Any], *, keep_order: bool = False) -> None:
        vs_id, file_id = vsf["vector_store_id"], vsf["id"]
        if not keep_order:
            self._vsf_order[vs_id].discard(file_id)
        self._counts[vs_id][vsf["status"]] -= 1
        self._usage[vs_id] -= vsf["usage_bytes"]
        pending = self._pending.get(vs_id)
        if pending is not None:
            pending.discard(file_id)
            if not pending:
                del self._pending[vs_id]
        attached = self._attachments.get(file_id)
        if attached is not None:
            attached.discard(vs_id)
            if not attached:
                del self._attachments[file_id]

    def _bump_seq(self, seq: int) -> None:
        self._seq = max(self._seq, seq)

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def files_order(self, vs_id: str) -> Ordering:
        """The creation order of a store's files (empty until its first file)."""
        return self._vsf_order.get(vs_id) or NO_FILES

    def status_counts(self, vs_id: str) -> Counter[str]:
        """A store's files by status (read only; empty until its first file)."""
        return self._counts.get(vs_id) or NO_COUNTS

    def _index_of(self, vs_id: str) -> SearchIndex:
        index = self._indexes.get(vs_id)
        if index is None:
            from vsmock.search.index import SearchIndex

            index = self._indexes[vs_id] = SearchIndex()
        return index

    def _chunks_of(self, vs_id: str, file_id: str) -> list[str]:
        try:
            return self.blobs.read_chunks(vs_id, file_id)
        except BlobMissing as exc:
            raise StoredDataMissing(str(exc.path)) from None

    # -- startup ---------------------------------------------------------------------------------
    def _load(self) -> None:
        """Build the views from the records, after checking that the records and the files
        beside them agree (see ``blobs.py``): nothing is swept on the strength of a log
        that may be damaged."""
        tables = set(self.db.table_names())
        stores = {key: rec for key in self.stores_table.ids() if (rec := self._stored(STORES, key))}
        files = set(self.files_table.ids())
        chunked: set[tuple[str, str]] = set()
        problems: list[str] = []
        for name in sorted(tables):
            kind, _, vs_id = name.partition(":")
            if vs_id and vs_id not in stores:
                problems.append(f"table {name!r} belongs to no vector store")
        for vs_id in stores:
            for vsf in self.vsf_table(vs_id).values():
                if vsf["id"] not in files:
                    problems.append(f"{vs_id} holds {vsf['id']}, which is no File")
                if has_chunks(vsf):
                    chunked.add((vs_id, vsf["id"]))
        if problems:
            raise self._damaged(self._state_file(), problems)
        findings = self.blobs.recover(files, chunked)
        if findings:
            raise self._damaged(self.blobs.root, _describe_findings(findings))
        positions = {}
        for kind in OBJECT_KINDS:
            record = self.db.table(META).peek(id_position_key(self.ids.seed, kind))
            if record is not None:
                positions[kind] = record["drawn"]
        self.ids.resume(positions)
        for key in self.files_table.ids():
            self._file_changed(None, self._stored(FILES, key))
        for vs_id, store in stores.items():
            self._store_changed(None, store)
            for vsf in sorted(self.vsf_table(vs_id).values(), key=lambda r: r["seq"]):
                self._vsf_changed(None, dict(vsf))
            for batch in self.batch_table(vs_id).values():
                self._bump_seq(batch["seq"])
        for response in self.db.table(records.RESPONSES).values():
            self._bump_seq(response["seq"])

    def _stored(self, table: str, key: str) -> Record:
        record = self.db.table(table).stored(key)
        assert record is not None
        return record

    def _state_file(self) -> Path:
        data_dir = self.settings.data_dir
        return Path(data_dir) / "state.json" if data_dir is not None else Path("state")

    def _damaged(self, path: Path, problems: list[str]) -> DamagedState:
        shown = "; ".join(problems[:SHOWN_PATHS])
        more = f"; and {len(problems) - SHOWN_PATHS} more" if len(problems) > SHOWN_PATHS else ""
        data_dir = Path(self.settings.data_dir) if self.settings.data_dir is not None else None
        return DamagedState(
            path,
            f"the records and the files beside them disagree: {shown}{more}",
            data_dir=data_dir,
        )

    # -- tables -------------------------------------------------------------------------------
    @property
    def files_table(self) -> RecordTable:
        return self.db.table(FILES)

    @property
    def stores_table(self) -> RecordTable:
        return self.db.table(STORES)

    def vsf_table(self, vs_id: str) -> RecordTable:
        return self.db.table(vsf_table(vs_id))

    def batch_table(self, vs_id: str) -> RecordTable:
        return self.db.table(batch_table(vs_id))

    # -- ids -------------------------------------------------------------------------------------
    def new_id(self, kind: str, taken: Callable[[str], bool]) -> str:
        """A fresh id from the seeded source, skipping any already in use. How far the
        source has gone is staged with the operation's changes (see ``ids.py``)."""
        while True:
            candidate = self.ids.new(kind)
            if not taken(candidate):
                break
        key = id_position_key(self.ids.seed, kind)
        self.changes.add(META, {"id": key, "drawn": self.ids.drawn(kind)})
        return candidate

    # -- lookups that raise the API's 404s ----------------------------------------------------
    def _store(self, vs_id: str) -> Record:
        """A working copy of the store, for an operation that may change it (finishing the
        files that time has made due)."""
        store = self.changes.get(STORES, vs_id)
        if store is None:
            raise VectorStoreNotFound(vs_id)
        self._settle(vs_id)
        return store

    def _store_view(self, vs_id: str) -> Mapping[str, Any]:
        """The store as stored, read-only, for an operation that does not change it (its
        files may change: the ones time has made due are finished)."""
        store = self.stores_table.peek(vs_id)
        if store is None:
            raise VectorStoreNotFound(vs_id)
        self._settle(vs_id)
        return cast(Mapping[str, Any], store)

    def _live_store(self, vs_id: str) -> Record:
        """A store that may still be written to and searched."""
        store = self._store(vs_id)
        if self._is_expired(store):
            raise VectorStoreExpired(vs_id)
        return store

    def _file(self, file_id: str) -> Mapping[str, Any]:
        rec = self.files_table.peek(file_id)
        if rec is None:
            raise FileNotFound(file_id)
        return cast(Mapping[str, Any], rec)

    def _file_for_attach(self, file_id: str, param: str) -> Mapping[str, Any]:
        rec = self.files_table.peek(file_id)
        if rec is None:
            raise AttachedFileNotFound(file_id, param)
        return cast(Mapping[str, Any], rec)

    def _ingest(
        self,
        file_rec: Mapping[str, Any],
        chunking: tuple[int, int],
        prepared: Prepared | None = None,
    ) -> Outcome:
        outcome = prepared.get((file_rec["id"], chunking)) if prepared else None
        if outcome is not None:
            return outcome
        try:
            data = self.blobs.read_blob(file_rec["id"])
        except BlobMissing as exc:
            raise StoredDataMissing(str(exc.path)) from None
        return ingest(data, file_rec["filename"], *chunking)

    def _prepare(self, wanted: Iterable[tuple[Any, Any]]) -> Prepared:
        """Ingest, before the operation takes the lock, the files it will attach: each
        ``(file_id, chunking_strategy)`` as the request gives them. Extracting and chunking
        a large file takes seconds, which other requests need not wait for.

        A File's bytes never change and its id is never reused, so an outcome computed for
        an id stays right. Records are replaced whole under the lock, never changed in
        place, so reading one without it is safe. Whatever is unusable here (no such File, a
        bad chunking strategy) is skipped: the operation refuses it, in its own order."""
        prepared: Prepared = {}
        for file_id, strategy in wanted:
            if not isinstance(file_id, str):
                continue
            try:
                chunking = check_chunking("chunking_strategy", strategy)
            except InvalidRequest:
                continue
            record = self.files_table.peek(file_id)
            if record is None or (file_id, chunking) in prepared:
                continue
            try:
                data = self.blobs.read_blob(file_id)
            except BlobMissing:
                continue
            prepared[(file_id, chunking)] = ingest(data, record["filename"], *chunking)
        return prepared

    def runs_long(self, operation: str, arguments: Mapping[str, Any]) -> bool:
        """Whether an operation may take long enough to keep off the event loop: file
        bytes (uploads, downloads), ingestion, and searches of large stores or with long
        queries. (The HTTP layer asks before it calls; a read without the lock is safe.)"""
        if operation in LONG_OPERATIONS:
            return True
        body = arguments.get("body")
        if not isinstance(body, dict):
            return False
        if operation in ("create_vector_store", "create_vector_store_file"):
            file_ids = (
                body.get("file_ids")
                if operation == "create_vector_store"
                else [body.get("file_id")]
            )
            return self._ingests_long(file_ids if isinstance(file_ids, list) else [])
        if operation == "search_vector_store":
            query = body.get("query")
            texts = [query] if isinstance(query, str) else query if isinstance(query, list) else []
            chars = sum(len(t) for t in texts if isinstance(t, str))
            return chars > LONG_QUERY_CHARS or self._searches_long(
                [arguments.get("vector_store_id")]
            )
        if operation == "create_response":  # large stores to search, a long input or chain
            tools = body.get("tools")
            stores = [
                vs_id
                for tool in (tools if isinstance(tools, list) else [])
                if isinstance(tool, dict) and isinstance(tool.get("vector_store_ids"), list)
                for vs_id in tool["vector_store_ids"]
            ]
            long_input = len(str(body.get("input") or "")) > LONG_QUERY_CHARS
            return (
                long_input or bool(body.get("previous_response_id")) or self._searches_long(stores)
            )
        return False

    def _ingests_long(self, file_ids: Iterable[Any]) -> bool:
        """Whether ingesting these Files (before the lock, ``_prepare``) may take long: a
        document to parse (PDF, DOCX, HTML…), or more plain text than a quick read."""
        total = 0
        for file_id in file_ids:
            record = self.files_table.peek(file_id) if isinstance(file_id, str) else None
            if record is None:
                continue  # refused by the operation, at once
            if file_kind(str(record.get("filename") or "")) not in QUICK_KINDS:
                return True
            total += int(record.get("bytes") or 0)
        return total > LONG_INGEST_BYTES

    def _searches_long(self, store_ids: Iterable[Any]) -> bool:
        """Whether the indexes of these stores hold more chunks than a quick search reads."""
        total = 0
        for vs_id in store_ids:
            index = self._indexes.get(str(vs_id))
            total += len(index) if index is not None else 0
        return total > LONG_SEARCH_CHUNKS

    def _vsf(self, vs_id: str, file_id: str) -> Record:
        rec = self.changes.get(vsf_table(vs_id), file_id)
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

    def _is_expired(self, store: Mapping[str, Any]) -> bool:
        expires_at = self._expires_at(store)
        return expires_at is not None and self.clock.now() >= expires_at

    def _touch(self, store: Record) -> None:
        """Mark a store active (the README says which operations do)."""
        store["last_active_at"] = self.clock.now()

    def file_counts(self, counts: Counter[str]) -> dict[str, int]:
        result = {status: n if (n := counts[status]) > 0 else 0 for status in STATUSES}
        result["total"] = sum(result.values())
        return result

    # -- processing ---------------------------------------------------------------------------
    def _attach(
        self,
        store: Mapping[str, Any],
        file_id: str,
        *,
        attributes: JsonObject | None,
        chunking: tuple[int, int],
        batch_id: str | None,
        outcome: Outcome,
    ) -> Record:
        """Stage the vector-store file for ``file_id`` in ``store`` (replacing any)."""
        vs_id = store["id"]
        previous = self.changes.get(vsf_table(vs_id), file_id)
        if previous is not None and has_chunks(previous):
            self._retire_chunks(vs_id, file_id)
        forced = self.processing.take_failure()
        if forced is not None:
            outcome = failed(forced, FAIL_MESSAGES.get(forced, "The file could not be processed."))
        vsf: Record = {
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
        if outcome.status == "completed":
            self._stage_chunks(vs_id, file_id, outcome.chunks)
        return self.changes.add(vsf_table(vs_id), vsf)

    def _stage_chunks(self, vs_id: str, file_id: str, texts: list[str]) -> None:
        self.blobs.stage_chunks(vs_id, file_id, texts)
        self.changes.after_flush(lambda: self.blobs.publish_chunks(vs_id, file_id))
        self.changes.on_abort(lambda: self.blobs.discard_chunks(vs_id, file_id))

    def _retire_chunks(self, vs_id: str, file_id: str) -> None:
        self.blobs.retire_chunks(vs_id, file_id)
        self.changes.after_flush(lambda: self.blobs.purge_chunks(vs_id, file_id))
        self.changes.on_abort(lambda: self.blobs.restore_chunks(vs_id, file_id))

    def _drop_vsf(self, vsf: Mapping[str, Any]) -> None:
        vs_id, file_id = vsf["vector_store_id"], vsf["id"]
        if has_chunks(vsf):
            self._retire_chunks(vs_id, file_id)
        self.changes.remove(vsf_table(vs_id), file_id)

    def _finish(self, vsf: Record) -> None:
        """Give an in-progress file the final status its processing ended in."""
        pending = vsf["pending"]
        vsf.update(
            status=pending["status"],
            last_error=pending["last_error"],
            usage_bytes=pending["usage_bytes"],
            pending=None,
        )

    def _poll(self, vsf: Record) -> None:
        """A status read of an in-progress file: count it, and finish the file when due."""
        pending = vsf.get("pending")
        if vsf["status"] != "in_progress" or pending is None:
            return
        pending["polls"] = max(pending["polls"] - 1, 0)
        if is_due(pending, self.clock.time(), self.processing.stall):
            self._finish(vsf)

    def _settle(self, vs_id: str) -> None:
        """Finish the files of a store whose time has come (no reads needed)."""
        pending = self._pending.get(vs_id)
        if not pending:
            return
        now = self.clock.time()
        table = vsf_table(vs_id)
        for file_id in sorted(pending):
            vsf = self.changes.get(table, file_id)
            waiting = vsf.get("pending") if vsf is not None else None
            # a stalled file is released by a status read (_poll), not by time
            if waiting and not waiting.get("stalled") and is_due(waiting, now):
                assert vsf is not None
                self._finish(vsf)

    # -- Files API expiry ---------------------------------------------------------------------
    def _sweep_expired_files(self) -> bool:
        """Delete the Files whose ``expires_at`` has come; True if there were any."""
        now = self.clock.now()
        swept = False
        while self._file_expiry and self._file_expiry[0][0] <= now:
            _, file_id = heapq.heappop(self._file_expiry)
            rec = self.files_table.peek(file_id)
            if rec is not None and rec["expires_at"] is not None and rec["expires_at"] <= now:
                self._remove_file(file_id)
                swept = True
        return swept

    def _remove_file(self, file_id: str) -> None:
        """Delete a File and take it out of every vector store that holds it."""
        for vs_id in sorted(self._attachments.get(file_id, ())):
            vsf = self.changes.get(vsf_table(vs_id), file_id)
            if vsf is not None:
                self._drop_vsf(vsf)
        self.changes.remove(FILES, file_id)
        self.blobs.retire_blob(file_id)
        self.changes.after_flush(lambda: self.blobs.purge_blob(file_id))
        self.changes.on_abort(lambda: self.blobs.restore_blob(file_id))

    # -- whole-state operations ---------------------------------------------------------------
    def reset_since_admitted(self) -> bool:
        """Whether this state was reset after the running request was admitted (never, for
        a call that is no request's: see :data:`ADMITTED_EPOCH`)."""
        admitted = ADMITTED_EPOCH.get()
        return admitted is not None and admitted != self.epoch

    def reset(self) -> None:
        with self.lock:
            self.epoch += 1
            self.db.clear()
            self.blobs.clear()
            self.processing = Processing(
                self.settings.processing_polls, self.settings.processing_seconds
            )
            self.replies.clear()
            self._init_views()

    def close(self) -> None:
        with self.lock:
            self.db.close()
            self.blobs.close()


def _describe_findings(findings: Findings) -> list[str]:
    problems = [f"{path} is on disk but no record refers to it" for path in findings.orphans]
    problems += [f"{path} is recorded but missing" for path in findings.missing]
    return problems
