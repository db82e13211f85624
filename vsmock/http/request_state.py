"""What one request carries through the app, in one typed place.

The server's runtime, and what one stage hands the next (the journal entry, a JSON body
parsed once, a multipart form parsed once, the proxy's routing and violations), travel in
``scope["extensions"]["vsmock"]``: the ASGI spot for extensions, where Connexion keeps its
own per-request data too. :func:`request_state` is the one accessor; the outermost
middleware (:mod:`vsmock.http.middleware.admission`) attaches the state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.types import Scope

from vsmock.contract.json_types import JsonObject
from vsmock.control.violations import RequestInfo

if TYPE_CHECKING:
    from vsmock.control.journal import Entry
    from vsmock.runtime import Runtime

KEY = "vsmock"
CONNECTION = "vsmock.connection"  # the request's connection (an asyncio transport), if known
NOT_PARSED: Any = object()  # ``json_body`` before (or without) a parse


@dataclass(eq=False)
class RequestState:
    runtime: Runtime
    admin: bool = False  # a request for the admin API (outside /v1)
    journal_entry: Entry | None = None
    json_body: Any = NOT_PARSED  # as the body validator parsed it (UTF-8 bodies only)
    form: tuple[FormData, JsonObject] | None = None  # (parts, fields) of a multipart body
    violations: list[JsonObject] | None = None  # the proxy's, for the exchange it records
    routed: JsonObject = field(default_factory=dict)  # the proxy keeps the routed scope
    # what must be done before the connection closes unanswered: the journal completes its
    # entry, so that whoever sees the connection close reads the whole entry
    before_close: Callable[[], None] | None = None


def attach(scope: Scope, runtime: Runtime, *, admin: bool = False) -> RequestState:
    """Give ``scope`` the state of a request answered by ``runtime`` (replacing any)."""
    state = RequestState(runtime, admin)
    extensions = scope.get("extensions")
    if extensions is None:
        extensions = scope["extensions"] = {}
    extensions[KEY] = state
    return state


def request_state(scope: Scope) -> RequestState | None:
    """The state of the request ``scope`` describes; None outside a vsmock server."""
    extensions = scope.get("extensions")
    if not extensions:
        return None
    state: RequestState | None = extensions.get(KEY)
    return state


def header_value(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    """The first value of header ``name`` (lower case) in a list of raw headers, as
    Starlette's ``Headers.get`` reads it; None when it was not sent."""
    for key, value in headers:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def request_info(scope: Scope) -> RequestInfo:
    """The request as a violation names it (method, path, operation once routed)."""
    routing = (scope.get("extensions") or {}).get("connexion_routing") or {}
    state = request_state(scope)
    return RequestInfo(
        method=scope.get("method"),
        path=scope.get("path"),
        operation=routing.get("operation_id"),
        sink=state.violations if state is not None else None,
    )


def close_connection(scope: Scope) -> bool:
    """Close the connection the request came on, without an answer (after the request's
    ``before_close``). False when the server did not say which connection it is
    (``http/uvicorn_adapter.py`` and the in-process client transport do)."""
    transport = (scope.get("extensions") or {}).get(CONNECTION)
    if transport is None:
        return False
    state = request_state(scope)
    if state is not None and state.before_close is not None:
        state.before_close()
    transport.close()
    return True
