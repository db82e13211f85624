"""The app factory: the CLI, the tests and the pytest plugin all build servers here."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import partial
from importlib import resources
from pathlib import Path
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

from . import handlers
from .envelope import HANDLERS
from .middleware import ADMIN_PREFIX
from .middleware.auth import AuthMiddleware
from .middleware.faults import FaultMiddleware
from .middleware.journal import JournalMiddleware
from .middleware.runtime import RuntimeMiddleware
from .middleware.uploads import UploadLimitMiddleware
from .runtime import Runtime
from .settings import Settings
from .validation import validator_map

API_PREFIX = "/v1"


def spec_path() -> Path:
    """``openapi.yaml``: inside the installed package, or at the top of a source checkout."""
    packaged = Path(str(resources.files("vsmock"))) / "openapi.yaml"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parent.parent / "openapi.yaml"


def admin_spec_path() -> Path:
    return Path(__file__).resolve().parent / "admin.yaml"


class VsmockApp(connexion.AsyncApp):
    """A Connexion app that carries the runtime it serves."""

    runtime: Runtime


def create_app(settings: Settings | None = None, **overrides: Any) -> VsmockApp:
    settings = replace(settings or Settings(), **overrides)
    runtime = Runtime(settings)
    middlewares = [
        ServerErrorMiddleware,
        partial(RuntimeMiddleware, runtime=runtime),
        JournalMiddleware,
        AuthMiddleware,
        UploadLimitMiddleware,
        FaultMiddleware,
        ExceptionMiddleware,
        RoutingMiddleware,
        RequestValidationMiddleware,
        ResponseValidationMiddleware,
        LifespanMiddleware,
        ContextMiddleware,
    ]
    app = VsmockApp(
        "vsmock",
        middlewares=middlewares,
        jsonifier=Jsonifier(json, separators=(",", ":")),
    )
    app.runtime = runtime
    options: dict[str, Any] = {
        "resolver": Resolver(function_resolver=handlers.resolve),
        "pythonic_params": True,
        "validator_map": validator_map(),
    }
    app.add_api(admin_spec_path(), base_path=ADMIN_PREFIX, validate_responses=True, **options)
    for base_path in (API_PREFIX, ""):
        app.add_api(
            spec_path(),
            base_path=base_path,
            validate_responses=settings.validate_responses,
            **options,
        )
    for error_class, handler in HANDLERS:
        app.add_error_handler(error_class, handler)
    return app
