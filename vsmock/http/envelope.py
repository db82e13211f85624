"""One place that turns every error into OpenAI's envelope.

Our own :class:`~vsmock.errors.APIError`s, Connexion's problems (routing,
validation, response validation), Starlette's HTTP exceptions and anything
unexpected all leave as ``{"error": {"message", "type", "param", "code"}}``.
Unexpected failures and non-conforming responses are also recorded on the
runtime, so that tests (and the pytest plugin) can fail on them.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from connexion.exceptions import NonConformingResponse, ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount
from starlette.types import Send

from vsmock.errors import (
    BY_STATUS,
    APIError,
    InvalidRequest,
    MethodNotAllowed,
    RouteNotFound,
    ServerError,
)
from vsmock.http.request_state import request_state

if TYPE_CHECKING:
    from vsmock.runtime import Runtime

log = logging.getLogger("vsmock")


def envelope(error: APIError) -> bytes:
    """``{"error": {"message", "type", "param", "code"}}``, as the answer's bytes."""
    return json.dumps(error.body()).encode()


def render(error: APIError) -> ConnexionResponse:
    """The envelope as a Connexion error handler answers."""
    return ConnexionResponse(
        status_code=error.status,
        mimetype="application/json",
        body=envelope(error),
        headers=error.headers,
    )


async def send_error(send: Send, error: APIError) -> None:
    """The envelope, sent straight from a middleware."""
    body = envelope(error)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _runtime(request: ConnexionRequest) -> Runtime | None:
    try:
        state = request_state(request.scope)
    except Exception:  # noqa: BLE001 - a request without scope has no runtime
        return None
    return state.runtime if state is not None else None


def on_api_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, APIError)
    if exc.recorded:  # a failure on the server's side: tests using the server hear of it
        _record(request, exc)
    return render(exc)


def on_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ProblemException)
    if isinstance(exc, NonConformingResponse):
        return on_unexpected(request, exc)
    detail = str(exc.detail or exc.title or "Invalid request.")
    error_class = BY_STATUS.get(exc.status, InvalidRequest if exc.status < 500 else ServerError)
    return render(error_class(detail))


def on_http_exception(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, HTTPException)
    method, path = request.scope.get("method", "?"), request.scope.get("path", "?")
    if exc.status_code == 404:
        return render(RouteNotFound(method, path))
    if exc.status_code == 405:  # with the path's methods in ``Allow`` (RFC 9110)
        allowed = _allowed_methods(request.scope) or dict(exc.headers or {}).get("Allow")
        message = f"Method {method} is not allowed for {path}."
        return render(MethodNotAllowed(message, headers={"Allow": allowed} if allowed else {}))
    error_class = BY_STATUS.get(exc.status_code, InvalidRequest)
    return render(error_class(str(exc.detail)))


def _allowed_methods(scope: Any) -> str | None:
    """Every method the path answers. Connexion registers one route per method, so the
    ``Allow`` of Starlette's 405 names only the first route's; the router in the scope
    (the one that raised) knows them all."""
    router = scope.get("router")
    if router is None:
        return None
    methods: set[str] = set()

    def visit(routes: Any, scope: Any) -> None:
        for route in routes:
            match, child = route.matches(scope)
            if match == Match.NONE:
                continue
            if isinstance(route, Mount):
                visit(route.routes, {**scope, **child})
            elif getattr(route, "methods", None):
                methods.update(route.methods)

    # Routing has already moved root_path down to the mount it entered: start from the top.
    top = {**scope, "root_path": scope.get("app_root_path", scope.get("root_path", ""))}
    visit(router.routes, top)
    return ", ".join(sorted(methods)) or None


def _record(request: ConnexionRequest, exc: Exception) -> None:
    runtime = _runtime(request)
    method, path = request.scope.get("method", "?"), request.scope.get("path", "?")
    summary = f"vsmock server error on {method} {path}: {exc!r}"
    log.error(summary, exc_info=exc)
    if runtime is not None:
        runtime.record_error(exc, summary)


def on_unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    _record(request, exc)
    return render(
        ServerError("The server had an error while processing your request. Sorry about that!")
    )


HANDLERS = (
    (APIError, on_api_error),
    (ProblemException, on_problem),
    (HTTPException, on_http_exception),
    (Exception, on_unexpected),
)
