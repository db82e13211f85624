"""The plugin's admin controls: checked against ``vsmock/contract/admin.yaml`` like the HTTP
routes (so the plugin accepts exactly what they accept), then applied by the same
``vsmock.controls`` the routes use."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from vsmock import controls as shared
from vsmock.contract import documents
from vsmock.contract.json_types import JsonObject
from vsmock.errors import InvalidRequest

if TYPE_CHECKING:
    import jsonschema

    from vsmock.runtime import Runtime


T = TypeVar("T")


class ControlError(ValueError):
    """A control was given a value its admin route would reject with a 400."""


@functools.cache
def _validator(path: str, method: str) -> jsonschema.Draft4Validator:
    import jsonschema

    operation = documents.admin()["paths"][path][method]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return jsonschema.Draft4Validator(schema)


def check(path: str, method: str, body: JsonObject, caller: str) -> None:
    """Raise ControlError, worded like the route's 400, if the route would reject ``body``
    (the route reads JSON, which has no NaN or infinity: neither does a control)."""
    from jsonschema.exceptions import best_match

    for key, value in body.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ControlError(f"{caller}: {key}: {value!r} is not a finite number")
    error = best_match(_validator(path, method).iter_errors(body))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path)
        raise ControlError(f"{caller}: {where + ': ' if where else ''}{error.message}")


def _applied(caller: str, apply: Callable[[], T]) -> T:
    """Apply a shared control; the 400 its route would answer becomes a ControlError."""
    try:
        return apply()
    except InvalidRequest as exc:
        raise ControlError(f"{caller}: {exc.message}") from None


def reset(rt: Runtime, seed: int | None = None, now: float | None = None) -> JsonObject:
    body = {k: v for k, v in (("seed", seed), ("now", now)) if v is not None}
    check("/reset", "post", body, "reset()")
    return _applied("reset()", lambda: shared.reset(rt, seed=seed, now=now))


def set_clock(rt: Runtime, body: JsonObject, caller: str) -> JsonObject:
    check("/clock", "post", body, caller)
    return _applied(caller, lambda: shared.set_clock(rt, body))


def set_processing(rt: Runtime, body: JsonObject) -> JsonObject:
    check("/processing", "post", body, "set_processing()")
    return _applied("set_processing()", lambda: shared.set_processing(rt, body))


def add_fault(rt: Runtime, body: JsonObject) -> list[JsonObject]:
    check("/faults", "post", body, "inject_fault()")
    return _applied("inject_fault()", lambda: shared.add_fault(rt, body))


def add_reply(rt: Runtime, body: JsonObject) -> list[JsonObject]:
    check("/responses", "post", body, "script_response()")
    return _applied("script_response()", lambda: shared.add_reply(rt, body))


clock = shared.clock
processing = shared.processing
requests = shared.requests
