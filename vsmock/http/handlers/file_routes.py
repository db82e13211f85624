"""The Files API: /files, /files/{file_id}, /files/{file_id}/content."""

from __future__ import annotations

from typing import Any

from connexion import request
from starlette.datastructures import UploadFile
from starlette.responses import StreamingResponse

from vsmock.errors import InvalidRequest
from vsmock.http.handlers._context import backend, reply
from vsmock.http.validators import FORM_SCOPE_KEY


def create_file() -> Any:
    form, fields = request.scope[FORM_SCOPE_KEY]
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidRequest(
            "Missing required parameter: 'file'.", param="file", code="missing_required_parameter"
        )
    return reply(
        backend().create_file(
            content=upload.file,
            filename=upload.filename or "upload",
            purpose=fields.get("purpose"),
            expires_after=fields.get("expires_after"),
        )
    )


def list_files(
    purpose: str | None = None, limit: int = 10_000, order: str = "desc", after: str | None = None
) -> Any:
    return reply(backend().list_files(purpose=purpose, limit=limit, order=order, after=after))


def retrieve_file(file_id: str) -> Any:
    return reply(backend().retrieve_file(file_id=file_id))


def delete_file(file_id: str) -> Any:
    return reply(backend().delete_file(file_id=file_id))


def download_file(file_id: str) -> Any:
    stream, size = backend().download_file(file_id=file_id)

    def pieces() -> Any:
        with stream:
            while piece := stream.read(1 << 20):
                yield piece

    return StreamingResponse(
        pieces(), media_type="application/octet-stream", headers={"content-length": str(size)}
    )
