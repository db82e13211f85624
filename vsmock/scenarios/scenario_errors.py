"""What can go wrong with a scenario, before or while it is played."""

from __future__ import annotations


class ScenarioError(Exception):
    """A scenario that cannot be read, written or played (its text says why)."""


class UnsupportedVersion(ScenarioError):
    """The file names a format version this vsmock does not read."""


class ScenarioIncomplete(ScenarioError):
    """The journal no longer holds everything since the last reset, so no exact export exists."""


class ScenarioUnavailable(ScenarioError):
    """This server cannot export a scenario (it is not a stateful vsmock)."""


class ScenarioMismatch(ScenarioError):
    """Loading a scenario got an answer other than the recorded one."""
