"""Bearer-key checks, worded as the live API words them.

Every API route needs an ``Authorization: Bearer`` header; with ``--api-key``
only that key is accepted, and the admin routes need it too.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from vsmock.errors import InvalidAPIKey, MissingAPIKey
from vsmock.http.envelope import send_error
from vsmock.http.middleware import ServedMiddleware, is_admin
from vsmock.http.request_state import RequestState


class Auth(ServedMiddleware):
    admin = True  # with --api-key, the admin routes need the key too

    async def handle(self, state: RequestState, scope: Scope, receive: Receive, send: Send) -> None:
        expected = state.runtime.settings.api_key
        if is_admin(scope["path"]) and expected is None:
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
