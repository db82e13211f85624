"""Scripted replies: the texts the next responses answer with, set by a test.

``POST /__admin/responses {"text": "...", "count": 2}`` (or the plugin's
``vsmock.script_response("...", count=2)``) queues a text for the next two responses; each
response takes the text at the head of the queue, in order. A reset empties the queue. The
citations of a scripted reply are still those of the retrieval (``backend/grounding.py``).
"""

from __future__ import annotations

import threading
from collections import deque

from vsmock.contract.json_types import JsonObject

MAX_QUEUED = 10_000  # texts waiting at once


class ScriptedReplies:
    def __init__(self) -> None:
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()

    def add(self, text: str, count: int = 1) -> None:
        """Answer the next ``count`` responses (after those already queued) with ``text``."""
        with self._lock:
            if len(self._queue) + count > MAX_QUEUED:
                raise ValueError(
                    f"at most {MAX_QUEUED} scripted replies can wait at once "
                    f"({len(self._queue)} are queued)"
                )
            self._queue.extend([text] * count)

    def take(self) -> str | None:
        """The text for the response being made, if one is queued (it leaves the queue)."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def list(self) -> list[JsonObject]:
        """The queue, head first, with runs of one text counted."""
        with self._lock:
            runs: list[JsonObject] = []
            for text in self._queue:
                if runs and runs[-1]["text"] == text:
                    runs[-1]["count"] += 1
                else:
                    runs.append({"text": text, "count": 1})
            return runs

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
