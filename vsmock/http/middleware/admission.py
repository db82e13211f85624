"""Where a request enters: it gets its server's runtime (the request state) and, for the
API, a request id; a path that can name nothing is refused at once."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vsmock.errors import InvalidURL, RouteNotFound
from vsmock.http.envelope import send_error
from vsmock.http.middleware import is_admin
from vsmock.http.request_state import attach
from vsmock.runtime import Runtime

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Admission:
    def __init__(self, app: ASGIApp, *, runtime: Runtime):
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        admin = is_admin(path)
        attach(scope, self.runtime, admin=admin)
        if len(path) > 1 and path.endswith("/"):  # no route ends in a slash: no redirect
            await send_error(send, RouteNotFound(scope["method"], path))
            return
        if CONTROL.search(path):  # %0A and the like: no id or route holds them
            await send_error(send, InvalidURL(scope["method"], path))
            return
        if admin:
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
