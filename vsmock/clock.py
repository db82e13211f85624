"""The one clock every timestamp comes from.

Two modes:

* **real**: follows wall-clock time (plus any offset added by ``advance``);
* **frozen**: starts at a given instant and moves only when told to
  (``advance`` or ``set``), so a seed plus a frozen clock replays byte for byte.

Nothing else in vsmock reads the system time for anything a client can see.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Clock:
    def __init__(self, now: float | None = None, *, source: Callable[[], float] = time.time):
        self._source = source
        self._lock = threading.Lock()
        self._frozen: float | None = None
        self._offset = 0.0
        self.reset(now)

    def reset(self, now: float | None = None) -> None:
        """Freeze at ``now``, or follow real time when ``now`` is None."""
        with self._lock:
            self._frozen = float(now) if now is not None else None
            self._offset = 0.0

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def time(self) -> float:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return self._source() + self._offset

    def now(self) -> int:
        """Unix seconds, as the API reports them."""
        return int(self.time())

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += seconds
            else:
                self._offset += seconds

    def set(self, now: float) -> None:
        """Jump to ``now``. A frozen clock stays frozen; a real one keeps ticking from there."""
        with self._lock:
            if self._frozen is not None:
                self._frozen = float(now)
            else:
                self._offset = float(now) - self._source()


def monotonic() -> float:
    """Elapsed-time measurements (durations in the journal), never shown as timestamps."""
    return time.perf_counter()
