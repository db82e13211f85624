"""The two operations whose HTTP is more than JSON in, JSON out: an upload (a multipart
form, parsed once by the validator) and a download (a stream of the File's bytes)."""

from __future__ import annotations

from collections.abc import Iterator

from starlette.datastructures import UploadFile
from starlette.responses import StreamingResponse

from vsmock.errors import InvalidRequest
from vsmock.http.handlers.context import Reply, backend, call, reply, state


def create_file() -> Reply:
    form = state().form
    assert form is not None, "the multipart validator parsed the form"
    parts, fields = form
    upload = parts.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidRequest(
            "Missing required parameter: 'file'.", param="file", code="missing_required_parameter"
        )
    return reply(
        call(
            backend().create_file,
            content=upload.file,
            filename=upload.filename or "upload",
            purpose=fields.get("purpose"),
            expires_after=fields.get("expires_after"),
        )
    )


def download_file(file_id: str) -> StreamingResponse:
    stream, size = call(backend().download_file, file_id=file_id)

    def pieces() -> Iterator[bytes]:
        with stream:
            while piece := stream.read(1 << 20):
                yield piece

    return StreamingResponse(
        pieces(), media_type="application/octet-stream", headers={"content-length": str(size)}
    )
