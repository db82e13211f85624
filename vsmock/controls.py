"""The admin controls, applied to a runtime: one implementation behind the ``/__admin``
routes (``handlers/admin.py``) and the pytest plugin's handle (``plugin/handle.py``).

Each takes what its route takes (already validated against ``vsmock/contract/admin.yaml``) and
returns what the route answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vsmock.contract.json_types import JsonObject
from vsmock.control.clock import ClockError, checked
from vsmock.control.faults import DEFAULT_HANG_MS, MAX_FAULTS, Fault, is_admin_path
from vsmock.errors import InvalidRequest

if TYPE_CHECKING:
    from vsmock.runtime import Runtime


def reset(rt: Runtime, seed: int | None = None, now: float | None = None) -> JsonObject:
    if now is not None:
        _clock_value(lambda: checked(now, "now"), "now")
    rt.reset(seed=seed, now=now)
    return {"status": "ok", "seed": rt.reset_seed, "now": rt.reset_time}


def clock(rt: Runtime) -> JsonObject:
    return {"now": rt.clock.now(), "frozen": rt.clock.frozen}


def set_clock(rt: Runtime, body: JsonObject) -> JsonObject:
    """Set, then advance, the clock; a time it cannot show is a 400 and changes nothing."""
    now, seconds = body.get("now"), body.get("advance_seconds")
    if now is not None:
        _clock_value(lambda: checked(now, "now"), "now")
    if seconds is not None:
        start = float(now) if now is not None else rt.clock.time()
        _clock_value(lambda: checked(start + seconds, "the clock's new time"), "advance_seconds")
    if now is not None:
        rt.clock.set(now)
    if seconds is not None:
        rt.clock.advance(seconds)
    return clock(rt)


def _clock_value(check: Callable[[], Any], param: str) -> None:
    try:
        check()
    except (ClockError, OverflowError, TypeError) as exc:
        raise InvalidRequest(str(exc), param=param, code="invalid_value") from None


def processing(rt: Runtime) -> JsonObject:
    settings: JsonObject = rt.backend.processing.to_dict()
    return {**settings, "poll_after_ms": rt.poll_after_ms}


def set_processing(rt: Runtime, body: JsonObject) -> JsonObject:
    backend = rt.backend
    before = processing(rt)
    with backend.lock:
        current = backend.processing
        if "polls" in body:
            current.polls = body["polls"]
        if "seconds" in body:
            current.seconds = body["seconds"]
        if "fail" in body:
            current.fail_count = body["fail"]["count"]
            current.fail_code = body["fail"].get("code", "server_error")
        if "stall" in body:
            current.stall = body["stall"]
    if "poll_after_ms" in body:
        rt.poll_after_ms = body["poll_after_ms"]
    after = processing(rt)
    # A scenario carries the processing settings once, as they are when it is exported.
    if body.get("fail", {}).get("count"):
        rt.steered("forced processing failures")
    if body.get("stall") or before["stall"]:
        rt.steered("a processing stall")
    timing = ("polls", "seconds", "poll_after_ms")
    if len(rt.journal) and any(before[k] != after[k] for k in timing):
        rt.steered("processing settings changed after the first request")
    return after


def add_reply(rt: Runtime, body: JsonObject) -> list[JsonObject]:
    try:
        rt.backend.replies.add(body["text"], body.get("count", 1))
    except ValueError as exc:
        raise InvalidRequest(str(exc), param="count", code="invalid_value") from None
    rt.steered("scripted replies")
    return rt.backend.replies.list()


def add_fault(rt: Runtime, body: JsonObject) -> list[JsonObject]:
    action = body.get("action")
    if body.get("status") is None and action is None and not body.get("delay_ms"):
        raise InvalidRequest(
            "A fault needs a status, an action or a delay_ms above 0: this one would do nothing.",
            param="status",
            code="missing_required_parameter",
        )
    prefix = body.get("path_prefix", "/")
    if not prefix.startswith("/") or is_admin_path(prefix):
        raise InvalidRequest(
            f"Invalid 'path_prefix': {prefix!r}. Faults match API paths, which start with '/' "
            "(with or without /v1 or /openai); the admin routes are never faulted.",
            param="path_prefix",
            code="invalid_value",
        )
    if len(rt.faults.list()) >= MAX_FAULTS:
        raise InvalidRequest(
            f"At most {MAX_FAULTS} faults can be armed at once; clear some first.",
            param="count",
            code="invalid_value",
        )
    if action is not None and body.get("status") is not None:
        raise InvalidRequest(
            "A fault has a status or an action, not both.", param="action", code="invalid_value"
        )
    if body.get("after_events") is not None and action != "truncate_body":
        raise InvalidRequest(
            "after_events goes with the action truncate_body.",
            param="after_events",
            code="invalid_value",
        )
    rt.faults.add(
        Fault(
            status=body.get("status"),
            count=body.get("count", 1),
            path_prefix=prefix,
            method=body.get("method"),
            retry_after_ms=body.get("retry_after_ms"),
            delay_ms=body.get("delay_ms", DEFAULT_HANG_MS if action == "hang" else 0),
            action=action,
            after_events=body.get("after_events"),
            probability=float(body.get("probability", 1.0)),
            seed=body.get("seed", rt.ids.seed),
        )
    )
    return rt.faults.list()


def requests(rt: Runtime) -> list[JsonObject]:
    return [entry.to_dict() for entry in rt.journal.entries()]
