"""Recorded scenarios: export from the journal, replay exactly, load, record through a proxy.

See ``format.py`` for the file format, ``replay.py`` for replaying and
``paths.py`` for the ``--ignore`` path syntax.
"""

from __future__ import annotations

from .errors import (
    ScenarioError,
    ScenarioIncomplete,
    ScenarioMismatch,
    ScenarioUnavailable,
    UnsupportedVersion,
)
from .export import export
from .format import FORMAT_VERSION, Interaction, Request, Response, Scenario, load_scenario
from .load import load_into
from .replay import Mismatch, Result, TargetError, replay

__all__ = [
    "FORMAT_VERSION",
    "Interaction",
    "Mismatch",
    "Request",
    "Response",
    "Result",
    "Scenario",
    "ScenarioError",
    "ScenarioIncomplete",
    "ScenarioMismatch",
    "ScenarioUnavailable",
    "TargetError",
    "UnsupportedVersion",
    "export",
    "load_into",
    "load_scenario",
    "replay",
]
