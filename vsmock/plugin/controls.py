"""The plugin's admin controls: checked against ``vsmock/admin.yaml`` like the HTTP
routes (so the plugin accepts exactly what they accept), then applied by the same
``vsmock.controls`` the routes use."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from .. import controls as shared

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
    return shared.reset(rt, seed=seed, now=now)


def set_clock(rt: Runtime, body: dict[str, Any], caller: str) -> dict[str, Any]:
    check("/clock", "post", body, caller)
    return shared.set_clock(rt, body)


def set_processing(rt: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    check("/processing", "post", body, "set_processing()")
    return shared.set_processing(rt, body)


def add_fault(rt: Runtime, body: dict[str, Any]) -> list[dict[str, Any]]:
    check("/faults", "post", body, "inject_fault()")
    return shared.add_fault(rt, body)


clock = shared.clock
processing = shared.processing
requests = shared.requests
