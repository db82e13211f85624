"""Vector-store files: attach, list, retrieve, update attributes, detach, content."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO

from vsmock.backend.limits import check_chunking, check_map, chunking_object
from vsmock.backend.pagination import Ordering, list_object
from vsmock.backend.state import BackendState, Prepared, operation
from vsmock.contract.json_types import JsonObject
from vsmock.errors import StoredDataMissing
from vsmock.ingest.chunking import content_pieces
from vsmock.ingest.extraction import extract_text
from vsmock.storage.blobs import BlobMissing


class VectorStoreFilesMixin(BackendState):
    @staticmethod
    def vector_store_file_object(vsf: Mapping[str, Any]) -> JsonObject:
        return {
            "id": vsf["id"],
            "object": "vector_store.file",
            "usage_bytes": vsf["usage_bytes"],
            "created_at": vsf["created_at"],
            "vector_store_id": vsf["vector_store_id"],
            "status": vsf["status"],
            "last_error": vsf["last_error"],
            "chunking_strategy": chunking_object(*vsf["chunking"]),
            "attributes": vsf["attributes"],
        }

    def _file_page(
        self,
        vs_id: str,
        ordering: Ordering,
        *,
        limit: int,
        order: str,
        after: str | None,
        before: str | None,
        status: str | None,
        member_of: str | None = None,
    ) -> JsonObject:
        table = self.vsf_table(vs_id)

        def keep(file_id: str) -> bool:
            vsf = table.peek(file_id)
            if vsf is None:
                return False
            if member_of is not None and vsf.get("batch_id") != member_of:
                return False
            return status is None or vsf["status"] == status

        filtering = status is not None or member_of is not None
        page = ordering.page(
            limit=limit, order=order, after=after, before=before, keep=keep if filtering else None
        )
        data = [self.vector_store_file_object(table.view(fid)) for fid in page.ids]
        return list_object(data, page.has_more)

    def create_vector_store_file(self, *, vector_store_id: str, body: JsonObject) -> JsonObject:
        """Attach a File; it is ingested before the lock is taken (``_prepare``)."""
        prepared = self._prepare([(body.get("file_id"), body.get("chunking_strategy"))])
        return self._attach_file(vector_store_id=vector_store_id, body=body, prepared=prepared)

    @operation
    def _attach_file(
        self, *, vector_store_id: str, body: JsonObject, prepared: Prepared
    ) -> JsonObject:
        store = self._live_store(vector_store_id)
        attributes = check_map("attributes", body.get("attributes"), strings_only=False)
        chunking = check_chunking("chunking_strategy", body.get("chunking_strategy"))
        upload = self._file_for_attach(body["file_id"], "file_id")
        vsf = self._attach(
            store,
            upload["id"],
            attributes=attributes,
            chunking=chunking,
            batch_id=None,
            outcome=self._ingest(upload, chunking, prepared),
        )
        self._touch(store)
        self.commit()
        return self.vector_store_file_object(vsf)

    @operation
    def list_vector_store_files(
        self,
        *,
        vector_store_id: str,
        limit: int = 20,
        order: str = "desc",
        after: str | None = None,
        before: str | None = None,
        filter: str | None = None,
    ) -> JsonObject:
        self._store_view(vector_store_id)
        self.commit()
        return self._file_page(
            vector_store_id,
            self.files_order(vector_store_id),
            limit=limit,
            order=order,
            after=after,
            before=before,
            status=filter,
        )

    @operation
    def get_vector_store_file(self, *, vector_store_id: str, file_id: str) -> JsonObject:
        self._store_view(vector_store_id)
        vsf = self._vsf(vector_store_id, file_id)
        self._poll(vsf)
        self.commit()
        return self.vector_store_file_object(vsf)

    @operation
    def update_vector_store_file_attributes(
        self, *, vector_store_id: str, file_id: str, body: JsonObject
    ) -> JsonObject:
        self._store_view(vector_store_id)
        vsf = self._vsf(vector_store_id, file_id)
        vsf["attributes"] = check_map("attributes", body.get("attributes"), strings_only=False)
        self.commit()
        return self.vector_store_file_object(vsf)

    @operation
    def delete_vector_store_file(self, *, vector_store_id: str, file_id: str) -> JsonObject:
        store = self._store(vector_store_id)
        self._drop_vsf(self._vsf(vector_store_id, file_id))
        if not self._is_expired(store):
            self._touch(store)
        return {"id": file_id, "object": "vector_store.file.deleted", "deleted": True}

    def retrieve_vector_store_file_content(
        self, *, vector_store_id: str, file_id: str
    ) -> JsonObject:
        """The parsed text of a file, once it is completed (nothing before).

        It is cut where the file's chunks start, one item per chunk, so the items do not
        overlap and joined they are the text, as the spec describes it ("Parsed content of
        the file"); the chunks themselves, which overlap, are what search shows. The text
        is extracted again from the File's bytes, after the lock is released.
        """
        source = self._content_source(vector_store_id=vector_store_id, file_id=file_id)
        texts: list[str] = []
        if source is not None:
            blob, filename, (max_tokens, overlap_tokens) = source
            with blob:
                data = blob.read()
            texts = content_pieces(extract_text(data, filename), max_tokens, overlap_tokens)
        return {
            "object": "vector_store.file_content.page",
            "data": [{"type": "text", "text": text} for text in texts],
            "has_more": False,
            "next_page": None,
        }

    @operation
    def _content_source(
        self, *, vector_store_id: str, file_id: str
    ) -> tuple[BinaryIO, str, tuple[int, int]] | None:
        """For a completed file: its File's bytes (opened under the lock, so a later delete
        cannot cut them short), its filename and its chunking; None otherwise."""
        self._store_view(vector_store_id)
        vsf = self._vsf(vector_store_id, file_id)
        if vsf["status"] != "completed":
            return None
        filename = self._file(file_id)["filename"]
        try:
            blob = self.blobs.open_blob(file_id)
        except BlobMissing as exc:
            raise StoredDataMissing(str(exc.path)) from None
        max_tokens, overlap_tokens = vsf["chunking"]
        return blob, filename, (max_tokens, overlap_tokens)

    def runs_long(self, operation: str, arguments: Mapping[str, Any]) -> bool:
        """Content extracts a file's text again (seconds for a large PDF): off the event
        loop too."""
        return operation == "retrieve_vector_store_file_content" or super().runs_long(
            operation, arguments
        )
