"""An HTTP client transport that hands each request straight to a served app.

The pytest plugin's ``--vsmock-transport=inprocess`` mode: the SDK's client gets a transport
(for ``httpx``, or ``httpx2`` which newer ``openai`` releases use) that puts each request,
as an ASGI scope, on the event loop of the server the session already runs, and reads the
answer back as it is sent. No socket, no HTTP written or parsed on either side; everything
else is the same server: the same app and middleware, the same loop and worker threads, the
same journal and fault injection, the same error reporting to the test that caused it.

What only a socket proves is not proved here: the bytes on the wire (header encoding, framing,
``Content-Length``). That is why the plugin's default stays the socket.

How a client sees the answers a socket would give it:

* the body arrives piece by piece as the app sends it (event streams included), and closing
  the response early tells the app the client went away (``http.disconnect``);
* a fault that closes the connection (``drop_connection``, ``hang``, ``truncate_body``) is
  the client library's ``RemoteProtocolError``, before the answer or within its body, as a
  closed socket gives; the SDK retries it as a connection error;
* an app that fails before answering is a ``RemoteProtocolError`` too (a server that fails so
  closes the connection); one that stops in the middle of a body, an incomplete body;
* the request's read timeout applies to every wait for the answer (``ReadTimeout``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import queue
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from typing import Any

from starlette.types import ASGIApp, Message

from vsmock.http.request_state import CONNECTION

# What the app's side hands the client's side, in order: ("start", status, headers), then
# ("body", bytes) pieces, then ("end",) once the last piece is sent; ("closed",) when the
# app closed the connection; ("failed",) when the app raised; ("done",) when it returned.
Event = tuple[Any, ...]
NOT_ANSWERED = "Server disconnected without sending a response."
CUT_SHORT = "peer closed connection without sending complete message body"


class _Connection:
    """What the app sees as the request's connection (``request_state.CONNECTION``): the
    fault injection closes it to drop the request."""

    def __init__(self, exchange: Exchange):
        self._exchange = exchange

    def close(self) -> None:
        self._exchange.close()


class Exchange:
    """One request run on the server's loop; its answer goes to ``deliver``, an event at a
    time, from the server's thread."""

    def __init__(self, app: ASGIApp, scope: dict[str, Any], body: bytes, deliver: Any):
        self.app = app
        self.scope = scope
        self.body = body
        self.deliver = deliver
        self.closed = False
        self.answered = False
        self._gone: asyncio.Event | None = None
        scope.setdefault("extensions", {})[CONNECTION] = _Connection(self)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.deliver(("closed",))

    async def run(self) -> None:
        self._gone = asyncio.Event()
        read = False

        async def receive() -> Message:
            nonlocal read
            if not read and not self.closed:
                read = True
                return {"type": "http.request", "body": self.body, "more_body": False}
            assert self._gone is not None
            if not self.answered:  # as uvicorn: nothing more until the client leaves, or
                await self._gone.wait()  # at once once the answer is complete
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if self.closed or self.answered:
                return  # written to a closed connection: lost, as on a socket
            if message["type"] == "http.response.start":
                self.deliver(("start", message["status"], list(message.get("headers", []))))
            elif message["type"] == "http.response.body":
                piece = message.get("body", b"")
                if piece:
                    self.deliver(("body", bytes(piece)))
                if not message.get("more_body", False):
                    self.answered = True
                    self.deliver(("end",))
                    self.client_gone()  # a receive waiting for the client returns now

        try:
            await self.app(self.scope, receive, send)
        except BaseException:  # the server's own handlers have logged and reported it
            self.deliver(("failed",))
            raise
        finally:
            self.deliver(("done",))

    def client_gone(self) -> None:
        """The client closed the response (or gave up on it): called on the server's loop."""
        if self._gone is not None:
            self._gone.set()


def request_scope(request: Any, server: tuple[str, int]) -> dict[str, Any]:
    """The ASGI scope uvicorn would build for ``request`` (an httpx/httpx2 Request)."""
    url = request.url
    raw_path = url.raw_path
    path_bytes, _, query = raw_path.partition(b"?")
    path = path_bytes.decode("ascii")
    if "%" in path:
        path = urllib.parse.unquote(path)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": server,
        "client": ("127.0.0.1", 0),
        "scheme": "http",
        "method": request.method,
        "root_path": "",
        "path": path,
        "raw_path": path_bytes,
        "query_string": query,
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
    }


def _timeout(request: Any) -> float | None:
    timeouts = request.extensions.get("timeout") or {}
    read = timeouts.get("read")
    return None if read is None else float(read)


