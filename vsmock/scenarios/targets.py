"""Where a scenario is played: a server at a URL, or an app or runtime in this process.

In-process targets are driven through the whole ASGI app (auth, journal,
validation, handlers) with httpx's ASGI transport, so loading a scenario goes
through exactly the code a network client would reach.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Protocol

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from vsmock.runtime import Runtime
from vsmock.scenarios.format import Request

DEFAULT_API_KEY = "sk-vsmock-replay"
LOCAL = "http://vsmock.local"


class Client(Protocol):
    def request(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response: ...

    def close(self) -> None: ...


class InProcessClient:
    """A synchronous HTTP client for an ASGI app, on an event loop of its own.

    Its own loop and thread let it be used from anywhere: plain code, a handler
    running in a server's worker thread, or code inside another running loop.
    """

    def __init__(self, app: Any, timeout: float = 120):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="vsmock-scenario", daemon=True
        )
        self._thread.start()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._client = self._run(self._open(transport, timeout))

    @staticmethod
    async def _open(transport: httpx.ASGITransport, timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=transport, timeout=timeout)

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def request(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        call = self._client.request(method, url, content=content, json=json, headers=headers)
        response: httpx.Response = self._run(call)
        return response

    def close(self) -> None:
        try:
            self._run(self._client.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()


class Target:
    """An HTTP client plus the two base URLs it talks to: the API and the admin API."""

    def __init__(
        self, client: Client, api_base: str, admin_base: str, api_key: str | None, name: str
    ):
        self.client = client
        self.api_base = api_base.rstrip("/")
        self.admin_base = admin_base.rstrip("/")
        self.name = name
        self.auth = {"authorization": f"Bearer {api_key}"} if api_key else {}

    def send(self, request: Request) -> httpx.Response:
        url = self.api_base + request.path + (f"?{request.query}" if request.query else "")
        return self.client.request(
            request.method,
            url,
            content=request.raw_body() or None,
            headers={**request.headers, **self.auth},
        )

    def admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.client.request(method, self.admin_base + path, json=body, headers=self.auth)

    def close(self) -> None:
        self.client.close()


def open_target(target: Any, api_key: str | None = None, timeout: float = 120) -> Target:
    """A Target for a base URL (``http://host:port/v1``) or an in-process vsmock app (an
    ASGI app with the ``runtime`` it serves, such as ``create_app()``'s)."""
    if isinstance(target, str):
        base = target.rstrip("/")
        root = base[: -len("/v1")] if base.endswith("/v1") else base
        client = httpx.Client(timeout=timeout)
        return Target(client, base, root + "/__admin", api_key or DEFAULT_API_KEY, base)
    if isinstance(getattr(target, "runtime", None), Runtime):
        app, runtime = target, target.runtime
    else:
        raise TypeError(f"cannot play a scenario against {target!r}")
    key = api_key or runtime.settings.api_key or DEFAULT_API_KEY
    return Target(InProcessClient(app), LOCAL + "/v1", LOCAL + "/__admin", key, "in-process vsmock")


class BoundApp:
    """An ASGI app together with the runtime it serves (e.g. ``scope["app"]`` in a handler)."""

    def __init__(self, app: ASGIApp, runtime: Runtime):
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
