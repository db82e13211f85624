"""Bearer-key checks, worded as the live API words them.

Every API route needs an ``Authorization: Bearer`` header; with ``--api-key``
only that key is accepted, and the admin routes need it too.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from vsmock.errors import InvalidAPIKey, MissingAPIKey
from vsmock.http.middleware import is_admin
from vsmock.http.middleware.replies import send_error
from vsmock.runtime import Runtime


class AuthMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime: Runtime | None = scope.get("vsmock.runtime")
        if scope["type"] != "http" or runtime is None:
            await self.app(scope, receive, send)
            return
        expected = runtime.settings.api_key
        admin = is_admin(scope["path"])
        if admin and expected is None:
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization", "")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            await send_error(send, MissingAPIKey())
            return
        if expected is not None and key != expected:
            await send_error(send, InvalidAPIKey(key))
            return
        await self.app(scope, receive, send)
