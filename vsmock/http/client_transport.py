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
* an app that raises before answering gets uvicorn's plain 500 (whatever it raised, a
  ``SystemExit`` too, and the server goes on); one that stops in the middle of a body, an
  incomplete body;
* the request's read timeout applies to every wait for the answer (``ReadTimeout``);
* a sync client's body larger than ``WHOLE_BODY``, or of unknown length, is sent from its
  stream on the client's own thread as the app reads it (:class:`Feed`), never held whole;
  the stream's own errors are raised there, and the write timeout applies (``WriteTimeout``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib
import logging
import queue
import threading
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from email.utils import formatdate
from typing import Any

from starlette.types import ASGIApp, Message

from vsmock.http.request_state import CONNECTION

# What the app's side hands the client's side, in order: ("start", status, headers), then
# ("body", bytes) pieces, then ("end",) once the last piece is sent; ("closed",) when the
# app closed the connection; ("done",) when it returned or raised.
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

    def __init__(self, app: ASGIApp, scope: dict[str, Any], body: bytes | Feed, deliver: Any):
        self.app = app
        self.scope = scope
        self.body = body if isinstance(body, Feed) else Body(body)
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
        head = self.scope["method"] == "HEAD"
        started = False

        async def receive() -> Message:
            assert self._gone is not None
            # As uvicorn: the body as a socket brings it, in pieces; nothing more of it once
            # the client left (or the answer is complete), however much was sent
            if not self.body.done and not self.closed and not self._gone.is_set():
                return await self.body.next_message()
            if not self.answered:  # as uvicorn: nothing more until the client leaves, or
                await self._gone.wait()  # at once once the answer is complete
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal started
            if self.closed or self.answered:
                return  # written to a closed connection: lost, as on a socket
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                self.deliver(("start", message["status"], served_headers(headers, message)))
            elif message["type"] == "http.response.body":
                piece = message.get("body", b"")
                if piece and not head:  # as uvicorn: a HEAD answer has no body
                    self.deliver(("body", bytes(piece)))
                if not message.get("more_body", False):
                    self.answered = True
                    self.deliver(("end",))
                    self.client_gone()  # a receive waiting for the client returns now

        try:
            await self.app(self.scope, receive, send)
        except asyncio.CancelledError:
            raise  # the request was given up (the server stopping): the client sees it cut
        except BaseException:  # noqa: BLE001 - as uvicorn: logged, answered 500, served on
            # (a SystemExit or KeyboardInterrupt raised here would stop the server's loop)
            LOGGER.exception("Exception in ASGI application")
            if not started and not self.closed:
                self.deliver(("start", 500, served_headers(list(SERVER_ERROR_HEADERS), None)))
                self.deliver(("body", SERVER_ERROR))
                self.deliver(("end",))
            self.answered = True
        finally:
            self.body.stop()  # a client still sending its body stops
            self.deliver(("done",))

    def client_gone(self) -> None:
        """The client closed the response (or gave up on it): called on the server's loop."""
        self.body.abandon()
        if self._gone is not None:
            self._gone.set()


class Body:
    """A request body the client had whole, as the app reads it: in pieces of at most
    ``PIECE`` bytes, each marked whether more follow, as uvicorn hands a socket's body on."""

    def __init__(self, body: bytes):
        self._body = memoryview(body)
        self._read = 0
        self.done = False  # the last piece was handed on

    async def next_message(self) -> Message:
        piece = bytes(self._body[self._read : self._read + PIECE])
        self._read += PIECE
        self.done = self._read >= len(self._body)
        return {"type": "http.request", "body": piece, "more_body": not self.done}

    def stop(self) -> None:
        """The app is done: nobody is sending (see :meth:`Feed.stop`)."""

    def abandon(self) -> None:
        """The client left: it sends nothing more anyway (see :meth:`Feed.abandon`)."""


