"""Injected faults and latency: the next N matching requests fail (or slow down)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

FAULT_STATUSES = (408, 409, 429, 500, 502, 503)


@dataclass
class Fault:
    status: int | None  # None: latency only
    count: int
    path_prefix: str = "/"
    method: str | None = None
    retry_after_ms: int | None = None
    delay_ms: int = 0

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path_prefix) and (
            self.method is None or self.method.upper() == method.upper()
        )

    def to_dict(self) -> dict[str, Any]:
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

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
