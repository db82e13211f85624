"""The admin controls, applied to a runtime: one implementation behind the ``/__admin``
routes (``handlers/admin.py``) and the pytest plugin's handle (``plugin/handle.py``).

Each takes what its route takes (already validated against ``vsmock/admin.yaml``) and
returns what the route answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .faults import Fault

if TYPE_CHECKING:
    from .runtime import Runtime


def reset(rt: Runtime, seed: int | None = None, now: float | None = None) -> dict[str, Any]:
    rt.reset(seed=seed, now=now)
    return {"status": "ok", "seed": rt.reset_seed, "now": rt.reset_time}


def clock(rt: Runtime) -> dict[str, Any]:
    return {"now": rt.clock.now(), "frozen": rt.clock.frozen}


def set_clock(rt: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("now") is not None:
        rt.clock.set(body["now"])
    if body.get("advance_seconds") is not None:
        rt.clock.advance(body["advance_seconds"])
    return clock(rt)


def processing(rt: Runtime) -> dict[str, Any]:
    settings: dict[str, Any] = rt.backend.processing.to_dict()
    return {**settings, "poll_after_ms": rt.poll_after_ms}


def set_processing(rt: Runtime, body: dict[str, Any]) -> dict[str, Any]:
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
