"""Comparing a recorded answer with a live one, path by path.

JSON bodies are compared structurally and strictly (``1`` is not ``1.0``, key
order does not matter); other bodies byte for byte. Differences under an
ignored path are skipped. When an ignored difference is a pair of ids (the
server handed out another id than the recorded one, as any server but a vsmock
reset to the scenario's seed does), the pair is remembered: later requests and
expected answers are rewritten with the new id, so a replay can go on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vsmock.scenarios.paths import PathPattern, Step, render


class Missing:
    def __repr__(self) -> str:
        return "(missing)"


MISSING: Any = Missing()
ID_SHAPE = re.compile(r"\A(vs_|file-|vsfb_)[A-Za-z0-9]{8,}\Z")


@dataclass
class Difference:
    path: tuple[Step, ...]
    expected: Any
    actual: Any

    @property
    def where(self) -> str:
        return render(self.path)


def differences(expected: Any, actual: Any, path: tuple[Step, ...] = ()) -> list[Difference]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[Difference] = []
        for key in [*expected, *(k for k in actual if k not in expected)]:
            found += differences(expected.get(key, MISSING), actual.get(key, MISSING), (*path, key))
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        found = []
        for index in range(max(len(expected), len(actual))):
            found += differences(
                expected[index] if index < len(expected) else MISSING,
                actual[index] if index < len(actual) else MISSING,
                (*path, index),
            )
        return found
    if type(expected) is type(actual) and expected == actual:
        return []
    return [Difference(path, expected, actual)]


class IdMap:
    """Recorded ids → the ids the target handed out instead."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def __bool__(self) -> bool:
        return bool(self._ids)

    def copy(self) -> IdMap:
        other = IdMap()
        other._ids, other._pattern = dict(self._ids), self._pattern
        return other

    def learn(self, recorded: Any, actual: Any) -> bool:
        if not (isinstance(recorded, str) and isinstance(actual, str)):
            return False
        old, new = ID_SHAPE.match(recorded), ID_SHAPE.match(actual)
        if not (old and new and old.group(1) == new.group(1)) or recorded in self._ids:
            return False
        self._ids[recorded] = actual
        self._pattern = re.compile("|".join(re.escape(k) for k in sorted(self._ids, key=len)[::-1]))
        return True

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(lambda match: self._ids[match.group(0)], value)

    def value(self, value: Any) -> Any:
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(key): self.value(item) for key, item in value.items()}
        return value


def compare(
    expected: tuple[bool, Any],
    actual: tuple[bool, Any],
    ignore: Sequence[PathPattern],
    ids: IdMap,
) -> list[Difference]:
    """The differences that matter between two parsed bodies ``(is_json, value)``."""
    expected_json, expected_value = expected
    actual_json, actual_value = actual
    if not (expected_json and actual_json):
        if expected_json == actual_json and expected_value == actual_value:
            return []
        found = [Difference((), _shown(expected), _shown(actual))]
    else:
        found = differences(ids.value(expected_value), actual_value)
    kept = []
    for difference in found:
        if any(pattern.covers(difference.path) for pattern in ignore):
            ids.learn(difference.expected, difference.actual)
        else:
            kept.append(difference)
    return kept


def _shown(parsed: tuple[bool, Any]) -> Any:
    is_json, value = parsed
    if is_json or not isinstance(value, bytes):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(value)} bytes>"
