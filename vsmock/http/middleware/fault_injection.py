"""Answers the next N matching API requests with an injected fault, or delays them.

A fault with a ``status`` answers that error. One with an ``action`` fails below HTTP
(``vsmock/control/faults.py``):

* ``drop_connection``: the connection is closed without a byte of answer;
* ``hang``: nothing is answered for ``delay_ms``, then the connection is closed (the
  server goes on answering other requests meanwhile);
* ``malformed_json``: 200, ``Content-Type: application/json``, a body that is not JSON;
* ``truncate_body``: the request is carried out; its answer's status line, headers and
  ``Content-Length`` are sent, then half its body (or, for an event stream, its first
  ``after_events`` events), then the connection is closed.

The first three never reach the backend. A server that does not say which connection a
request came on (``request_state.close_connection``) cannot drop one: it ends the answer
after its status line instead, which a client sees the same way (a broken connection).
"""

from __future__ import annotations

import asyncio
import math

from starlette.types import Message, Receive, Scope, Send

from vsmock.control.clock import monotonic
from vsmock.control.faults import Fault
from vsmock.errors import BY_STATUS, APIError
from vsmock.http.envelope import send_error
from vsmock.http.middleware import ServedMiddleware
from vsmock.http.request_state import RequestState, close_connection

MESSAGES = {
    408: "Request timed out.",
    409: "The request conflicted with another request in progress. Please try again.",
    429: "Rate limit reached for requests. Please try again later.",
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway.",
    503: "The server is overloaded or not ready yet.",
}
MALFORMED = b'{"object": "vector_store", "id": "vs_'  # JSON cut off: not a document
EVENT_END = b"\n\n"


class ConnectionCut(Exception):
    """Ends an answer that a fault cut short, on a server that cannot drop a connection."""


class FaultInjection(ServedMiddleware):
    async def handle(self, state: RequestState, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = state.runtime
        if runtime.reset_since_admitted():  # a request of before a reset takes no fault of
            await self.app(scope, receive, send)  # after it (and is refused on the state)
            return
        fault = runtime.faults.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if state.journal_entry is not None:
            state.journal_entry.fault = fault.status is not None or fault.action is not None
            state.journal_entry.fault_kind = fault.kind
        if fault.delay_ms:
            await delay(fault.delay_ms / 1000)
        if fault.action == "truncate_body":
            await self.app(scope, receive, truncating(scope, send, fault))
            return
        if fault.action in ("drop_connection", "hang"):
            await drain(receive)
            await drop(scope, send)
            return
        if fault.action == "malformed_json":
            await drain(receive)
            await send_raw(send, 200, MALFORMED)
            return
        if fault.status is None:
            await self.app(scope, receive, send)
            return
        await drain(receive)  # read the body first: the journal records it, as for any request
        await send_error(send, injected(fault.status, fault.retry_after_ms))


async def drop(scope: Scope, send: Send) -> None:
    """Close the connection without an answer (or, failing that, right after a status line)."""
    if close_connection(scope):
        await asyncio.sleep(0)  # the server learns of the closed connection before we return
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise ConnectionCut("the fault closed the connection")


def truncating(scope: Scope, send: Send, fault: Fault) -> Send:
    """``send``, losing the answer's end: half its body, or all but its first events."""
    declared = 0
    sent = 0
    events = 0
    cut = False

    async def cut_here(piece: bytes) -> None:
        nonlocal cut
        cut = True
        if piece:
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        if close_connection(scope):
            await asyncio.sleep(0)
            return
        raise ConnectionCut("the fault cut the answer short")

    async def truncated(message: Message) -> None:
        nonlocal declared, sent, events
        if cut:
            return
        if message["type"] == "http.response.start":
            for name, value in message.get("headers", []):
                if name.lower() == b"content-length":
                    declared = int(value)
            await send(message)
            return
        body: bytes = message.get("body", b"")
        if fault.after_events is not None and not declared:  # an event stream
            kept = b""
            for piece in body.split(EVENT_END)[:-1]:
                if events == fault.after_events:
                    break
                kept += piece + EVENT_END
                events += 1
            if events == fault.after_events:
                await cut_here(kept)
                return
            await send(message)
            return
        half = max(declared // 2, 1) if declared else max(len(body) // 2, 1)
        room = half - sent
        if len(body) >= room or not message.get("more_body", False):
            await cut_here(body[: max(room, 0)])
            return
        sent += len(body)
        await send(message)

    return truncated


async def send_raw(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def delay(seconds: float) -> None:
    """Sleep at least ``seconds``: the event loop may wake a timer up to its clock
    resolution early, and the journal promises at least the asked-for latency."""
    deadline = monotonic() + seconds
    while (remaining := deadline - monotonic()) > 0:
        await asyncio.sleep(remaining)


def injected(status: int, retry_after_ms: int | None) -> APIError:
    headers: dict[str, str] = {}
    if retry_after_ms is not None:
        headers["retry-after-ms"] = str(retry_after_ms)
        headers["retry-after"] = str(math.ceil(retry_after_ms / 1000))
    error_class = BY_STATUS[status]
    return error_class(MESSAGES[status], headers=headers)
