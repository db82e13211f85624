"""The request journal: what the API was asked and what it answered.

Entries are kept oldest first, up to two bounds: a number of entries, and the bytes of the
bodies they keep (each body up to ``RAW_BODY_CAP``); past either, the oldest entries go, and
the journal counts them (``dropped``), so that a scenario is never exported from a journal
that lost its beginning. JSON bodies are shown as JSON; other bodies as their size (and, for
scenarios, kept as raw bytes). Secrets never enter it: ``Authorization`` and cookies are
dropped.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from vsmock.contract import json_bodies
from vsmock.contract.json_types import JsonObject
from vsmock.settings import DEFAULT_JOURNAL_BYTES

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
    request_truncated: bool = False  # only the first RAW_BODY_CAP bytes were kept
    request_size: int = 0  # of the whole body, kept or not
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    response_truncated: bool = False
    response_size: int = 0
    duration_ms: float = 0.0
    fault: bool = False  # a fault answered (or failed) the request
    fault_kind: str | None = None  # which: an action, "status" or "delay"
    kept: bool = field(default=True, repr=False)  # still in the journal (not yet dropped)

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
                self.request_body,
                self.request_headers.get("content-type", ""),
                self.request_size if self.request_truncated else None,
            ),
            "response_body": describe_body(
                self.response_body,
                self.response_headers.get("content-type", ""),
                self.response_size if self.response_truncated else None,
            ),
        }


def describe_body(raw: bytes, content_type: str, cut_from: int | None = None) -> Any:
    """A JSON body as JSON; anything else (a body the API refused as JSON too) as its size.
    A body kept only in part (``cut_from``: its whole size) is described by its size and
    marked ``truncated``: ``{"bytes": ..., "content_type": ..., "truncated": true}``."""
    if cut_from is not None:
        return {"bytes": cut_from, "content_type": content_type or None, "truncated": True}
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
    def __init__(self, size: int = 10_000, max_bytes: int = DEFAULT_JOURNAL_BYTES):
        """At most ``size`` entries, holding at most ``max_bytes`` of bodies."""
        self.size = size
        self.max_bytes = max_bytes
        self._entries: deque[Entry] = deque()
        self._lock = threading.Lock()
        self._seq = 0
        self._bytes = 0  # of the bodies the kept entries hold
        self.dropped = 0  # entries dropped for the bounds since the last restart
        self.cleared = False  # emptied on request since the last restart

    def open(self, **fields: Any) -> Entry:
        """A new entry for a request as it arrives; :meth:`complete` gives it its bodies."""
        with self._lock:
            self._seq += 1
            entry = Entry(seq=self._seq, **fields)
            self._entries.append(entry)
            self._bound()
            return entry

    def complete(
        self, entry: Entry, request_body: bytes, response_body: bytes, sizes: tuple[int, int]
    ) -> None:
        """Give ``entry`` the bodies it keeps (and the sizes of the whole bodies), within the
        journal's bound of bytes."""
        with self._lock:
            entry.request_body = request_body
            entry.response_body = response_body
            entry.request_size, entry.response_size = sizes
            if entry.kept:
                self._bytes += len(request_body) + len(response_body)
                self._bound()

    def _bound(self) -> None:
        """Drop the oldest entries past either bound (the newest always stays)."""
        entries = self._entries
        while len(entries) > self.size or (self._bytes > self.max_bytes and len(entries) > 1):
            old = entries.popleft()
            old.kept = False
            self._bytes -= len(old.request_body) + len(old.response_body)
            self.dropped += 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Empty the journal on request (``DELETE /__admin/requests``): what it held since
        the last :meth:`restart` is gone, and :attr:`cleared` says so."""
        with self._lock:
            self._empty()
            self.cleared = True

    def restart(self) -> None:
        """Empty the journal for a fresh start (a reset): nothing is missing from it then."""
        with self._lock:
            self._empty()
            self.dropped = 0
            self.cleared = False

    def _empty(self) -> None:
        for entry in self._entries:
            entry.kept = False
        self._entries.clear()
        self._bytes = 0
