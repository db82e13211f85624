"""The app factory: the CLI, the tests and the pytest plugin all build servers here."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from functools import partial
from typing import Any

import connexion
from connexion.jsonifier import Jsonifier
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.resolver import Resolver

from vsmock.contract import documents
from vsmock.contract.json_types import JsonObject
from vsmock.http import handlers
from vsmock.http.connexion_adapter import mount, mounted_operations
from vsmock.http.dispatch import FastPath, Routes
from vsmock.http.envelope import HANDLERS
from vsmock.http.middleware import ADMIN_PREFIX
from vsmock.http.middleware.admission import Admission
from vsmock.http.middleware.auth import Auth
from vsmock.http.middleware.fault_injection import FaultInjection
from vsmock.http.middleware.journaling import Journaling
from vsmock.http.middleware.upload_limit import UploadLimit
from vsmock.http.validators import validator_map
from vsmock.runtime import Runtime
from vsmock.settings import Settings

try:
    import orjson
except ImportError:  # pragma: no cover - an optional speed-up
    orjson = None  # type: ignore[assignment]

API_PREFIX = "/v1"


class _Json:
    """The ``json`` module as Connexion's Jsonifier uses it, writing with orjson when it is
    installed (several times faster). Values orjson refuses (integers beyond 64 bits, lone
    surrogates) are written by ``json``, with the same compact separators."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(data: Any, **kwargs: Any) -> str:
        if orjson is not None:
            try:
                return str(orjson.dumps(data).decode())
            except TypeError:
                pass
        return json.dumps(data, **kwargs)


class VsmockApp(connexion.AsyncApp):
    """A Connexion app that carries the runtime it serves."""

    runtime: Runtime


def preload_in_background() -> threading.Thread:
    """Start loading the search engine now, on a thread of its own; returns the thread.

    The thread imports the engine (``vsmock.search.index``, on numpy, which the server has
    loaded already: a few milliseconds), uses it once on a throwaway index, and loads the event-loop
    backend that runs the first upload on a worker thread. A request that needs the engine
    while the thread still imports it waits for that same import (Python's per-module import
    lock) instead of starting its own. Nothing on the request path loads scikit-learn or SciPy: the
    analyzer and the stop-word list are scikit-learn's, copied and tested equal to it
    (``tests/search/test_analysis.py``).
    """

    def preload() -> None:
        import anyio

        from vsmock.search.index import SearchIndex

        index = SearchIndex()
        index.add("warm-up", ["Warm up the search engine.", "Once, before a request."], 0)
        index.search(["warm up the engine"], allowed=None, limit=2)
        anyio.run(anyio.sleep, 0)

    thread = threading.Thread(target=preload, name="vsmock-preload", daemon=True)
    thread.start()
    return thread


def api_options() -> JsonObject:
    """How every mount of a vsmock spec resolves handlers and validates requests."""
    return {
        "resolver": Resolver(function_resolver=handlers.resolve),
        "pythonic_params": True,
        "validator_map": validator_map(),
    }


def connexion_app(runtime: Runtime, *, outer: list[Any] | None = None) -> VsmockApp:
    """A Connexion app over ``runtime`` serving the admin API, with OpenAI's error envelope.

    ``outer`` middlewares sit between the runtime middleware and Connexion's error
    handling; ``create_app`` adds the API's (journal, auth, upload limit, faults), the
    proxy none.
    """
    app = VsmockApp(
        "vsmock",
        middlewares=[
            ServerErrorMiddleware,
            partial(Admission, runtime=runtime),
            *(outer or []),
            ExceptionMiddleware,
            RoutingMiddleware,
            RequestValidationMiddleware,
            ResponseValidationMiddleware,
            LifespanMiddleware,
            ContextMiddleware,
        ],
        jsonifier=Jsonifier(_Json, separators=(",", ":")),
    )
    app.runtime = runtime
    mount(
        app.middleware,
        documents.admin_path(),
        base_path=ADMIN_PREFIX,
        validate_responses=True,
        **api_options(),
    )
    for error_class, handler in HANDLERS:
        app.add_error_handler(error_class, handler)
    return app


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    fastpath: bool = True,
    **overrides: Any,
) -> VsmockApp:
    """The app, over a new runtime (or the given one, whose settings it takes).
    ``fastpath=False`` leaves every request to Connexion's own stack (the dispatcher must
    answer exactly as that stack does; tests compare the two)."""
    if runtime is None:
        runtime = Runtime(replace(settings or Settings(), **overrides))
    settings = runtime.settings
    routes = Routes()
    app = connexion_app(
        runtime,
        outer=[
            Journaling,
            Auth,
            UploadLimit,
            FaultInjection,
            *([partial(FastPath, routes=routes)] if fastpath else []),
        ],
    )
    for base_path in (API_PREFIX, ""):
        mount(
            app.middleware,
            documents.openapi_path(),
            base_path=base_path,
            validate_responses=settings.validate_responses,
            **api_options(),
        )
    if fastpath:
        routes.build(
            mounted_operations(app.middleware), HANDLERS, include=lambda base: base != ADMIN_PREFIX
        )
    return app
