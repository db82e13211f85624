"""Injected faults and latency: the next N matching requests fail (or slow down).

A fault matches a request when the method matches (if one is given) and the path
starts with ``path_prefix``. The API is served under ``/v1``, at the root and (for Azure
clients) under ``/openai``, so those leading parts are ignored on both sides:
``/v1/files`` matches ``/files`` and the other way round. Each request consumes at most
one fault: the oldest armed one that matches. A fault is dropped once its count is spent.

A fault answers with an error ``status``, or does one of the :data:`ACTIONS` below the
status codes (what a network does): drop the connection, cut the body short (or an event
stream after ``after_events`` events), answer 200 with a body that is not JSON, or hang
for ``delay_ms`` and then drop the connection. With a ``probability`` below 1 a matching
request is hit only when the fault's own seeded random stream says so (``seed``; the
server's id seed when not given), so a load test gets the same hits for the same requests
every run; only hits use up ``count``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from vsmock.contract.json_types import JsonObject

DEFAULT_RETRY_AFTER_MS = 1000  # a 429 always tells the client when to come back
DEFAULT_HANG_MS = 30_000  # how long a hang lasts when no delay_ms is given
MAX_FAULTS = 1_000  # armed at once
API_PREFIX = "/v1"
AZURE_PREFIX = "/openai"  # Azure OpenAI clients' paths, served as the API's
ADMIN_PREFIX = "/__admin"
# Faults below HTTP status codes. The first three fail before the request reaches the
# backend; truncate_body lets it be carried out and loses the answer on the way back.
ACTIONS = ("drop_connection", "hang", "malformed_json", "truncate_body")


def api_path(path: str) -> str:
    """The path as the API sees it, whether it came under /v1, /openai (an Azure client's)
    or at the root."""
    for prefix in (AZURE_PREFIX, API_PREFIX):
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix) :] or "/"
    return path


def is_admin_path(path: str) -> bool:
    """Whether a path prefix names the admin routes (which faults never touch)."""
    path = api_path(path)
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


@dataclass
class Fault:
    status: int | None  # None: latency only, or an action
    count: int
    path_prefix: str = "/"
    method: str | None = None
    retry_after_ms: int | None = None
    delay_ms: int = 0
    action: str | None = None  # one of ACTIONS
    after_events: int | None = None  # truncate_body on an event stream: events sent first
    probability: float = 1.0
    seed: int = 0
    _draws: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.status == 429 and self.retry_after_ms is None:
            self.retry_after_ms = DEFAULT_RETRY_AFTER_MS
        if self.method is not None:
            self.method = self.method.upper()
        self._draws = random.Random(f"{self.seed}:fault")

    @property
    def kind(self) -> str:
        """What the journal names the fault by: its action, ``status`` or ``delay``."""
        if self.action is not None:
            return self.action
        return "status" if self.status is not None else "delay"

    def matches(self, method: str, path: str) -> bool:
        return api_path(path).startswith(api_path(self.path_prefix)) and (
            self.method is None or self.method == method.upper()
        )

    def hits(self) -> bool:
        """Whether a matching request is hit (one draw of the fault's stream per match)."""
        return self.probability >= 1.0 or self._draws.random() < self.probability

    def to_dict(self) -> JsonObject:
        return {
            "status": self.status,
            "count": self.count,
            "path_prefix": self.path_prefix,
            "method": self.method,
            "retry_after_ms": self.retry_after_ms,
            "delay_ms": self.delay_ms,
            "action": self.action,
            "after_events": self.after_events,
            "probability": self.probability,
            "seed": self.seed,
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
                if fault.count > 0 and fault.matches(method, path) and fault.hits():
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
