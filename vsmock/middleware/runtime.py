"""Puts the server's runtime in the scope, and stamps request ids on API responses."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..runtime import Runtime
from . import is_admin


class RuntimeMiddleware:
    def __init__(self, app: ASGIApp, *, runtime: Runtime):
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope["vsmock.runtime"] = self.runtime
        if is_admin(scope["path"]):
            await self.app(scope, receive, send)
            return
        request_id = self.runtime.ids.new("request").encode()

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (b"x-request-id", request_id),
                    (b"openai-version", b"2020-10-01"),
                ]
            await send(message)

        await self.app(scope, receive, stamped)
