"""Where a request enters: it gets its server's runtime (the request state) and, for the
API, a request id; a path that can name nothing is refused at once; an array in the query
sent as ``name[]`` is read as ``name``; a ``Content-Type`` is read without regard to case
(``APPLICATION/JSON`` is JSON), and a body sent without one is read as JSON, as the
validators assume.

Azure OpenAI clients (``openai.AzureOpenAI``) send ``{endpoint}/openai/<path>?api-version=…``:
such a request is served as ``/<path>`` (``/openai/v1/<path>`` as ``/v1/<path>``), so
everything after admission (the journal, auth, faults, the dispatcher) sees the API path,
with ``api-version`` left in the query. Without ``api-version`` it is refused with a 400,
except under ``/openai/v1/`` (Azure's v1 API takes none). :func:`azure_path` keeps the path
as sent; auth reads it to accept the ``api-key`` header there."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vsmock.errors import InvalidURL, MissingApiVersion, RouteNotFound
from vsmock.http.envelope import send_error
from vsmock.http.middleware import is_admin
from vsmock.http.middleware.fault_injection import ConnectionCut
from vsmock.http.request_state import attach
from vsmock.runtime import Runtime

AZURE_PREFIX = "/openai"
AZURE_V1 = "/v1"  # Azure's v1 API, /openai/v1/...: no api-version needed
AZURE_KEY = "vsmock.azure"  # in scope["extensions"]: the path an Azure client sent

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# An array in the query as the SDKs send it: ``include[]=a&include[]=b`` (brackets
# percent-encoded or not). The contract names the parameter ``include``.
BRACKETS = re.compile(rb"(^|&)([^&=\[%]+)(?:\[\]|%5B%5D)(?==|&|$)", re.IGNORECASE)


def plain_array_names(query: bytes) -> bytes:
    """``include[]=a`` read as ``include=a`` (the query unchanged when it has no brackets)."""
    if b"[]" not in query and b"%5" not in query:
        return query
    return BRACKETS.sub(rb"\1\2", query)


JSON = b"application/json"


def normalised_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]] | None:
    """The headers with the content type's media type in lower case, and ``application/json``
    for a body sent without a content type; None when they need no change."""
    changed = False
    typed = has_body = False
    out: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        if name == b"content-type":
            media, sep, rest = value.partition(b";")
            if not media.strip():
                changed = True
                continue  # an empty Content-Type is none
            typed = True
            if media != media.lower():
                value, changed = media.lower() + sep + rest, True
        elif name == b"transfer-encoding" or (name == b"content-length" and value.strip(b" 0")):
            has_body = True
        out.append((name, value))
    if has_body and not typed:
        out.append((b"content-type", JSON))
        changed = True
    return out if changed else None


def served_path(path: str) -> str | None:
    """The API path an Azure OpenAI path names (``/openai/files`` → ``/files``,
    ``/openai/v1/files`` → ``/v1/files``); None for every other path, the admin API's
    under ``/openai`` too."""
    if not path.startswith(AZURE_PREFIX + "/"):
        return None
    served = path[len(AZURE_PREFIX) :]
    return None if is_admin(served) else served


def has_api_version(query: bytes) -> bool:
    """Whether the query names a non-empty ``api-version``."""
    if b"version" not in query.lower():
        return False
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return any(name == "api-version" and value for name, value in pairs)


def azure_path(scope: Scope) -> str | None:
    """The path an Azure OpenAI client sent (``/openai/...``), for a request admitted as
    one; None for every other request."""
    path: str | None = (scope.get("extensions") or {}).get(AZURE_KEY)
    return path


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
        headers = normalised_headers(scope["headers"])
        if headers is not None:
            scope["headers"] = headers
        admin = is_admin(path)
        attach(scope, self.runtime, admin=admin)
        self.runtime.admit(api=not admin)
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

        served = served_path(path)
        if served is not None:
            v1 = served == AZURE_V1 or served.startswith(AZURE_V1 + "/")
            if not v1 and not has_api_version(scope.get("query_string", b"")):
                await send_error(stamped, MissingApiVersion())
                return
            scope["extensions"][AZURE_KEY] = path
            scope["path"] = served
        try:
            await self.app(scope, receive, stamped)
        except (asyncio.CancelledError, ConnectionCut):
            raise  # a request given up, or cut short by a fault on purpose: no error
        except BaseException as exc:
            # What no error handler answered (it escaped after the answer had started, or
            # is no Exception at all, as SystemExit): the server answers it as it can; the
            # test that caused it fails all the same.
            summary = f"vsmock server error on {scope['method']} {path}: {exc!r}"
            self.runtime.record_error(exc, summary)
            raise
