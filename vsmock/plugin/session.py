"""The session's server: one real vsmock on loopback per pytest process (per xdist worker)."""

from __future__ import annotations

import logging
import ssl
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vsmock.http.app import VsmockApp
    from vsmock.http.uvicorn_adapter import ThreadedServer
    from vsmock.runtime import Runtime

HOST = "127.0.0.1"
DUMMY_KEY = "sk-vsmock-test"
LOGGER = "vsmock"
POLL_AFTER_MS = 5  # the SDK's polling helpers sleep this long between polls
# How the SDK clients the fixtures make reach the server: over a loopback socket (the default:
# it proves the bytes on the wire too), or handed to the app in-process
# (``vsmock/http/client_transport.py``: no socket, no HTTP parsing, the same server).
TRANSPORTS = ("socket", "inprocess")


@dataclass(frozen=True)
class ServerOptions:
    port: int = 0  # 0: a free port
    data_dir: Path | None = None  # None: in memory
    api_key: str | None = None  # None: any key is accepted; clients get DUMMY_KEY
    worker: str | None = None  # the xdist worker id ("gw0", …), if any
    transport: str = "socket"  # one of TRANSPORTS

    def for_worker(self) -> ServerOptions:
        """Each xdist worker gets its own port (port + worker number) and data directory."""
        if self.worker is None:
            return self
        number = int(self.worker.removeprefix("gw") or 0)
        return ServerOptions(
            port=self.port + number if self.port else 0,
            data_dir=self.data_dir / self.worker if self.data_dir is not None else None,
            api_key=self.api_key,
            worker=self.worker,
            transport=self.transport,
        )


class SessionServer:
    """A vsmock app served by uvicorn on a background thread."""

    def __init__(self, options: ServerOptions):
        self.options = options = options.for_worker()
        if options.data_dir is not None:
            options.data_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # Our dependencies' deprecation notices are nothing the user's suite can act on.
            warnings.simplefilter("ignore", DeprecationWarning)
            from vsmock.http.app import create_app, preload_in_background
            from vsmock.http.uvicorn_adapter import ThreadedServer

            # The search engine (about 0.1 s), loaded here, in the session's setup, so that
            # the first test that attaches a file or searches costs what a later one does.
            # Waited for: no import runs alongside the user's tests. On a thread of its own
            # all the same, which leaves this thread's event loop as it was.
            preload_in_background().join()
            self.app: VsmockApp = create_app(
                host=HOST,
                port=options.port,
                data_dir=options.data_dir,
                api_key=options.api_key,
                poll_after_ms=POLL_AFTER_MS,
            )
        self.runtime: Runtime = self.app.runtime
        try:
            self._thread: ThreadedServer = ThreadedServer(self.app, HOST, options.port).start()
        except RuntimeError as exc:
            self.runtime.close()
            raise RuntimeError(
                f"vsmock: could not serve on {HOST}:{options.port or '<free port>'} ({exc}); "
                "is the port (--vsmock-port / vsmock_port) in use?"
            ) from exc
        self._ssl: ssl.SSLContext | None = None
        self._made_transports: dict[str, tuple[type, type]] = {}
        logging.getLogger(LOGGER).addFilter(_drop_reported_errors)

    @property
    def url(self) -> str:
        return self._thread.url

    @property
    def base_url(self) -> str:
        return self._thread.base_url

    @property
    def api_key(self) -> str:
        return self.options.api_key or DUMMY_KEY

    def ssl_context(self) -> ssl.SSLContext:
        """One TLS context for every client of the session, built without a CA bundle.

        The server is plain HTTP on loopback, so TLS is never used; but the SDK's HTTP
        client builds a context (loading a CA bundle: 0.1 to 1 s) for every client it
        creates unless it is handed one. This one still verifies certificates and trusts
        no authority, so a TLS connection through it would fail closed.
        """
        if self._ssl is None:
            self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return self._ssl

    def openai_client(self, **kwargs: Any) -> Any:
        """An ``openai.OpenAI`` bound to this server (the SDK's defaults otherwise)."""
        openai = _sdk()

        if "http_client" not in kwargs:
            kwargs["http_client"] = self._http_client(openai.DefaultHttpxClient, asynchronous=False)
        return openai.OpenAI(api_key=self.api_key, base_url=self.base_url, **kwargs)

    def async_openai_client(self, **kwargs: Any) -> Any:
        """An ``openai.AsyncOpenAI`` bound to this server.

        It keeps no idle connections: an idle connection belongs to the event loop of the
        test that opened it, and that loop is gone when the fixture is torn down.
        """
        openai = _sdk()

        limits = type(openai.DEFAULT_CONNECTION_LIMITS)(  # httpx's Limits, or its successor's
            max_connections=openai.DEFAULT_CONNECTION_LIMITS.max_connections,
            max_keepalive_connections=0,
        )
        if "http_client" not in kwargs:
            kwargs["http_client"] = self._http_client(
                openai.DefaultAsyncHttpxClient, asynchronous=True, limits=limits
            )
        return openai.AsyncOpenAI(api_key=self.api_key, base_url=self.base_url, **kwargs)

    def _http_client(self, client_class: type, *, asynchronous: bool, **socket_options: Any) -> Any:
        """The SDK's HTTP client (``client_class``) for this server's transport: the
        in-process one, or the loopback socket with ``socket_options``."""
        if self.options.transport != "inprocess":
            return client_class(verify=self.ssl_context(), **socket_options)
        from vsmock.http.client_transport import transports

        # The HTTP library the SDK's client is built on: httpx, or httpx2 for newer SDKs.
        library = next(
            base.__module__.partition(".")[0]
            for base in client_class.__mro__
            if base.__module__.partition(".")[0] in ("httpx", "httpx2")
        )
        made = self._made_transports.get(library)
        if made is None:
            made = self._made_transports[library] = transports(library)
        transport = made[1] if asynchronous else made[0]
        return client_class(transport=transport(self.app, self._thread.loop, self._thread.address))

    def stop(self) -> None:
        self._thread.stop()
        self.runtime.close()
        logging.getLogger(LOGGER).removeFilter(_drop_reported_errors)


def _sdk() -> Any:
    try:
        import openai
    except ImportError:
        raise RuntimeError(
            "vsmock's openai_client fixtures need the official SDK: pip install openai"
        ) from None
    return openai


def _drop_reported_errors(record: logging.LogRecord) -> bool:
    """The server logs each internal error with its traceback; the plugin reports it as the
    failure of the test that caused it, so the captured log need not repeat it."""
    return record.exc_info is None
