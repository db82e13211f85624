"""The Files API: upload, list, retrieve, delete, download."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO

from vsmock.backend.pagination import list_object
from vsmock.backend.records import FILES
from vsmock.backend.state import BackendState, operation
from vsmock.contract.json_types import JsonObject
from vsmock.errors import InvalidRequest, StoredDataMissing
from vsmock.storage.blobs import BlobMissing, Upload

# FileObject.purpose in the SDK has no "evals": such files are reported as "user_data"
# (README: "Where the SDK's types and the live API disagree").
REPORTED_PURPOSE = {"evals": "user_data"}
BATCH_DEFAULT_EXPIRY = 30 * 86_400


def file_object(rec: Mapping[str, Any]) -> JsonObject:
    obj = {
        "id": rec["id"],
        "object": "file",
        "bytes": rec["bytes"],
        "created_at": rec["created_at"],
        "filename": rec["filename"],
        "purpose": REPORTED_PURPOSE.get(rec["purpose"], rec["purpose"]),
        "status": "processed",
        "expires_at": rec.get("expires_at"),
    }
    return obj


class FilesMixin(BackendState):
    def create_file(
        self,
        *,
        content: BinaryIO,
        filename: str,
        purpose: str,
        expires_after: JsonObject | None = None,
    ) -> JsonObject:
        """Store an upload. Its bytes are copied in before the lock is taken, then named."""
        upload = self.blobs.stage_upload(content)
        try:
            return self._store_file(
                upload=upload, filename=filename, purpose=purpose, expires_after=expires_after
            )
        finally:
            self.blobs.discard_upload(upload)  # nothing, once the File has claimed it

    @operation
    def _store_file(
        self,
        *,
        upload: Upload,
        filename: str,
        purpose: str,
        expires_after: JsonObject | None,
    ) -> JsonObject:
        now = self.clock.now()
        expires_at: int | None = None
        if expires_after is not None:
            if expires_after.get("anchor") != "created_at":
                raise InvalidRequest(
                    "Invalid 'expires_after.anchor': expected 'created_at'.",
                    param="expires_after.anchor",
                    code="invalid_value",
                )
            expires_at = now + int(expires_after["seconds"])
        elif purpose == "batch":
            expires_at = now + BATCH_DEFAULT_EXPIRY
        file_id = self.new_id("file", lambda i: i in self._file_order)
        size = self.blobs.claim_upload(upload, file_id)
        self.changes.on_abort(lambda: self.blobs.discard_blob(file_id))
        self.changes.after_flush(lambda: self.blobs.publish_blob(file_id))
        rec: JsonObject = {
            "id": file_id,
            "bytes": size,
            "created_at": now,
            "filename": filename,
            "purpose": purpose,
            "expires_at": expires_at,
            "seq": self.next_seq(),
        }
        self.changes.add(FILES, rec)
        return file_object(rec)

    @operation
    def list_files(
        self,
        *,
        purpose: str | None = None,
        limit: int = 10_000,
        order: str = "desc",
        after: str | None = None,
    ) -> JsonObject:
        table = self.files_table
        keep = None
        if purpose is not None:

            def keep(file_id: str) -> bool:
                rec = table.peek(file_id)
                return rec is not None and rec["purpose"] == purpose

        page = self._file_order.page(limit=limit, order=order, after=after, keep=keep)
        data = [file_object(self._file(file_id)) for file_id in page.ids]
        return list_object(data, page.has_more)

    @operation
    def retrieve_file(self, *, file_id: str) -> JsonObject:
        return file_object(self._file(file_id))

    @operation
    def delete_file(self, *, file_id: str) -> JsonObject:
        self._file(file_id)
        self._remove_file(file_id)
        return {"id": file_id, "object": "file", "deleted": True}

    @operation
    def download_file(self, *, file_id: str) -> tuple[BinaryIO, int]:
        """The File's bytes, opened under the lock (a later delete cannot cut them short)."""
        rec = self._file(file_id)
        try:
            return self.blobs.open_blob(file_id), rec["bytes"]
        except BlobMissing as exc:
            raise StoredDataMissing(str(exc.path)) from None
