"""ASGI middleware around Connexion, one per concern. Outermost first:

admission (the request gets its server's runtime and an id; paths that can name nothing are
refused) → journaling → auth → upload limit → fault injection → the dispatcher
(``vsmock/http/dispatch.py``, the contract's operations) → Connexion (errors, routing,
validation, handlers) for everything else.
"""

from __future__ import annotations

from typing import ClassVar

from starlette.types import ASGIApp, Receive, Scope, Send

from vsmock.http.request_state import RequestState, request_state

ADMIN_PREFIX = "/__admin"


def is_admin(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


class ServedMiddleware:
    """A middleware for the requests a vsmock runtime answers. Everything else passes by:
    other scope types, requests without a runtime, and the admin API unless ``admin``."""

    admin: ClassVar[bool] = False  # whether admin requests are this middleware's too

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = request_state(scope)  # attached to HTTP requests only
        if state is None or (state.admin and not self.admin):
            await self.app(scope, receive, send)
            return
        await self.handle(state, scope, receive, send)

    async def handle(self, state: RequestState, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
