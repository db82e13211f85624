"""A plain-Python model of what the Vector Stores, Files and Responses APIs hold, for the
oracle.

Nothing here imports vsmock: the model is written from the README's documented semantics
(processing, expiry, batches, lists) and predicts every object the server shows. What it
cannot know in advance it learns once and then holds the server to: the ids the server
hands out (never one seen before) and a completed file's ``usage_bytes`` (the same for the
same file and chunking, every time).

Every call the oracle makes through the SDK, reads included, is mirrored here first:
status reads (retrieving a store, a vector-store file or a batch) advance processing, and
searches (and responses that search with the file_search tool) make a store active, so
the model must see them to stay exact. A stored response never changes: the model keeps
the one the server made and holds every later read to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DAY = 86_400
STATUSES = ("in_progress", "completed", "failed", "cancelled")
AUTO_CHUNKING = {
    "type": "static",
    "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400},
}


class Expected(Exception):
    """The API is expected to answer this request with an error."""

    def __init__(self, status: int, code: str | None = None):
        super().__init__(f"{status} {code or ''}".strip())
        self.status = status
        self.code = code


@dataclass
class File:
    id: str
    filename: str
    content: bytes
    purpose: str
    created_at: int
    expires_at: int | None
    seq: int
    outcome: str  # "completed", or the failure code: "unsupported_file", "invalid_file"

    def shown(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "expires_at": self.expires_at,
        }


@dataclass
class VectorStoreFile:
    id: str
    store_id: str
    created_at: int
    seq: int
    attributes: dict[str, Any] | None
    batch_id: str | None
    status: str
    outcome: str
    polls_left: int  # status reads still needed while in_progress
    error_code: str | None = None
    stalled: bool = False  # attached while processing was stalled: waits for the release


@dataclass
class Batch:
    id: str
    store_id: str
    created_at: int
    file_ids: list[str]
    cancelled: bool = False


@dataclass
class Store:
    id: str
    name: str | None
    metadata: dict[str, str] | None
    expires_days: int | None
    created_at: int
    seq: int
    last_active_at: int
    files: dict[str, VectorStoreFile] = field(default_factory=dict)
    batches: dict[str, Batch] = field(default_factory=dict)


@dataclass
class StoredResponse:
    id: str
    body: dict[str, Any]  # as made, search results included
    input_ids: list[str]  # the chain it continues (its input items, then its output), then its own


class Model:
    def __init__(self, now: int):
        self.now = now
        self.polls = 0  # status reads a newly attached file needs (0: done at once)
        self.stall = False  # processing stalled: files attached now wait for the release
        self.files: dict[str, File] = {}
        self.stores: dict[str, Store] = {}
        self.seen: set[str] = set()  # every id ever handed out
        self.usage: dict[str, int] = {}  # learned usage_bytes of completed files, by file id
        self.responses: dict[str, StoredResponse] = {}
        self._seq = 0

    # -- ids and order -------------------------------------------------------------------------
    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def adopt(self, object_id: str) -> None:
        """A new id from the server: it must never have been handed out before."""
        assert object_id not in self.seen, f"the server reused the id {object_id}"
        self.seen.add(object_id)

    # -- what every request does first ---------------------------------------------------------
    def sweep(self) -> None:
        """Files whose expires_at has come are deleted (and leave every store)."""
        for file_id in [
            f.id for f in self.files.values() if f.expires_at and f.expires_at <= self.now
        ]:
            self._delete_file(file_id)

    def _delete_file(self, file_id: str) -> None:
        del self.files[file_id]
        for store in self.stores.values():
            store.files.pop(file_id, None)

    # -- stores --------------------------------------------------------------------------------
    def expires_at(self, store: Store) -> int | None:
        if store.expires_days is None:
            return None
        return store.last_active_at + store.expires_days * DAY

    def expired(self, store: Store) -> bool:
        at = self.expires_at(store)
        return at is not None and self.now >= at

    def store(self, store_id: str) -> Store:
        if store_id not in self.stores:
            raise Expected(404)
        return self.stores[store_id]

    def live_store(self, store_id: str) -> Store:
        store = self.store(store_id)
        if self.expired(store):
            raise Expected(400, "vector_store_expired")
        return store

    def members(self, batch: Batch) -> list[VectorStoreFile]:
        store = self.stores[batch.store_id]
        return [
            vsf
            for file_id in batch.file_ids
            if (vsf := store.files.get(file_id)) is not None and vsf.batch_id == batch.id
        ]

    @staticmethod
    def counts(files: list[VectorStoreFile]) -> dict[str, int]:
        counts = {status: sum(f.status == status for f in files) for status in STATUSES}
        counts["total"] = len(files)
        return counts

    def store_shown(self, store: Store) -> dict[str, Any]:
        files = list(store.files.values())
        counts = self.counts(files)
        if self.expired(store):
            status = "expired"
        elif counts["in_progress"]:
            status = "in_progress"
        else:
            status = "completed"
        return {
            "id": store.id,
            "object": "vector_store",
            "created_at": store.created_at,
            "name": store.name if store.name is not None else "",
            "usage_bytes": sum(self.file_usage(f) for f in files),
            "file_counts": counts,
            "status": status,
            "last_active_at": store.last_active_at,
            "metadata": store.metadata,
            "expires_after": (
                {"anchor": "last_active_at", "days": store.expires_days}
                if store.expires_days is not None
                else None
            ),
            "expires_at": self.expires_at(store),
        }

    def file_usage(self, vsf: VectorStoreFile) -> int:
        if vsf.status != "completed":
            return 0
        return self.usage.get(vsf.id, -1)  # -1 until learned (the oracle learns it first)

    def vsf_shown(self, vsf: VectorStoreFile) -> dict[str, Any]:
        return {
            "id": vsf.id,
            "object": "vector_store.file",
            "usage_bytes": self.file_usage(vsf),
            "created_at": vsf.created_at,
            "vector_store_id": vsf.store_id,
            "status": vsf.status,
            "last_error": vsf.error_code,  # compared by code
            "chunking_strategy": AUTO_CHUNKING,
            "attributes": vsf.attributes,
        }

    def batch_shown(self, batch: Batch) -> dict[str, Any]:
        counts = self.counts(self.members(batch))
        if batch.cancelled:
            status = "cancelled"
        elif counts["in_progress"]:
            status = "in_progress"
        elif counts["total"] and counts["failed"] == counts["total"]:
            status = "failed"
        else:
            status = "completed"
        return {
            "id": batch.id,
            "object": "vector_store.files_batch",
            "created_at": batch.created_at,
            "vector_store_id": batch.store_id,
            "status": status,
            "file_counts": counts,
        }

    # -- processing ----------------------------------------------------------------------------
    def _attach(
        self,
        store: Store,
        file_id: str,
        attributes: dict[str, Any] | None,
        batch_id: str | None = None,
    ) -> VectorStoreFile:
        upload = self.files[file_id]
        store.files.pop(file_id, None)  # attaching again replaces (and moves to the end)
        vsf = VectorStoreFile(
            id=file_id,
            store_id=store.id,
            created_at=self.now,
            seq=self.next_seq(),
            attributes=attributes,
            batch_id=batch_id,
            status="in_progress",
            outcome=upload.outcome,
            polls_left=self.polls,
            stalled=self.stall,
        )
        if self.polls <= 0 and not self.stall:
            self._finish(vsf)
        store.files[file_id] = vsf
        return vsf

    @staticmethod
    def _finish(vsf: VectorStoreFile) -> None:
        if vsf.outcome == "completed":
            vsf.status = "completed"
        else:
            vsf.status, vsf.error_code = "failed", vsf.outcome

    def _poll(self, vsf: VectorStoreFile) -> None:
        if vsf.status != "in_progress":
            return
        vsf.polls_left = max(vsf.polls_left - 1, 0)
        if vsf.stalled:  # released by the first status read after the stall ends
            if not self.stall:
                self._finish(vsf)
            return
        if vsf.polls_left == 0:
            self._finish(vsf)

    # -- the operations, as the oracle calls them ----------------------------------------------
    def upload(self, file_id: str, filename: str, content: bytes, purpose: str,
               expires_seconds: int | None, outcome: str) -> File:  # fmt: skip
        self.sweep()
        self.adopt(file_id)
        expires_at = self.now + expires_seconds if expires_seconds is not None else None
        upload = File(file_id, filename, content, purpose, self.now, expires_at,
                      self.next_seq(), outcome)  # fmt: skip
        self.files[file_id] = upload
        return upload

    def delete_file(self, file_id: str) -> None:
        self.sweep()
        if file_id not in self.files:
            raise Expected(404)
        self._delete_file(file_id)

    def create_store(self, store_id: str, name: str | None, metadata: dict[str, str] | None,
                     expires_days: int | None, file_ids: list[str]) -> Store:  # fmt: skip
        self.sweep()
        missing = [f for f in file_ids if f not in self.files]
        if missing:
            raise Expected(404)
        self.adopt(store_id)
        store = Store(store_id, name, metadata, expires_days, self.now, self.next_seq(), self.now)
        self.stores[store_id] = store
        for file_id in dict.fromkeys(file_ids):
            self._attach(store, file_id, None)
        return store

    def modify_store(self, store_id: str, changes: dict[str, Any]) -> Store:
        self.sweep()
        store = self.store(store_id)
        was_expired = self.expired(store)
        if "name" in changes:
            store.name = changes["name"]
        if "metadata" in changes:
            store.metadata = changes["metadata"]
        if "expires_after" in changes:
            after = changes["expires_after"]
            store.expires_days = after["days"] if after is not None else None
        if not was_expired or not self.expired(store):
            store.last_active_at = self.now
        return store

    def delete_store(self, store_id: str) -> None:
        self.sweep()
        self.store(store_id)
        del self.stores[store_id]

    def attach(
        self, store_id: str, file_id: str, attributes: dict[str, Any] | None
    ) -> VectorStoreFile:
        self.sweep()
        store = self.live_store(store_id)
        if file_id not in self.files:
            raise Expected(404)
        vsf = self._attach(store, file_id, attributes)
        store.last_active_at = self.now
        return vsf

    def update_attributes(
        self, store_id: str, file_id: str, attributes: dict[str, Any] | None
    ) -> VectorStoreFile:
        self.sweep()
        store = self.store(store_id)
        vsf = store.files.get(file_id)
        if vsf is None:
            raise Expected(404)
        vsf.attributes = attributes
        return vsf

    def detach(self, store_id: str, file_id: str) -> None:
        self.sweep()
        store = self.store(store_id)
        if file_id not in store.files:
            raise Expected(404)
        del store.files[file_id]
        if not self.expired(store):
            store.last_active_at = self.now

    def create_batch(self, store_id: str, batch_id: str,
                     items: list[tuple[str, dict[str, Any] | None]]) -> Batch:  # fmt: skip
        self.sweep()
        store = self.live_store(store_id)
        plan: dict[str, dict[str, Any] | None] = {}
        for file_id, attributes in items:
            plan.setdefault(file_id, attributes)
        if any(f not in self.files for f in plan):
            raise Expected(404)
        self.adopt(batch_id)
        batch = Batch(batch_id, store_id, self.now, list(plan))
        store.batches[batch_id] = batch
        for file_id, attributes in plan.items():
            self._attach(store, file_id, attributes, batch_id)
        store.last_active_at = self.now
        return batch

    def cancel_batch(self, store_id: str, batch_id: str) -> Batch:
        self.sweep()
        store = self.store(store_id)
        batch = store.batches.get(batch_id)
        if batch is None:
            raise Expected(404)
        unfinished = [f for f in self.members(batch) if f.status == "in_progress"]
        if unfinished:
            for vsf in unfinished:
                vsf.status = "cancelled"
            batch.cancelled = True
            if not self.expired(store):
                store.last_active_at = self.now
        return batch

    # -- reads that change something -----------------------------------------------------------
    def retrieve_store(self, store_id: str) -> Store:
        """A status read of every in-progress file of the store."""
        self.sweep()
        store = self.store(store_id)
        for vsf in list(store.files.values()):
            self._poll(vsf)
        return store

    def retrieve_vsf(self, store_id: str, file_id: str) -> VectorStoreFile:
        self.sweep()
        store = self.store(store_id)
        vsf = store.files.get(file_id)
        if vsf is None:
            raise Expected(404)
        self._poll(vsf)
        return vsf

    def retrieve_batch(self, store_id: str, batch_id: str) -> Batch:
        self.sweep()
        store = self.store(store_id)
        batch = store.batches.get(batch_id)
        if batch is None:
            raise Expected(404)
        for vsf in self.members(batch):
            self._poll(vsf)
        return batch

    def content(self, store_id: str, file_id: str) -> list[str]:
        """A vector-store file's content: the parsed text of a completed file, once (no
        overlap), nothing before. The oracle's documents are plain text (returned as
        decoded) shorter than one chunk, so it is one item. No status read."""
        self.sweep()
        store = self.store(store_id)
        vsf = store.files.get(file_id)
        if vsf is None:
            raise Expected(404)
        if vsf.status != "completed":
            return []
        return [self.files[file_id].content.decode()]

    def search(self, store_id: str) -> Store:
        self.sweep()
        store = self.live_store(store_id)
        store.last_active_at = self.now
        return store

    # -- responses -----------------------------------------------------------------------------
    def create_response(self, store_ids: list[str], previous: str | None) -> list[str]:
        """A response with a file_search tool over ``store_ids`` (none: no tool): the chain it
        continues must be stored, every store live; the stores it searched become active.
        Returns the input item ids it starts from (the chain's)."""
        self.sweep()
        chain: list[str] = []
        if previous is not None:
            if previous not in self.responses:
                raise Expected(400, "previous_response_not_found")
            before = self.responses[previous]
            chain = [*before.input_ids, *(item["id"] for item in before.body["output"])]
        stores = [self.live_store(store_id) for store_id in dict.fromkeys(store_ids)]
        for store in stores:
            store.last_active_at = self.now
        return chain

    def keep_response(self, response: StoredResponse) -> None:
        self.responses[response.id] = response

    def response(self, response_id: str) -> StoredResponse:
        self.sweep()
        if response_id not in self.responses:
            raise Expected(404)
        return self.responses[response_id]

    def delete_response(self, response_id: str) -> None:
        self.response(response_id)
        del self.responses[response_id]

    # -- plain reads ---------------------------------------------------------------------------
    def ordered_stores(self) -> list[Store]:
        self.sweep()
        return sorted(self.stores.values(), key=lambda s: (s.created_at, s.seq))

    def ordered_files(self) -> list[File]:
        self.sweep()
        return sorted(self.files.values(), key=lambda f: (f.created_at, f.seq))

    def ordered_vsfs(self, store_id: str, *, status: str | None = None,
                     batch_id: str | None = None) -> list[VectorStoreFile]:  # fmt: skip
        self.sweep()
        store = self.store(store_id)
        files = sorted(store.files.values(), key=lambda f: (f.created_at, f.seq))
        if batch_id is not None:
            members = {f.id for f in self.members(store.batches[batch_id])}
            files = [f for f in files if f.id in members]
        return [f for f in files if status is None or f.status == status]
