"""Where a request enters: it gets its server's runtime (the request state) and, for the
API, a request id; a path that can name nothing is refused at once; an array in the query
sent as ``name[]`` is read as ``name``."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vsmock.errors import InvalidURL, RouteNotFound
from vsmock.http.envelope import send_error
from vsmock.http.middleware import is_admin
from vsmock.http.request_state import attach
from vsmock.runtime import Runtime

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# An array in the query as the SDKs send it: ``include[]=a&include[]=b`` (brackets
# percent-encoded or not). The contract names the parameter ``include``.
BRACKETS = re.compile(rb"(^|&)([^&=\[%]+)(?:\[\]|%5B%5D)(?==|&|$)", re.IGNORECASE)


def plain_array_names(query: bytes) -> bytes:
    """``include[]=a`` read as ``include=a`` (the query unchanged when it has no brackets)."""
    if b"[]" not in query and b"%5" not in query:
        return query
    return BRACKETS.sub(rb"\1\2", query)


class Admission:
    def __init__(self, app: ASGIApp, *, runtime: Runtime):
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        query = scope.get("query_string", b"")
        if query:
            scope["query_string"] = plain_array_names(query)
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
