"""The scenario file: a versioned JSON document with a fixed vocabulary.

Like a vcrpy cassette, a scenario names its format version, and a reader refuses
a version it does not know instead of guessing. The vocabulary of version 1 is
fixed by ``scenario.schema.json`` (beside this module): unknown keys are errors.
A change that old readers cannot ignore gets a new version number and a reader
that still accepts the old one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from vsmock.contract.json_types import JsonObject
from vsmock.scenarios import bodies
from vsmock.scenarios.scenario_errors import ScenarioError, UnsupportedVersion

FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)
SCHEMA_PATH = Path(__file__).resolve().parent / "scenario.schema.json"


@dataclass
class Request:
    method: str
    path: str  # relative to the API base URL, e.g. /vector_stores
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    body_encoding: str | None = None

    def raw_body(self) -> bytes:
        return bodies.decode(self.body, self.body_encoding)

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")

    def to_dict(self) -> JsonObject:
        data = {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
        }
        if self.body_encoding is not None:
            data["body_encoding"] = self.body_encoding
        return data


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    body_encoding: str | None = None

    def parsed(self) -> tuple[bool, Any]:
        return bodies.parsed(self.body, self.body_encoding)

    def to_dict(self) -> JsonObject:
        data = {"status": self.status, "headers": self.headers, "body": self.body}
        if self.body_encoding is not None:
            data["body_encoding"] = self.body_encoding
        return data


@dataclass
class Interaction:
    request: Request
    response: Response
    time: int | None = None  # the mock clock when the request arrived

    def to_dict(self) -> JsonObject:
        data: JsonObject = {} if self.time is None else {"time": self.time}
        data["request"] = self.request.to_dict()
        data["response"] = self.response.to_dict()
        return data


@dataclass
class Scenario:
    seed: int | None
    start_time: int | None
    interactions: list[Interaction] = field(default_factory=list)
    clock: str = "frozen"
    settings: JsonObject = field(default_factory=dict)
    source: str | None = None

    @property
    def processing(self) -> JsonObject | None:
        value = self.settings.get("processing")
        return dict(value) if isinstance(value, dict) else None

    def to_dict(self) -> JsonObject:
        data: JsonObject = {
            "version": FORMAT_VERSION,
            "seed": self.seed,
            "start_time": self.start_time,
            "clock": self.clock,
        }
        if self.source is not None:
            data["source"] = self.source
        if self.settings:
            data["settings"] = self.settings
        data["interactions"] = [interaction.to_dict() for interaction in self.interactions]
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def dump(self, path: str | Path) -> None:
        Path(path).write_text(self.dumps(), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: Any, where: str = "scenario") -> Scenario:
        check(data, where)
        return cls(
            seed=data["seed"],
            start_time=data["start_time"],
            clock=data.get("clock", "frozen"),
            settings=dict(data.get("settings") or {}),
            source=data.get("source"),
            interactions=[
                Interaction(
                    time=item.get("time"),
                    request=Request(**item["request"]),
                    response=Response(**item["response"]),
                )
                for item in data["interactions"]
            ],
        )


def check(data: Any, where: str = "scenario") -> None:
    """Raise ScenarioError naming what is wrong, the version first."""
    if not isinstance(data, Mapping) or "version" not in data:
        raise ScenarioError(f"{where}: not a vsmock scenario (no top-level 'version')")
    version = data["version"]
    if version not in SUPPORTED_VERSIONS or isinstance(version, bool):
        known = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        raise UnsupportedVersion(
            f"{where}: scenario format version {version!r} is not supported; this vsmock reads "
            f"version {known}. Re-record the scenario with this vsmock, or use the vsmock "
            "that wrote it."
        )
    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is not None:
        location = "$" + "".join(
            f"[{step}]" if isinstance(step, int) else f".{step}" for step in error.absolute_path
        )
        raise ScenarioError(f"{where}: invalid scenario at {location}: {error.message}")
    for number, item in enumerate(data["interactions"], 1):
        for side in ("request", "response"):
            encoding = item[side].get("body_encoding")
            try:
                bodies.decode(item[side]["body"], encoding)
            except ScenarioError as exc:
                raise ScenarioError(f"{where}: interaction {number} {side}: {exc}") from None


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator: jsonschema.protocols.Validator = validator_class(schema)
    return validator


def load_scenario(source: Scenario | Mapping[str, Any] | str | Path | bytes) -> Scenario:
    """A scenario from a Scenario, a dict, a file path or JSON bytes."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        return Scenario.from_dict(source)
    if isinstance(source, bytes):
        return Scenario.from_dict(_parse(source, "scenario"))
    path = Path(source)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario ({exc.strerror})") from None
    return Scenario.from_dict(_parse(text, str(path)), where=str(path))


def _parse(text: bytes, where: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise ScenarioError(f"{where}: nested too deeply to be a scenario") from None
    except ValueError as exc:
        raise ScenarioError(f"{where}: not JSON ({exc})") from None
