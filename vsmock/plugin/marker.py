"""``@pytest.mark.vsmock(...)``: how one test (or class, or module) wants the server."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from vsmock.contract.json_types import JsonObject

MARKER = "vsmock"

MARKER_HELP = (
    "vsmock(seed=None, now=None, processing_polls=None, processing_seconds=None, "
    "processing_stall=None, poll_after_ms=None, scenario=None): reset the vsmock server "
    "for this test with a fixed id seed, a frozen clock (unix seconds), slow or stalled "
    "file processing, a polling hint, or state loaded from a scenario or snapshot file. "
    "Implies the vsmock fixture."
)


@dataclass(frozen=True)
class MarkerOptions:
    seed: int | None = None
    now: float | None = None
    processing_polls: int | None = None
    processing_seconds: float | None = None
    processing_stall: bool | None = None
    poll_after_ms: int | None = None
    scenario: str | None = None

    @classmethod
    def merge(cls, marks: Iterable[Mapping[str, Any]]) -> MarkerOptions:
        """Combine marks given closest first (function, class, module): the closest wins."""
        names = {f.name for f in fields(cls)}
        merged: JsonObject = {}
        for kwargs in marks:
            unknown = sorted(set(kwargs) - names)
            if unknown:
                raise TypeError(
                    f"@pytest.mark.vsmock got unknown option(s) {', '.join(unknown)}; "
                    f"it takes {', '.join(sorted(names))}"
                )
            for key, value in kwargs.items():
                merged.setdefault(key, value)
        return cls(**merged)

    def processing(self) -> JsonObject:
        """The marker's processing settings, as the admin route's body."""
        body: JsonObject = {}
        if self.processing_polls is not None:
            body["polls"] = self.processing_polls
        if self.processing_seconds is not None:
            body["seconds"] = self.processing_seconds
        if self.processing_stall is not None:
            body["stall"] = self.processing_stall
        if self.poll_after_ms is not None:
            body["poll_after_ms"] = self.poll_after_ms
        return body
