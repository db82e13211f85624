"""The admin API (vsmock/contract/admin.yaml), outside /v1."""

from __future__ import annotations

from vsmock import controls
from vsmock.contract.json_types import JsonObject
from vsmock.http.handlers.context import runtime


def health() -> JsonObject:
    rt = runtime()
    return {"status": "ok", "mode": rt.mode}


def reset(body: JsonObject | None = None) -> JsonObject:
    body = body or {}
    return controls.reset(runtime(), seed=body.get("seed"), now=body.get("now"))


def get_clock() -> JsonObject:
    return controls.clock(runtime())


def set_clock(body: JsonObject) -> JsonObject:
    return controls.set_clock(runtime(), body)


def get_processing() -> JsonObject:
    return controls.processing(runtime())


def set_processing(body: JsonObject) -> JsonObject:
    return controls.set_processing(runtime(), body)


def list_replies() -> JsonObject:
    return {"data": runtime().backend.replies.list()}


def add_reply(body: JsonObject) -> JsonObject:
    return {"data": controls.add_reply(runtime(), body)}


def clear_replies() -> JsonObject:
    runtime().backend.replies.clear()
    return {"data": []}


def list_faults() -> JsonObject:
    return {"data": runtime().faults.list()}


def add_fault(body: JsonObject) -> JsonObject:
    return {"data": controls.add_fault(runtime(), body)}


def clear_faults() -> JsonObject:
    runtime().faults.clear()
    return {"data": []}


def list_requests() -> JsonObject:
    return {"data": controls.requests(runtime())}


def clear_requests() -> JsonObject:
    runtime().journal.clear()
    return {"data": []}


def list_violations() -> JsonObject:
    return {"data": runtime().violations.list()}


def clear_violations() -> JsonObject:
    runtime().violations.clear()
    return {"data": []}


def list_errors() -> JsonObject:
    return {"data": runtime().take_errors()}


def export_scenario() -> JsonObject:
    from vsmock.errors import Conflict
    from vsmock.scenarios import ScenarioIncomplete, ScenarioUnavailable, export

    try:
        return export(runtime()).to_dict()
    except ScenarioIncomplete as exc:
        raise Conflict(str(exc), code="scenario_incomplete") from None
    except ScenarioUnavailable as exc:
        raise Conflict(str(exc), code="scenario_unavailable") from None


def load_scenario(body: JsonObject) -> JsonObject:
    from connexion import request

    from vsmock.errors import Conflict, InvalidRequest
    from vsmock.scenarios import ScenarioError, ScenarioMismatch, load_into
    from vsmock.scenarios.targets import BoundApp

    rt = runtime()
    source: JsonObject | str = body
    if "version" not in body and isinstance(body.get("path"), str):
        source = body["path"]
    app = request.scope["app"]  # the whole app serving this request
    try:
        result = load_into(BoundApp(app, rt), source)
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
