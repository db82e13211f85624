"""The one clock every timestamp comes from.

Two modes:

* **real**: follows wall-clock time (plus any offset added by ``advance``);
* **frozen**: starts at a given instant and moves only when told to
  (``advance`` or ``set``), so a seed plus a frozen clock replays byte for byte.

Nothing else in vsmock reads the system time for anything a client can see.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

EARLIEST, LATEST = 0.0, 253_402_300_799.0  # 1970-01-01 ..= 9999-12-31T23:59:59Z


class ClockError(ValueError):
    """A time the clock cannot show: not finite, or outside EARLIEST ..= LATEST."""


def checked(value: float, what: str) -> float:
    """``value`` as a float, if it is a time the clock can show."""
    number = float(value)
    if not math.isfinite(number) or not EARLIEST <= number <= LATEST:
        raise ClockError(
            f"{what} must be a finite Unix time between {EARLIEST:.0f} and {LATEST:.0f} "
            f"(9999-12-31T23:59:59Z); got {value!r}"
        )
    return number


class Clock:
    def __init__(self, now: float | None = None, *, source: Callable[[], float] = time.time):
        self._source = source
        self._lock = threading.Lock()
        self._frozen: float | None = None
        self._offset = 0.0
        self.reset(now)

    def reset(self, now: float | None = None) -> None:
        """Freeze at ``now``, or follow real time when ``now`` is None."""
        frozen = checked(now, "the clock's time") if now is not None else None
        with self._lock:
            self._frozen = frozen
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
        """Move the clock by ``seconds``; ClockError if it would leave the range it shows."""
        if not math.isfinite(float(seconds)):
            raise ClockError(f"advance_seconds must be a finite number; got {seconds!r}")
        with self._lock:
            if self._frozen is not None:
                self._frozen = checked(self._frozen + seconds, "the clock's new time")
            else:
                checked(self._source() + self._offset + seconds, "the clock's new time")
                self._offset += seconds

    def set(self, now: float) -> None:
        """Jump to ``now``. A frozen clock stays frozen; a real one keeps ticking from there."""
        now = checked(now, "now")
        with self._lock:
            if self._frozen is not None:
                self._frozen = now
            else:
                self._offset = now - self._source()


def monotonic() -> float:
    """Elapsed-time measurements (durations in the journal), never shown as timestamps."""
    return time.perf_counter()
