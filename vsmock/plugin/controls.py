"""The admin API's controls, applied to a runtime in-process.

Each function takes the request body its ``/__admin`` route takes, checks it
against that route's schema in ``vsmock/admin.yaml`` (so the plugin accepts
exactly what the HTTP route accepts), applies it as the route's handler does,
and returns what the route would answer.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ..faults import Fault

if TYPE_CHECKING:
    import jsonschema

    from ..runtime import Runtime


class ControlError(ValueError):
    """A control was given a value its admin route would reject with a 400."""


@functools.cache
def _admin_spec() -> dict[str, Any]:
    import yaml

    from ..app import admin_spec_path

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(admin_spec_path(), encoding="utf-8") as f:
        spec: dict[str, Any] = yaml.load(f, Loader=loader)  # noqa: S506 - a safe loader
    return spec


@functools.cache
def _validator(path: str, method: str) -> jsonschema.Draft4Validator:
    import jsonschema

    operation = _admin_spec()["paths"][path][method]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return jsonschema.Draft4Validator(schema)


def check(path: str, method: str, body: dict[str, Any], caller: str) -> None:
    """Raise ControlError, worded like the route's 400, if the route would reject ``body``."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator(path, method).iter_errors(body))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path)
        raise ControlError(f"{caller}: {where + ': ' if where else ''}{error.message}")


def reset(rt: Runtime, seed: int | None = None, now: float | None = None) -> dict[str, Any]:
    body = {k: v for k, v in (("seed", seed), ("now", now)) if v is not None}
    check("/reset", "post", body, "reset()")
    rt.reset(seed=seed, now=now)
    return {"status": "ok", "seed": rt.reset_seed, "now": rt.reset_time}


def clock(rt: Runtime) -> dict[str, Any]:
    return {"now": rt.clock.now(), "frozen": rt.clock.frozen}


def set_clock(rt: Runtime, body: dict[str, Any], caller: str) -> dict[str, Any]:
    check("/clock", "post", body, caller)
    if body.get("now") is not None:
        rt.clock.set(body["now"])
    if body.get("advance_seconds") is not None:
        rt.clock.advance(body["advance_seconds"])
    return clock(rt)


def processing(rt: Runtime) -> dict[str, Any]:
    settings: dict[str, Any] = rt.backend.processing.to_dict()
    return {**settings, "poll_after_ms": rt.poll_after_ms}


def set_processing(rt: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    check("/processing", "post", body, "set_processing()")
    backend = rt.backend
    with backend.lock:
        current = backend.processing
        if "polls" in body:
            current.polls = body["polls"]
        if "seconds" in body:
            current.seconds = body["seconds"]
        if "fail" in body:
            current.fail_count = body["fail"]["count"]
            current.fail_code = body["fail"].get("code", "server_error")
    if "poll_after_ms" in body:
        rt.poll_after_ms = body["poll_after_ms"]
    return processing(rt)


def add_fault(rt: Runtime, body: dict[str, Any]) -> list[dict[str, Any]]:
    check("/faults", "post", body, "inject_fault()")
    rt.faults.add(
        Fault(
            status=body.get("status"),
            count=body.get("count", 1),
            path_prefix=body.get("path_prefix", "/"),
            method=body.get("method"),
            retry_after_ms=body.get("retry_after_ms"),
            delay_ms=body.get("delay_ms", 0),
        )
    )
    return rt.faults.list()


def requests(rt: Runtime) -> list[dict[str, Any]]:
    return [entry.to_dict() for entry in rt.journal.entries()]
