"""Vector stores: create, list, retrieve, modify, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vsmock.backend.limits import check_chunking, check_map
from vsmock.backend.pagination import list_object
from vsmock.backend.records import STORES, batch_table, vsf_table
from vsmock.backend.state import BackendState, Prepared, operation
from vsmock.contract.json_types import JsonObject
from vsmock.errors import InvalidRequest


class VectorStoresMixin(BackendState):
    def vector_store_object(self, store: Mapping[str, Any]) -> JsonObject:
        vs_id = store["id"]
        counts = self.status_counts(vs_id)
        expires_at = self._expires_at(store)
        if expires_at is not None and self.clock.now() >= expires_at:
            status = "expired"
        elif counts["in_progress"] > 0:
            status = "in_progress"
        else:
            status = "completed"
        obj: JsonObject = {
            "id": vs_id,
            "object": "vector_store",
            "created_at": store["created_at"],
            # The live API returns null for a store made without a name; the SDK's type is
            # a plain str, so vsmock follows the SDK (README: documented choices).
            "name": store["name"] if store["name"] is not None else "",
            "usage_bytes": max(self._usage[vs_id], 0),
            "file_counts": self.file_counts(counts),
            "status": status,
            "last_active_at": store["last_active_at"],
            "metadata": store["metadata"],
            "expires_after": store["expires_after"],
            "expires_at": expires_at,
        }
        if store.get("description") is not None:
            obj["description"] = store["description"]
        return obj

    def create_vector_store(self, *, body: JsonObject) -> JsonObject:
        """Create a store; the Files it starts with are ingested before the lock is taken."""
        strategy = body.get("chunking_strategy")
        prepared = self._prepare([(f, strategy) for f in body.get("file_ids") or []])
        return self._create_store(body=body, prepared=prepared)

    @operation
    def _create_store(self, *, body: JsonObject, prepared: Prepared) -> JsonObject:
        metadata = check_map("metadata", body.get("metadata"), strings_only=True)
        file_ids: list[str] = list(dict.fromkeys(body.get("file_ids") or []))
        chunking = check_chunking("chunking_strategy", body.get("chunking_strategy"))
        uploads = [self._file_for_attach(fid, f"file_ids[{i}]") for i, fid in enumerate(file_ids)]
        expires_after = _expires_after(body.get("expires_after"))
        now = self.clock.now()
        store: JsonObject = {
            "id": self.new_id("vector_store", lambda i: i in self._store_order),
            "created_at": now,
            "seq": self.next_seq(),
            "name": body.get("name"),
            "description": body.get("description"),
            "metadata": metadata,
            "expires_after": expires_after,
            "last_active_at": now,
        }
        self.changes.add(STORES, store)
        for upload in uploads:
            self._attach(
                store,
                upload["id"],
                attributes=None,
                chunking=chunking,
                batch_id=None,
                outcome=self._ingest(upload, chunking, prepared),
            )
        self.commit()
        return self.vector_store_object(store)

    @operation
    def list_vector_stores(
        self,
        *,
        limit: int = 20,
        order: str = "desc",
        after: str | None = None,
        before: str | None = None,
    ) -> JsonObject:
        page = self._store_order.page(limit=limit, order=order, after=after, before=before)
        for vs_id in page.ids:
            self._settle(vs_id)
        self.commit()
        stores = self.stores_table
        data = []
        for vs_id in page.ids:
            store = stores.peek(vs_id)
            assert store is not None  # the order lists stored stores only
            data.append(self.vector_store_object(store))
        return list_object(data, page.has_more)

    @operation
    def get_vector_store(self, *, vector_store_id: str) -> JsonObject:
        """A retrieve of the store is a status read of each of its in-progress files."""
        store = self._store_view(vector_store_id)
        table = vsf_table(vector_store_id)
        for file_id in sorted(self._pending.get(vector_store_id, ())):
            vsf = self.changes.get(table, file_id)
            if vsf is not None:
                self._poll(vsf)
        self.commit()
        return self.vector_store_object(store)

    @operation
    def modify_vector_store(self, *, vector_store_id: str, body: JsonObject) -> JsonObject:
        store = self._store(vector_store_id)
        was_expired = self._is_expired(store)
        if "name" in body:
            store["name"] = body["name"]
        if "metadata" in body:
            store["metadata"] = check_map("metadata", body["metadata"], strings_only=True)
        if "expires_after" in body:
            store["expires_after"] = _expires_after(body["expires_after"])
        if not was_expired or not self._is_expired(store):
            # A modify is activity: the (new) expiry policy counts from now. An expired store
            # stays expired unless its new policy, counted from its last activity, revives it.
            self._touch(store)
        self.commit()
        return self.vector_store_object(store)

    @operation
    def delete_vector_store(self, *, vector_store_id: str) -> JsonObject:
        self._store_view(vector_store_id)
        self.changes.drop(vsf_table(vector_store_id))
        self.changes.drop(batch_table(vector_store_id))
        self.changes.remove(STORES, vector_store_id)
        self.blobs.retire_store(vector_store_id)
        self.changes.after_flush(lambda: self.blobs.purge_store(vector_store_id))
        self.changes.on_abort(lambda: self.blobs.restore_store(vector_store_id))
        return {"id": vector_store_id, "object": "vector_store.deleted", "deleted": True}


def _expires_after(value: Any) -> JsonObject | None:
    if value is None:
        return None
    if value.get("anchor") != "last_active_at":
        raise InvalidRequest(
            "Invalid 'expires_after.anchor': expected 'last_active_at'.",
            param="expires_after.anchor",
            code="invalid_value",
        )
    return {"anchor": "last_active_at", "days": int(value["days"])}
