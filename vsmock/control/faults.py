"""Injected faults and latency: the next N matching requests fail (or slow down).

A fault matches a request when the method matches (if one is given) and the path
starts with ``path_prefix``. The API is served both under ``/v1`` and at the root,
so a leading ``/v1`` is ignored on both sides: ``/v1/files`` matches ``/files``
and the other way round. Each request consumes at most one fault: the oldest
armed one that matches. A fault is dropped once its count is spent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from vsmock.contract.json_types import JsonObject

DEFAULT_RETRY_AFTER_MS = 1000  # a 429 always tells the client when to come back
API_PREFIX = "/v1"


def api_path(path: str) -> str:
    """The path as the API sees it, whether it came under /v1 or at the root."""
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return path[len(API_PREFIX) :] or "/"
    return path


@dataclass
class Fault:
    status: int | None  # None: latency only
    count: int
    path_prefix: str = "/"
    method: str | None = None
    retry_after_ms: int | None = None
    delay_ms: int = 0

    def __post_init__(self) -> None:
        if self.status == 429 and self.retry_after_ms is None:
            self.retry_after_ms = DEFAULT_RETRY_AFTER_MS
        if self.method is not None:
            self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        return api_path(path).startswith(api_path(self.path_prefix)) and (
            self.method is None or self.method == method.upper()
        )

    def to_dict(self) -> JsonObject:
        return {
            "status": self.status,
            "count": self.count,
            "path_prefix": self.path_prefix,
            "method": self.method,
            "retry_after_ms": self.retry_after_ms,
            "delay_ms": self.delay_ms,
        }


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The first armed fault matching this request, with one use consumed."""
        with self._lock:
            for fault in self._faults:
                if fault.count > 0 and fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def list(self) -> list[JsonObject]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
