"""Answers the next N matching API requests with an injected error, or delays them."""

from __future__ import annotations

import asyncio
import math

from starlette.types import Receive, Scope, Send

from vsmock.control.clock import monotonic
from vsmock.errors import BY_STATUS, APIError
from vsmock.http.envelope import send_error
from vsmock.http.middleware import ServedMiddleware
from vsmock.http.request_state import RequestState

MESSAGES = {
    408: "Request timed out.",
    409: "The request conflicted with another request in progress. Please try again.",
    429: "Rate limit reached for requests. Please try again later.",
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway.",
    503: "The server is overloaded or not ready yet.",
}


class FaultInjection(ServedMiddleware):
    async def handle(self, state: RequestState, scope: Scope, receive: Receive, send: Send) -> None:
        fault = state.runtime.faults.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay_ms:
            await delay(fault.delay_ms / 1000)
        if fault.status is None:
            await self.app(scope, receive, send)
            return
        if state.journal_entry is not None:
            state.journal_entry.fault = True
        await drain(receive)  # read the body first: the journal records it, as for any request
        await send_error(send, injected(fault.status, fault.retry_after_ms))


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
        headers["retry-after"] = str(max(1, math.ceil(retry_after_ms / 1000)))
    error_class = BY_STATUS[status]
    return error_class(MESSAGES[status], headers=headers)
