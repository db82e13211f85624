"""Contract violations seen in lenient (stateless) mode or by the validating proxy."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from vsmock.contract.json_types import JsonObject
from vsmock.errors import APIError


@dataclass(frozen=True)
class RequestInfo:
    """The request a violation is found in (the HTTP layer fills it from the ASGI scope)."""

    method: str | None = None
    path: str | None = None
    operation: str | None = None  # the contract's operationId, once routed
    sink: list[JsonObject] | None = None  # the proxy collects each exchange's findings


# The request being answered, for code that does not see HTTP (the stateless backend
# reports what it finds against it): a function describing it, called only when a violation
# is recorded (most requests have none). The handlers set it around each backend call.
CURRENT: ContextVar[Callable[[], RequestInfo] | None] = ContextVar(
    "vsmock_current_request", default=None
)


class Violations:
    def __init__(self) -> None:
        self._items: list[JsonObject] = []
        self._lock = threading.Lock()
        self.recorded = 0  # how many were ever recorded (a clear does not go back)

    def record(
        self,
        request: RequestInfo,
        error: APIError,
        *,
        rule: str,
        value: Any = None,
        direction: str = "request",
    ) -> None:
        item = {
            "direction": direction,
            "operation": request.operation,
            "method": request.method,
            "path": request.path,
            "parameter": error.param,
            "rule": rule,
            "message": error.message,
            "value": _short(value),
        }
        with self._lock:
            self._items.append(item)
            self.recorded += 1
        if request.sink is not None:
            request.sink.append(item)

    def add(self, item: JsonObject) -> None:
        with self._lock:
            self._items.append(item)

    def list(self) -> list[JsonObject]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def summary(self) -> str:
        items = self.list()
        if not items:
            return "vsmock: no contract violations."
        counts = Counter((i["direction"], i["operation"], i["parameter"], i["rule"]) for i in items)
        lines = [
            f"vsmock: {len(items)} contract violation(s) (count, direction, operation, "
            "parameter, rule):"
        ]
        for (direction, operation, parameter, rule), n in counts.most_common():
            lines.append(f"  {n:5d}  {direction:8s} {operation or '-'}  {parameter or '-'}  {rule}")
        return "\n".join(lines)


def _short(value: Any) -> Any:
    text = repr(value)
    return value if len(text) <= 200 else text[:200] + "…"