class Feed:
    """A body a sync client sends from its own stream, on its own thread, as it would write
    it to a socket: a chunk at a time, each handed to the app (in ``PIECE`` pieces) before
    the next is produced, so a large upload is never held whole; the client's own errors
    producing it stay on its thread. ``stop`` (the app is done) ends the sending."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self._room = threading.Semaphore(1)  # chunks the client may send before one is taken
        self._chunks: collections.deque[bytes | None] = collections.deque()  # None: the end
        self._arrived: asyncio.Event | None = None
        self._buffer = memoryview(b"")
        self.stopped = False  # the app is done with the request
        self.gone = False  # the client gave up sending
        self.done = False  # the last piece was handed on, or the client's leaving

    # -- the client's thread ------------------------------------------------------------------
    def send(self, chunk: bytes | None, timeout: float | None) -> bool:
        """Hand a chunk (None: the end) to the app once it has room; False once the app is
        done with the request. Raises TimeoutError when the app took nothing for ``timeout``."""
        if not self._room.acquire(timeout=timeout):
            raise TimeoutError
        if self.stopped:
            return False
        self._loop.call_soon_threadsafe(self._arrive, chunk)
        return True

    # -- the server's loop --------------------------------------------------------------------
    def _arrive(self, chunk: bytes | None) -> None:
        self._chunks.append(chunk)
        if self._arrived is not None:
            self._arrived.set()

    async def next_message(self) -> Message:
        """The next piece of the body, or the client leaving if it gave up sending it."""
        while not self._buffer:
            if self.gone:  # as uvicorn: once the client left, whatever it had sent
                self.done = True
                return {"type": "http.disconnect"}
            if not self._chunks:
                self._arrived = self._arrived or asyncio.Event()
                self._arrived.clear()
                await self._arrived.wait()
                continue
            chunk = self._chunks.popleft()
            self._room.release()  # the client may produce its next chunk meanwhile
            if chunk is None:
                self.done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            self._buffer = memoryview(chunk)
        piece = bytes(self._buffer[:PIECE])
        self._buffer = self._buffer[PIECE:]
        return {"type": "http.request", "body": piece, "more_body": True}

    def stop(self) -> None:
        """The app is done: a client waiting to send stops (from the server's loop)."""
        self.stopped = True
        self._room.release()

    def abandon(self) -> None:
        """The client gave up (its stream raised, a timeout): the app, reading, learns that
        it left (from the server's loop)."""
        self.gone = True
        if self._arrived is not None:
            self._arrived.set()


PIECE = 65_536  # a request body reaches the app in pieces of this size, as from a socket
WHOLE_BODY = 1 << 20  # a sync client's body of known length up to this is handed on whole
SERVER_ERROR = b"Internal Server Error"
SERVER_ERROR_HEADERS = (
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(SERVER_ERROR)).encode()),
    (b"connection", b"close"),
)
LOGGER = logging.getLogger("uvicorn.error")  # where uvicorn reports an app's exception


def served_headers(
    headers: list[tuple[bytes, bytes]], start: Message | None
) -> list[tuple[bytes, bytes]]:
    """An answer's headers as uvicorn sends them: its ``date`` and ``server`` first, and
    ``transfer-encoding: chunked`` for a body of no declared length."""
    names = {name.lower() for name, _ in headers}
    served = [(b"date", formatdate(usegmt=True).encode()), (b"server", b"uvicorn"), *headers]
    status = start["status"] if start is not None else 500
    unsized = b"content-length" not in names and b"transfer-encoding" not in names
    if unsized and status not in (204, 304):
        served.append((b"transfer-encoding", b"chunked"))
    return served


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


def _timeout(request: Any, kind: str = "read") -> float | None:
    """The request's ``kind`` timeout (``read`` or ``write``) in seconds; None: none."""
    timeouts = request.extensions.get("timeout") or {}
    seconds = timeouts.get(kind)
    return None if seconds is None else float(seconds)


