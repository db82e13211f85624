"""Seeding a server's state from a scenario, in this process.

``load_into`` resets the runtime to the scenario's seed and clock, applies its
settings, and plays every request through the whole app, checking each answer
against the recording as it goes: afterwards the state is what it was when the
scenario was recorded, ids and timestamps included. The loaded interactions stay
in the journal, so exporting again gives the scenario back (plus whatever follows).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vsmock.contract.json_types import JsonObject
from vsmock.scenarios.format import Scenario
from vsmock.scenarios.replay import Result, replay
from vsmock.scenarios.scenario_errors import ScenarioError, ScenarioMismatch


def load_into(target: Any, scenario: Scenario | JsonObject | str | Path) -> Result:
    """Load ``scenario`` (a Scenario, dict or file path) into an in-process vsmock app.

    Raises ScenarioMismatch (with the replay's diff) when an answer differs from the
    recording, and ScenarioError when the scenario cannot be read.
    """
    runtime = getattr(target, "runtime", target)
    mode = getattr(runtime, "mode", "stateful")
    if mode != "stateful":
        raise ScenarioError(f"a vsmock in {mode} mode keeps no state to load a scenario into")
    result = replay(scenario, target)
    if not result.ok:
        raise ScenarioMismatch("the scenario did not load as recorded:\n" + result.report())
    return result
