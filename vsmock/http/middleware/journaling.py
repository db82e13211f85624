"""Records every API request and its answer in the runtime's journal."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from vsmock.control.clock import monotonic
from vsmock.control.journal import RAW_BODY_CAP, safe_headers
from vsmock.http.middleware import ServedMiddleware
from vsmock.http.request_state import RequestState


class Journaling(ServedMiddleware):
    async def handle(self, state: RequestState, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = state.runtime
        entry = runtime.journal.open(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            request_headers=safe_headers(scope.get("headers", [])),
            time=runtime.clock.now(),
        )
        state.journal_entry = entry
        request_parts: list[bytes] = []
        request_size = 0
        response_parts: list[bytes] = []
        response_size = 0
        started = monotonic()

        async def tee_receive() -> Message:
            nonlocal request_size
            message = await receive()
            piece = message.get("body", b"")
            if piece and request_size + len(piece) <= RAW_BODY_CAP:
                request_parts.append(piece)
            elif piece:
                entry.request_truncated = True
            request_size += len(piece)
            return message

        async def tee_send(message: Message) -> None:
            nonlocal response_size
            if message["type"] == "http.response.start":
                entry.status = message["status"]
                entry.response_headers = safe_headers(message.get("headers", []))
            elif message["type"] == "http.response.body":
                piece = message.get("body", b"")
                if piece and response_size + len(piece) <= RAW_BODY_CAP:
                    response_parts.append(piece)
                elif piece:
                    entry.response_truncated = True
                response_size += len(piece)
                if not message.get("more_body", False):
                    finish()
            await send(message)

        finished = False

        def finish() -> None:
            nonlocal finished
            if finished:
                return
            finished = True
            entry.duration_ms = (monotonic() - started) * 1000
            runtime.journal.complete(
                entry,
                b"".join(request_parts),
                b"".join(response_parts),
                (request_size, response_size),
            )

        # A fault that closes the connection completes the entry first: a client that sees
        # the cut may read the journal at once, before this request's code has unwound.
        state.before_close = finish
        try:
            await self.app(scope, tee_receive, tee_send)
        finally:
            finish()  # an answer a fault cut short, or none: recorded all the same