def transports(module_name: str) -> tuple[type, type]:
    """(sync transport class, async transport class) for the HTTP library ``module_name``
    (``httpx`` or ``httpx2``): the two share their names and their transport interface."""
    lib: Any = importlib.import_module(module_name)

    class Served:
        """What both transports hold: the app and where it is served."""

        def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop, server: tuple[str, int]):
            self.app = app
            self.loop = loop
            self.server = server

        def send(self, request: Any, body: bytes | Feed, deliver: Any) -> Exchange:
            """Run ``request`` on the server's loop; its answer goes to ``deliver``."""
            exchange = Exchange(self.app, request_scope(request, self.server), body, deliver)
            future = asyncio.run_coroutine_threadsafe(exchange.run(), self.loop)
            future.add_done_callback(lambda done: done.cancelled() or done.exception())
            return exchange

        def answer(self, start: Event, stream: Any, request: Any) -> Any:
            """The client library's response, once the answer's first event came."""
            if start[0] != "start":  # the app ended without an answer
                raise lib.RemoteProtocolError(NOT_ANSWERED, request=request)
            return lib.Response(
                start[1], headers=start[2], stream=stream, extensions={"http_version": b"HTTP/1.1"}
            )

        def give_up(self, exchange: Exchange) -> None:
            """The client left (a timeout, a cancellation, a response closed unread)."""
            if not exchange.answered:  # the app may still be sending: it is told
                self.loop.call_soon_threadsafe(exchange.client_gone)

    class Reading:
        """What both streams do with the answer's events after its start."""

        def __init__(self, served: Any, exchange: Exchange, events: Any, request: Any):
            self._served = served  # the transport: its ``next_event`` waits, sync or async
            self._exchange = exchange
            self._events = events
            self._request = request
            self._received = 0

        def piece(self, event: Event) -> bytes | None:
            """The body piece an event brings; None at the answer's end; the client
            library's error when the connection's end cut the body short."""
            if event[0] == "body":
                self._received += len(event[1])
                piece: bytes = event[1]
                return piece
            if event[0] == "end":
                return None
            message = f"{CUT_SHORT} (received {self._received} bytes)"
            raise lib.RemoteProtocolError(message, request=self._request)

    class SyncStream(Reading, lib.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            while (
                piece := self.piece(self._served.next_event(self._events, self._request))
            ) is not None:
                yield piece

        def close(self) -> None:
            self._served.give_up(self._exchange)

    class InProcessTransport(Served, lib.BaseTransport):
        """A sync client's transport to ``app`` served on ``loop``."""

        def next_event(self, events: queue.SimpleQueue[Event], request: Any) -> Event:
            try:
                return events.get(timeout=_timeout(request))
            except queue.Empty:
                raise lib.ReadTimeout("timed out", request=request) from None

        def handle_request(self, request: Any) -> Any:
            events: queue.SimpleQueue[Event] = queue.SimpleQueue()
            length = request.headers.get("content-length")
            if length is not None and length.isdigit() and int(length) <= WHOLE_BODY:
                exchange = self.send(request, bytes(request.read()), events.put)
            else:  # larger, or of unknown length: sent from its stream, as to a socket
                feed = Feed(self.loop)
                exchange = self.send(request, feed, events.put)
                self.write(request, feed, exchange)
            try:
                start = self.next_event(events, request)
            except lib.ReadTimeout:
                self.give_up(exchange)
                raise
            return self.answer(start, SyncStream(self, exchange, events, request), request)

        def write(self, request: Any, feed: Feed, exchange: Exchange) -> None:
            """Send the request's body from its stream, on this thread, as to a socket: the
            stream's own errors are raised here, and the write timeout applies."""
            timeout = _timeout(request, "write")
            try:
                for chunk in request.stream:
                    if chunk and not feed.send(bytes(chunk), timeout):
                        return  # the app answered without reading it all
                feed.send(None, timeout)
            except TimeoutError:
                self.give_up(exchange)
                raise lib.WriteTimeout("timed out", request=request) from None
            except BaseException:
                self.give_up(exchange)
                raise

    class AsyncStream(Reading, lib.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            while (
                piece := self.piece(await self._served.next_event(self._events, self._request))
            ) is not None:
                yield piece

        async def aclose(self) -> None:
            self._served.give_up(self._exchange)

    class AsyncInProcessTransport(Served, lib.AsyncBaseTransport):
        """An async client's transport to ``app`` served on ``loop`` (the server's loop, not
        the client's: the answer comes back to the client's loop through a queue of its own)."""

        async def next_event(self, events: asyncio.Queue[Event], request: Any) -> Event:
            timeout = _timeout(request)
            if timeout is None:
                return await events.get()
            # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation of the
            # caller that arrives as the event does; asyncio.wait never does.
            getting = asyncio.ensure_future(events.get())
            try:
                done, _ = await asyncio.wait({getting}, timeout=timeout)
            finally:
                if not getting.done():
                    getting.cancel()
            if not done:
                raise lib.ReadTimeout("timed out", request=request)
            return getting.result()

        async def handle_async_request(self, request: Any) -> Any:
            mine = asyncio.get_running_loop()
            events: asyncio.Queue[Event] = asyncio.Queue()

            def deliver(event: Event) -> None:
                # RuntimeError: the client's loop is closed, nobody is listening
                with contextlib.suppress(RuntimeError):
                    mine.call_soon_threadsafe(events.put_nowait, event)

            exchange = self.send(request, await request.aread(), deliver)
            try:
                start = await self.next_event(events, request)
            except (lib.ReadTimeout, asyncio.CancelledError):
                self.give_up(exchange)
                raise
            return self.answer(start, AsyncStream(self, exchange, events, request), request)

    return InProcessTransport, AsyncInProcessTransport


__all__ = ["Exchange", "request_scope", "transports"]
