"""What handlers share: the runtime answering, the backend call, and the reply's shape."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from connexion.context import scope

from vsmock.backend.interface import Operations
from vsmock.contract.json_types import JsonObject
from vsmock.control.violations import CURRENT
from vsmock.http.request_state import RequestState, request_info, request_state
from vsmock.runtime import Runtime

T = TypeVar("T")
Reply = tuple[JsonObject, int, dict[str, str]]


def state() -> RequestState:
    """The state of the request being handled (Connexion's scope: ``request`` would build
    a new request object for it)."""
    current = request_state(scope)
    assert current is not None, "a handler runs inside a vsmock app"
    return current


def runtime() -> Runtime:
    return state().runtime


def backend() -> Operations:
    return runtime().backend


def call(operation: Callable[..., T], /, **arguments: Any) -> T:
    """``operation(**arguments)``, with the request it answers known below (described only
    if something below asks)."""
    token = CURRENT.set(partial(request_info, scope))
    try:
        return operation(**arguments)
    finally:
        CURRENT.reset(token)


def _in_progress(obj: JsonObject) -> bool:
    if obj.get("status") == "in_progress":
        return True
    counts = obj.get("file_counts")
    return isinstance(counts, dict) and counts.get("in_progress", 0) > 0


def shows_in_progress(obj: JsonObject) -> bool:
    """The object, or an item of the list it is, is still being processed."""
    if _in_progress(obj):
        return True
    data = obj.get("data")
    return isinstance(data, list) and any(
        isinstance(item, dict) and _in_progress(item) for item in data
    )


def reply(obj: JsonObject) -> Reply:
    """200 with the object; anything still in progress carries the polling hint."""
    headers = {}
    if shows_in_progress(obj):
        headers["openai-poll-after-ms"] = str(runtime().poll_after_ms)
    return obj, 200, headers
