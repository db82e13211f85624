"""Running an app on uvicorn: in the foreground (CLI) or on a background thread (tests)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn

from .app import API_PREFIX


class Server(uvicorn.Server):
    """uvicorn, reporting its bound address once it is ready."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str], None] | None = None):
        super().__init__(config)
        self._on_ready = on_ready
        self.url = ""
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.should_exit:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
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
        timeout_graceful_shutdown=2,
        limit_concurrency=1000,
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
            asyncio.run(self.server.serve())
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
