"""Recorded scenarios: export from the journal, replay exactly, load, record through a proxy.

See ``format.py`` for the file format, ``replay.py`` for replaying and
``paths.py`` for the ``--ignore`` path syntax.
"""

from __future__ import annotations

from vsmock.scenarios.export import export
from vsmock.scenarios.format import (
    FORMAT_VERSION,
    Interaction,
    Request,
    Response,
    Scenario,
    load_scenario,
)
from vsmock.scenarios.load import load_into
from vsmock.scenarios.replay import Mismatch, Result, TargetError, replay
from vsmock.scenarios.scenario_errors import (
    ScenarioError,
    ScenarioIncomplete,
    ScenarioMismatch,
    ScenarioUnavailable,
    UnsupportedVersion,
)

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
