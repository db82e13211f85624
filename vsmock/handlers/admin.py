"""The admin API (vsmock/admin.yaml), outside /v1."""

from __future__ import annotations

from typing import Any

from ..faults import Fault
from ._context import runtime


def health() -> Any:
    rt = runtime()
    return {"status": "ok", "mode": rt.mode}


def reset(body: dict[str, Any] | None = None) -> Any:
    body = body or {}
    rt = runtime()
    rt.reset(seed=body.get("seed"), now=body.get("now"))
    return {"status": "ok", "seed": rt.reset_seed, "now": rt.reset_time}


def _clock() -> dict[str, Any]:
    clock = runtime().clock
    return {"now": clock.now(), "frozen": clock.frozen}


def get_clock() -> Any:
    return _clock()


def set_clock(body: dict[str, Any]) -> Any:
    clock = runtime().clock
    if body.get("now") is not None:
        clock.set(body["now"])
    if body.get("advance_seconds") is not None:
        clock.advance(body["advance_seconds"])
    return _clock()


def _processing() -> dict[str, Any]:
    rt = runtime()
    return {**rt.backend.processing.to_dict(), "poll_after_ms": rt.poll_after_ms}


def get_processing() -> Any:
    return _processing()


def set_processing(body: dict[str, Any]) -> Any:
    rt = runtime()
    processing = rt.backend.processing
    with rt.backend.lock:
        if "polls" in body:
            processing.polls = body["polls"]
        if "seconds" in body:
            processing.seconds = body["seconds"]
        if "fail" in body:
            processing.fail_count = body["fail"]["count"]
            processing.fail_code = body["fail"].get("code", "server_error")
    if "poll_after_ms" in body:
        rt.poll_after_ms = body["poll_after_ms"]
    return _processing()


def list_faults() -> Any:
    return {"data": runtime().faults.list()}


def add_fault(body: dict[str, Any]) -> Any:
    faults = runtime().faults
    faults.add(
        Fault(
            status=body.get("status"),
            count=body.get("count", 1),
            path_prefix=body.get("path_prefix", "/"),
            method=body.get("method"),
            retry_after_ms=body.get("retry_after_ms"),
            delay_ms=body.get("delay_ms", 0),
        )
    )
    return {"data": faults.list()}


def clear_faults() -> Any:
    runtime().faults.clear()
    return {"data": []}


def list_requests() -> Any:
    return {"data": [entry.to_dict() for entry in runtime().journal.entries()]}


def clear_requests() -> Any:
    runtime().journal.clear()
    return {"data": []}


def list_violations() -> Any:
    return {"data": runtime().violations.list()}


def clear_violations() -> Any:
    runtime().violations.clear()
    return {"data": []}


def list_errors() -> Any:
    return {"data": runtime().take_errors()}


def export_scenario() -> Any:
    from ..errors import Conflict
    from ..scenarios import ScenarioIncomplete, ScenarioUnavailable, export

    try:
        return export(runtime()).to_dict()
    except ScenarioIncomplete as exc:
        raise Conflict(str(exc), code="scenario_incomplete") from None
    except ScenarioUnavailable as exc:
        raise Conflict(str(exc), code="scenario_unavailable") from None


def load_scenario(body: dict[str, Any]) -> Any:
    from connexion import request

    from ..errors import Conflict, InvalidRequest
    from ..scenarios import ScenarioError, ScenarioMismatch, load_into
    from ..scenarios.targets import BoundApp

    rt = runtime()
    source: Any = body
    if "version" not in body and isinstance(body.get("path"), str):
        source = body["path"]
    app = request.scope.get("app")  # the whole app serving this request
    try:
        result = load_into(BoundApp(app, rt) if app is not None else rt, source)
    except ScenarioMismatch as exc:
        raise Conflict(str(exc), code="scenario_mismatch") from None
    except ScenarioError as exc:
        raise InvalidRequest(str(exc), code="invalid_scenario") from None
    return {
        "status": "ok",
        "interactions": result.total,
        "seed": rt.reset_seed,
        "now": rt.reset_time,
    }
