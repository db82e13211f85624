"""Refuses bodies over ``max_upload_bytes`` with a 413, counting as they stream in."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vsmock.errors import FileTooLarge, PayloadTooLarge
from vsmock.http.middleware.replies import send_error
from vsmock.runtime import Runtime


class UploadLimitMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime: Runtime | None = scope.get("vsmock.runtime")
        if scope["type"] != "http" or runtime is None:
            await self.app(scope, receive, send)
            return
        limit = runtime.settings.max_upload_bytes
        headers = Headers(scope=scope)
        upload = headers.get("content-type", "").lower().startswith("multipart/")
        error = (FileTooLarge if upload else PayloadTooLarge)(
            f"The request body is larger than the maximum of {limit} bytes."
        )
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await send_error(send, error)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                # An APIError: whoever reads the body (a validator, a handler) lets it reach
                # the envelope's handler, which answers 413.
                raise error
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except PayloadTooLarge:
            if not started:
                await send_error(send, error)
