"""Refuses bodies over ``max_upload_bytes`` with a 413, counting as they stream in."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope, Send

from vsmock.errors import FileTooLarge, PayloadTooLarge
from vsmock.http.envelope import send_error
from vsmock.http.middleware import ServedMiddleware
from vsmock.http.request_state import RequestState

BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})


class UploadLimit(ServedMiddleware):
    admin = True  # an admin body is a body too

    async def handle(self, state: RequestState, scope: Scope, receive: Receive, send: Send) -> None:
        limit = state.runtime.settings.max_upload_bytes
        if not any(name in BODY_HEADERS for name, _ in scope["headers"]):
            await self.app(scope, receive, send)  # HTTP/1.1: without either, no body
            return
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