def transports(module_name: str) -> tuple[type, type]:
    """(sync transport class, async transport class) for the HTTP library ``module_name``
    (``httpx`` or ``httpx2``): the two share their names and their transport interface."""
    lib: Any = importlib.import_module(module_name)

    def response(status: int, headers: list[tuple[bytes, bytes]], stream: Any) -> Any:
        return lib.Response(
            status,
            headers=headers,
            stream=stream,
            extensions={"http_version": b"HTTP/1.1"},
        )

    def unanswered(event: Event, request: Any) -> Any:
        """The client library's error for an answer that never started."""
        return lib.RemoteProtocolError(NOT_ANSWERED, request=request)

    class SyncStream(lib.SyncByteStream):
        def __init__(
            self, transport: InProcessTransport, exchange: Exchange, events: Any, request: Any
        ):
            self._transport = transport
            self._exchange = exchange
            self._events = events
            self._request = request

        def __iter__(self) -> Iterator[bytes]:
            while True:
                event = self._transport.next_event(self._events, self._request)
                if event[0] == "body":
                    yield event[1]
                elif event[0] == "end":
                    return
                else:
                    raise lib.RemoteProtocolError(CUT_SHORT, request=self._request)

        def close(self) -> None:
            if not self._exchange.answered:  # the app may still be sending: it is told
                self._transport.loop.call_soon_threadsafe(self._exchange.client_gone)

    class InProcessTransport(lib.BaseTransport):
        """A sync client's transport to ``app`` served on ``loop``."""

        def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop, server: tuple[str, int]):
            self.app = app
            self.loop = loop
            self.server = server

        def next_event(self, events: queue.SimpleQueue[Event], request: Any) -> Event:
            try:
                return events.get(timeout=_timeout(request) if request is not None else None)
            except queue.Empty:
                raise lib.ReadTimeout("timed out", request=request) from None

        def handle_request(self, request: Any) -> Any:
            events: queue.SimpleQueue[Event] = queue.SimpleQueue()
            exchange = Exchange(
                self.app, request_scope(request, self.server), request.read(), events.put
            )
            future = asyncio.run_coroutine_threadsafe(exchange.run(), self.loop)
            future.add_done_callback(lambda done: done.cancelled() or done.exception())
            try:
                event = self.next_event(events, request)
            except lib.ReadTimeout:
                self.loop.call_soon_threadsafe(exchange.client_gone)
                raise
            if event[0] != "start":
                raise unanswered(event, request)
            stream = SyncStream(self, exchange, events, request)
            return response(event[1], event[2], stream)

    class AsyncStream(lib.AsyncByteStream):
        def __init__(
            self, transport: AsyncInProcessTransport, exchange: Exchange, events: Any, request: Any
        ):
            self._transport = transport
            self._exchange = exchange
            self._events = events
            self._request = request

        async def __aiter__(self) -> AsyncIterator[bytes]:
            while True:
                event = await self._transport.next_event(self._events, self._request)
                if event[0] == "body":
                    yield event[1]
                elif event[0] == "end":
                    return
                else:
                    raise lib.RemoteProtocolError(CUT_SHORT, request=self._request)

        async def aclose(self) -> None:
            if not self._exchange.answered:
                self._transport.loop.call_soon_threadsafe(self._exchange.client_gone)

    class AsyncInProcessTransport(lib.AsyncBaseTransport):
        """An async client's transport to ``app`` served on ``loop`` (the server's loop, not
        the client's: the answer comes back to the client's loop through a queue of its own)."""

        def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop, server: tuple[str, int]):
            self.app = app
            self.loop = loop
            self.server = server

        async def next_event(self, events: asyncio.Queue[Event], request: Any) -> Event:
            try:
                return await asyncio.wait_for(events.get(), _timeout(request))
            except asyncio.TimeoutError:
                raise lib.ReadTimeout("timed out", request=request) from None

        async def handle_async_request(self, request: Any) -> Any:
            mine = asyncio.get_running_loop()
            events: asyncio.Queue[Event] = asyncio.Queue()

            def deliver(event: Event) -> None:
                # RuntimeError: the client's loop is closed, nobody is listening
                with contextlib.suppress(RuntimeError):
                    mine.call_soon_threadsafe(events.put_nowait, event)

            body = await request.aread()
            exchange = Exchange(self.app, request_scope(request, self.server), body, deliver)
            future = asyncio.run_coroutine_threadsafe(exchange.run(), self.loop)
            future.add_done_callback(lambda done: done.cancelled() or done.exception())
            try:
                event = await self.next_event(events, request)
            except (lib.ReadTimeout, asyncio.CancelledError):
                self.loop.call_soon_threadsafe(exchange.client_gone)
                raise
            if event[0] != "start":
                raise unanswered(event, request)
            stream = AsyncStream(self, exchange, events, request)
            return response(event[1], event[2], stream)

    return InProcessTransport, AsyncInProcessTransport


__all__ = ["Exchange", "request_scope", "transports"]
