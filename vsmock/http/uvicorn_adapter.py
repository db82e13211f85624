"""Running an app on uvicorn: in the foreground (CLI) or on a background thread (tests).

uvicorn internals used here, and only here (``tests/http/test_adapters.py`` fails loudly
when an upgrade moves one): the HTTP protocol class
``uvicorn.protocols.http.auto.AutoHTTPProtocol`` with its ``send_400_response(msg)``,
``transport``, ``server_state.default_headers``, ``data_received(data)`` and ``cycle``
(the request being answered, whose ``scope`` its task has not read yet when
``data_received`` returns); and ``Server.servers`` (the listening servers, for the bound
address).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn

from vsmock.errors import InvalidRequest
from vsmock.http.app import API_PREFIX
from vsmock.http.envelope import envelope
from vsmock.http.request_state import CONNECTION

UNREADABLE = InvalidRequest(
    "The request could not be read as HTTP: its request line or headers are malformed, too "
    "long, or use a method HTTP does not have.",
    code="invalid_http_request",
)


class CorkedTransport:
    """A connection's transport whose writes made in one turn of the event loop leave in
    one write, at the end of that turn: uvicorn writes an answer's status line and headers,
    then its body, each at once, which costs a system call and a packet apiece (about a
    tenth of a small answer's cost). The bytes and their order are the same; ``close``
    sends what is pending first. Everything else is the transport's own."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._scheduled = False

    def write(self, data: bytes) -> None:
        self._pending.append(data)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def envelope_protocol() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol, answering a request it cannot parse (a URL of 100 KB, an
    unknown method, broken headers) with OpenAI's error envelope instead of plain text,
    putting each request's connection in its scope (``request_state.CONNECTION``), and
    writing through a :class:`CorkedTransport`."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class EnvelopeProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: asyncio.Transport) -> None:
            corked = CorkedTransport(transport, asyncio.get_running_loop())
            super().connection_made(corked)

        def data_received(self, data: bytes) -> None:
            """Tell the request about its connection, so a fault can drop it unanswered."""
            super().data_received(data)
            cycle = getattr(self, "cycle", None)
            if cycle is not None:
                cycle.scope.setdefault("extensions", {}).setdefault(CONNECTION, self.transport)

        def send_400_response(self, msg: str) -> None:
            body = envelope(UNREADABLE)
            head = [b"HTTP/1.1 400 Bad Request\r\n"]
            for name, value in self.server_state.default_headers:
                head += [name, b": ", value, b"\r\n"]
            head += [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode() + b"\r\n",
                b"connection: close\r\n\r\n",
            ]
            self.transport.write(b"".join(head) + body)
            self.transport.close()

    return EnvelopeProtocol


class Server(uvicorn.Server):
    """uvicorn, reporting its bound address once it is ready."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str], None] | None = None):
        super().__init__(config)
        self._on_ready = on_ready
        self.url = ""
        self.address: tuple[str, int] = ("", 0)
        self.loop: asyncio.AbstractEventLoop | None = None  # the loop serving, once ready
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.should_exit:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        self.address = (host, port)
        self.loop = asyncio.get_running_loop()
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}"
        self.ready.set()
        if self._on_ready is not None:
            self._on_ready(self.url)


def make_server(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    on_ready: Callable[[str], None] | None = None,
    log_level: str = "warning",
) -> Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        http=envelope_protocol(),
        timeout_graceful_shutdown=2,
        limit_concurrency=1000,
        proxy_headers=False,  # a mock on loopback: no proxy's X-Forwarded-* to trust
    )
    return Server(config, on_ready=on_ready)


class ThreadedServer:
    """A server on a daemon thread, for tests and the pytest plugin."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.server = make_server(app, host, port)
        self._thread = threading.Thread(target=self._run, name="vsmock-server", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.server.run()  # on the loop `vsmock serve` uses (uvloop, when installed)
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self._error = exc
            self.server.ready.set()

    def start(self, timeout: float = 30) -> ThreadedServer:
        self._thread.start()
        if not self.server.ready.wait(timeout) or self._error is not None or not self.server.url:
            raise RuntimeError(f"vsmock server did not start: {self._error!r}")
        return self

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def base_url(self) -> str:
        return self.server.url + API_PREFIX

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the server runs on (once started)."""
        assert self.server.loop is not None, "the server has not started"
        return self.server.loop

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) the server listens on."""
        return self.server.address

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


@contextlib.contextmanager
def running(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[ThreadedServer]:
    server = ThreadedServer(app, host, port).start()
    try:
        yield server
    finally:
        server.stop()


class _Stopped(Exception):
    """SIGTERM, turned into an exception so that shutdown code runs."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped(signum)


def run_until_stopped(server: Any, stopped: Callable[[], None]) -> None:
    """Run a uvicorn server until Ctrl-C or SIGTERM, then call ``stopped``.

    uvicorn shuts down gracefully and then raises the signal again; with the default
    SIGTERM handler that would end the process before any ``finally`` runs.
    """
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stopped()
