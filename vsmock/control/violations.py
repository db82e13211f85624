"""Contract violations seen in lenient (stateless) mode or by the validating proxy."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from vsmock.errors import APIError

SINK_SCOPE_KEY = "vsmock.control.violations"


class Violations:
    def __init__(self) -> None:
        self._items: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(
        self,
        scope: Mapping[str, Any],
        error: APIError,
        *,
        rule: str,
        value: Any = None,
        direction: str = "request",
    ) -> None:
        routing = scope.get("extensions", {}).get("connexion_routing", {})
        item = {
            "direction": direction,
            "operation": routing.get("operation_id"),
            "method": scope.get("method"),
            "path": scope.get("path"),
            "parameter": error.param,
            "rule": rule,
            "message": error.message,
            "value": _short(value),
        }
        with self._lock:
            self._items.append(item)
        sink = scope.get(SINK_SCOPE_KEY)
        if isinstance(sink, list):  # the proxy collects each exchange's violations
            sink.append(item)

    def add(self, item: dict[str, Any]) -> None:
        with self._lock:
            self._items.append(item)

    def list(self) -> list[dict[str, Any]]:
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
