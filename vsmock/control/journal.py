"""The request journal: what the API was asked and what it answered.

Entries are kept oldest first, up to a bound. JSON bodies are kept as JSON;
other bodies as their size (and, for scenarios, their raw bytes up to a cap).
Secrets never enter it: ``Authorization`` and cookies are dropped.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from vsmock.contract import json_bodies
from vsmock.contract.json_types import JsonObject

RAW_BODY_CAP = 8 * 1024 * 1024
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "api-key", "openai-api-key"})


@dataclass
class Entry:
    seq: int
    method: str
    path: str
    query: str
    request_headers: dict[str, str]
    time: int
    request_body: bytes = b""
    request_truncated: bool = False
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    response_truncated: bool = False
    duration_ms: float = 0.0
    fault: bool = False  # a fault answered (or failed) the request
    fault_kind: str | None = None  # which: an action, "status" or "delay"

    def to_dict(self) -> JsonObject:
        return {
            "seq": self.seq,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "duration_ms": round(self.duration_ms, 3),
            "time": self.time,
            "fault": self.fault,
            "fault_kind": self.fault_kind,
            "request_headers": self.request_headers,
            "response_headers": self.response_headers,
            "request_body": describe_body(
                self.request_body, self.request_headers.get("content-type", "")
            ),
            "response_body": describe_body(
                self.response_body, self.response_headers.get("content-type", "")
            ),
        }


def describe_body(raw: bytes, content_type: str) -> Any:
    """A JSON body as JSON; anything else (a body the API refused as JSON too) as its size."""
    if not raw:
        return None
    if "json" in content_type:
        is_json, value = json_bodies.describe(raw)
        if is_json:
            return value
    return {"bytes": len(raw), "content_type": content_type or None}


def safe_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in raw:
        name = key.decode("latin-1").lower()
        if name in SECRET_HEADERS:
            continue
        headers[name] = value.decode("latin-1")
    return headers


class Journal:
    def __init__(self, size: int = 10_000):
        self._entries: deque[Entry] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._seq = 0

    def open(self, **fields: Any) -> Entry:
        with self._lock:
            self._seq += 1
            entry = Entry(seq=self._seq, **fields)
            self._entries.append(entry)
            return entry

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
