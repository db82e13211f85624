"""One server's live parts: settings, clock, ids, backend, journal, faults, violations."""

from __future__ import annotations

import threading
import traceback

from vsmock.backend import Backend
from vsmock.backend.interface import Operations
from vsmock.backend.state import ADMITTED_EPOCH
from vsmock.control.clock import Clock
from vsmock.control.faults import Faults
from vsmock.control.ids import IdSource
from vsmock.control.journal import Journal
from vsmock.control.violations import Violations
from vsmock.settings import Settings


class Runtime:
    def __init__(self, settings: Settings, *, mode: str | None = None):
        self.settings = settings
        # "stateful", "stateless" (contract mode) or "proxy" (the validating proxy)
        self.mode = mode or ("stateless" if settings.stateless else "stateful")
        self.clock = Clock(settings.now)
        self.ids = IdSource(settings.seed)
        self.journal = Journal(settings.journal_size, settings.journal_bytes)
        self.faults = Faults()
        self.violations = Violations()
        self.poll_after_ms = settings.poll_after_ms
        self.reset_seed = self.ids.seed
        self.reset_time = self.clock.now()
        self._errors: list[str] = []
        # What steered the state since the last reset that a scenario does not carry (see
        # ``steered``): an export says so instead of recording one that would not replay.
        self.unreplayable: list[str] = []
        self._errors_lock = threading.Lock()
        self.backend: Operations
        if self.mode != "stateful":  # nothing is stored in contract mode or in the proxy
            from vsmock.stateless import StatelessBackend

            self.backend = StatelessBackend(settings, self.clock, self.ids, self.violations)
        else:
            self.backend = Backend(settings, self.clock, self.ids)

    @property
    def lenient_requests(self) -> bool:
        """Record contract violations and answer anyway (the proxy always forwards)."""
        if self.mode == "proxy":
            return True
        return self.settings.stateless and not self.settings.strict_requests

    def reset(self, seed: int | None = None, now: float | None = None) -> None:
        """Clear every object, fault, setting and journal entry; restart ids and clock. No
        operation runs in between (the backend's lock is held throughout), and requests
        admitted before the reset are refused after it (``backend.state.ADMITTED_EPOCH``)."""
        with self.backend.lock:
            self.backend.reset()
            self.ids.reset(seed if seed is not None else self.settings.seed)
            self.clock.reset(now if now is not None else self.settings.now)
            self.journal.restart()
            self.faults.clear()
            self.violations.clear()
            self.poll_after_ms = self.settings.poll_after_ms
            self.reset_seed = self.ids.seed
            self.reset_time = self.clock.now()
            with self._errors_lock:
                self._errors.clear()
            self.unreplayable = []

    def steered(self, how: str) -> None:
        """Note a control that shaped the state in a way a scenario does not record."""
        if how not in self.unreplayable:
            self.unreplayable.append(how)

    # -- requests and resets -------------------------------------------------------------------
    def admit(self, *, api: bool) -> None:
        """Mark the request now arriving (in its own context) as admitted against the state
        as it is; an admin request, or the contract mode's, is no API call on the state."""
        epoch = self.backend.epoch if api and isinstance(self.backend, Backend) else None
        ADMITTED_EPOCH.set(epoch)

    def reset_since_admitted(self) -> bool:
        """Whether the state was reset after the running request was admitted."""
        return isinstance(self.backend, Backend) and self.backend.reset_since_admitted()

    # -- server-side errors, surfaced to tests ---------------------------------------------
    def record_error(self, exc: BaseException | None, summary: str) -> None:
        text = summary
        if exc is not None:
            text += "\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        with self._errors_lock:
            self._errors.append(text)

    def take_errors(self) -> list[str]:
        with self._errors_lock:
            errors, self._errors = self._errors, []
            return errors

    def close(self) -> None:
        self.backend.close()
