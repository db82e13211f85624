"""What handlers share: the runtime of the server answering, and the reply shape."""

from __future__ import annotations

from typing import Any

from connexion.context import scope

from vsmock.runtime import Runtime


def runtime() -> Runtime:
    rt: Runtime = scope["vsmock.runtime"]  # the scope itself: ``request`` builds a new request
    return rt


def backend() -> Any:
    return runtime().backend


def _in_progress(obj: dict[str, Any]) -> bool:
    if obj.get("status") == "in_progress":
        return True
    counts = obj.get("file_counts")
    return isinstance(counts, dict) and counts.get("in_progress", 0) > 0


def shows_in_progress(obj: dict[str, Any]) -> bool:
    """The object, or an item of the list it is, is still being processed."""
    if _in_progress(obj):
        return True
    data = obj.get("data")
    return isinstance(data, list) and any(
        isinstance(item, dict) and _in_progress(item) for item in data
    )


def reply(obj: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """200 with the object; anything still in progress carries the polling hint."""
    headers = {}
    if shows_in_progress(obj):
        headers["openai-poll-after-ms"] = str(runtime().poll_after_ms)
    return obj, 200, headers
