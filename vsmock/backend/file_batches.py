"""File batches: attach many files at once, follow them, cancel them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from vsmock.backend.limits import check_chunking, check_map
from vsmock.backend.records import batch_table, has_chunks, vsf_table
from vsmock.backend.state import BackendState, Prepared, operation
from vsmock.backend.vector_store_files import VectorStoreFilesMixin
from vsmock.contract.json_types import JsonObject
from vsmock.errors import FileBatchNotFound, InvalidRequest


def _wanted(body: JsonObject) -> list[tuple[Any, Any]]:
    """(file id, chunking strategy) of each File a batch request names, as it names them."""
    files, file_ids = body.get("files"), body.get("file_ids")
    wanted = [
        (item.get("file_id"), item.get("chunking_strategy"))
        for item in (files if isinstance(files, list) else [])
        if isinstance(item, dict)
    ]
    strategy = body.get("chunking_strategy")
    wanted += [(f, strategy) for f in (file_ids if isinstance(file_ids, list) else [])]
    return wanted


class FileBatchesMixin(VectorStoreFilesMixin, BackendState):
    def runs_long(self, operation: str, arguments: Mapping[str, Any]) -> bool:
        """A batch ingests what it names: long as its Files are."""
        body = arguments.get("body")
        if operation == "create_vector_store_file_batch" and isinstance(body, dict):
            return self._ingests_long(file_id for file_id, _ in _wanted(body))
        return super().runs_long(operation, arguments)

    def _batch(self, vs_id: str, batch_id: str) -> JsonObject:
        batch = self.changes.get(batch_table(vs_id), batch_id)
        if batch is None:
            raise FileBatchNotFound(batch_id, vs_id)
        return batch

    def _members(self, batch: JsonObject) -> list[JsonObject]:
        """The batch's files that are still attached through this batch."""
        table = vsf_table(batch["vector_store_id"])
        members = []
        for file_id in batch["file_ids"]:
            vsf = self.changes.get(table, file_id)
            if vsf is not None and vsf.get("batch_id") == batch["id"]:
                members.append(vsf)
        return members

    def file_batch_object(self, batch: JsonObject) -> JsonObject:
        """Status and counts are derived from the members, so they change together."""
        counts: Counter[str] = Counter(vsf["status"] for vsf in self._members(batch))
        file_counts = self.file_counts(counts)
        if batch.get("cancelled"):
            status = "cancelled"
        elif file_counts["in_progress"] > 0:
            status = "in_progress"
        elif file_counts["total"] > 0 and file_counts["failed"] == file_counts["total"]:
            status = "failed"
        else:
            status = "completed"
        return {
            "id": batch["id"],
            "object": "vector_store.files_batch",
            "created_at": batch["created_at"],
            "vector_store_id": batch["vector_store_id"],
            "status": status,
            "file_counts": file_counts,
        }

    def create_vector_store_file_batch(
        self, *, vector_store_id: str, body: JsonObject
    ) -> JsonObject:
        """Attach many Files; they are ingested before the lock is taken (``_prepare``)."""
        prepared = self._prepare(_wanted(body))
        return self._create_batch(vector_store_id=vector_store_id, body=body, prepared=prepared)

    @operation
    def _create_batch(
        self, *, vector_store_id: str, body: JsonObject, prepared: Prepared
    ) -> JsonObject:
        has_ids, has_files = body.get("file_ids") is not None, body.get("files") is not None
        if has_ids == has_files:
            raise InvalidRequest(
                "Exactly one of 'file_ids' or 'files' must be provided."
                if has_ids
                else "Missing required parameter: 'file_ids' (or 'files').",
                param="file_ids",
                code="invalid_value" if has_ids else "missing_required_parameter",
            )
        store = self._live_store(vector_store_id)
        plan: list[tuple[Mapping[str, Any], JsonObject | None, tuple[int, int]]] = []
        if has_ids:
            attributes = check_map("attributes", body.get("attributes"), strings_only=False)
            chunking = check_chunking("chunking_strategy", body.get("chunking_strategy"))
            for i, file_id in enumerate(dict.fromkeys(body["file_ids"])):
                plan.append(
                    (self._file_for_attach(file_id, f"file_ids[{i}]"), attributes, chunking)
                )
        else:
            seen: set[str] = set()
            for i, item in enumerate(body["files"]):
                param = f"files[{i}]"
                if item["file_id"] in seen:
                    continue
                seen.add(item["file_id"])
                plan.append(
                    (
                        self._file_for_attach(item["file_id"], f"{param}.file_id"),
                        check_map(
                            f"{param}.attributes", item.get("attributes"), strings_only=False
                        ),
                        check_chunking(f"{param}.chunking_strategy", item.get("chunking_strategy")),
                    )
                )
        if not plan:
            raise InvalidRequest(
                "Invalid 'file_ids': empty array. Expected an array with minimum length 1.",
                param="file_ids",
                code="empty_array",
            )
        batch: JsonObject = {
            "id": self.new_id("batch", lambda i: i in self.batch_table(vector_store_id)),
            "vector_store_id": vector_store_id,
            "created_at": self.clock.now(),
            "seq": self.next_seq(),
            "file_ids": [upload["id"] for upload, _, _ in plan],
            "cancelled": False,
        }
        self.changes.add(batch_table(vector_store_id), batch)
        for upload, attributes, chunking in plan:
            self._attach(
                store,
                upload["id"],
                attributes=attributes,
                chunking=chunking,
                batch_id=batch["id"],
                outcome=self._ingest(upload, chunking, prepared),
            )
        self._touch(store)
        self.commit()
        return self.file_batch_object(batch)

    @operation
    def get_vector_store_file_batch(self, *, vector_store_id: str, batch_id: str) -> JsonObject:
        self._store_view(vector_store_id)
        batch = self._batch(vector_store_id, batch_id)
        for vsf in self._members(batch):
            self._poll(vsf)
        self.commit()
        return self.file_batch_object(batch)

    @operation
    def cancel_vector_store_file_batch(self, *, vector_store_id: str, batch_id: str) -> JsonObject:
        store = self._store(vector_store_id)
        batch = self._batch(vector_store_id, batch_id)
        unfinished = [vsf for vsf in self._members(batch) if vsf["status"] == "in_progress"]
        if unfinished:  # a finished batch is returned unchanged
            for vsf in unfinished:
                if has_chunks(vsf):
                    self._retire_chunks(vector_store_id, vsf["id"])
                vsf.update(status="cancelled", pending=None)
            batch["cancelled"] = True
            if not self._is_expired(store):
                self._touch(store)
        self.commit()
        return self.file_batch_object(batch)

    @operation
    def list_files_in_vector_store_batch(
        self,
        *,
        vector_store_id: str,
        batch_id: str,
        limit: int = 20,
        order: str = "desc",
        after: str | None = None,
        before: str | None = None,
        filter: str | None = None,
    ) -> JsonObject:
        self._store_view(vector_store_id)
        batch = self._batch(vector_store_id, batch_id)
        self.commit()
        return self._file_page(
            vector_store_id,
            self.files_order(vector_store_id),
            limit=limit,
            order=order,
            after=after,
            before=before,
            status=filter,
            member_of=batch["id"],
        )
