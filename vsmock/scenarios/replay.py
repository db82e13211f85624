"""Replaying a scenario: reset the target, send every request in order, compare every answer.

Interactions are matched by position, not by request: the tenth identical
polling GET is compared with the tenth recorded answer. A vsmock target is
first reset to the scenario's seed and start time and given its processing
settings, and its clock is set to each interaction's recorded time, so ids and
timestamps come out as recorded. Any other server is played with the
``--ignore``'d paths skipped (see ``paths.py``) and ids learned as they come
(see ``compare.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from vsmock.contract.json_types import JsonObject
from vsmock.scenarios import bodies
from vsmock.scenarios.compare import Difference, IdMap, compare
from vsmock.scenarios.format import Interaction, Request, Scenario, load_scenario
from vsmock.scenarios.paths import PathPattern, patterns
from vsmock.scenarios.scenario_errors import ScenarioError
from vsmock.scenarios.targets import Target, open_target

SHOWN_DIFFERENCES = 8
EXIT_MATCH, EXIT_MISMATCH, EXIT_ERROR = 0, 1, 2

Observer = Callable[[int, Interaction, Request, httpx.Response], None]


class TargetError(ScenarioError):
    """The target cannot play this scenario (unreachable, or not a vsmock and nothing ignored)."""


@dataclass
class Mismatch:
    number: int  # 1-based
    request: Request  # as sent
    expected_status: int
    actual_status: int
    differences: list[Difference]
    nearest: str | None = None

    def report(self, total: int) -> str:
        lines = [f"interaction {self.number} of {total} differs: {describe_request(self.request)}"]
        if self.expected_status != self.actual_status:
            lines.append(f"  status: expected {self.expected_status}, got {self.actual_status}")
        for difference in self.differences[:SHOWN_DIFFERENCES]:
            lines.append(f"  {difference.where}")
            lines.append(f"    expected: {shown(difference.expected)}")
            lines.append(f"    actual:   {shown(difference.actual)}")
        hidden = len(self.differences) - SHOWN_DIFFERENCES
        if hidden > 0:
            lines.append(f"  … and {hidden} more difference{'s' if hidden > 1 else ''}")
        if self.nearest:
            lines.append(f"  {self.nearest}")
        return "\n".join(lines)


@dataclass
class Result:
    total: int
    played: int = 0
    mismatch: Mismatch | None = None
    vsmock: bool = True
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.mismatch is None and self.played == self.total

    def summary(self) -> str:
        where = "" if self.vsmock else " (not a vsmock: ignored paths skipped)"
        if self.ok:
            return f"replayed {self.total} interactions in {self.seconds:.2f} s: all match{where}"
        return (
            f"replayed {self.played} of {self.total} interactions in {self.seconds:.2f} s: "
            f"interaction {self.played} differs{where}"
        )

    def report(self) -> str:
        lines = list(self.notes)
        if self.mismatch is not None:
            lines.append(self.mismatch.report(self.total))
        lines.append(self.summary())
        return "\n".join(lines)


def replay(
    scenario: Scenario | JsonObject | str | Path,
    target: Any,
    *,
    ignore: Sequence[str] = (),
    api_key: str | None = None,
    progress: bool = False,
    observe: Observer | None = None,
) -> Result:
    """Play ``scenario`` against ``target`` (a base URL such as ``http://…/v1``, a
    VsmockApp or a Runtime) and compare every answer. Stops at the first mismatch."""
    loaded = load_scenario(scenario)
    ignored = patterns(ignore)
    connection = open_target(target, api_key)
    try:
        return Player(loaded, connection, ignored, progress, observe).run()
    except httpx.HTTPError as exc:
        raise TargetError(f"{connection.name}: {type(exc).__name__}: {exc}") from None
    finally:
        connection.close()


class Player:
    def __init__(
        self,
        scenario: Scenario,
        target: Target,
        ignore: list[PathPattern],
        progress: bool,
        observe: Observer | None,
    ):
        self.scenario = scenario
        self.target = target
        self.ignore = ignore
        self.progress = progress
        self.observe = observe
        self.ids = IdMap()
        self.clock: int | None = None

    def run(self) -> Result:
        started = time.perf_counter()
        interactions = self.scenario.interactions
        result = Result(total=len(interactions))
        result.vsmock = self.prepare(result)
        bar = tqdm(
            total=len(interactions),
            file=sys.stderr,
            disable=not self.progress,
            unit="req",
            desc="replay",
            leave=False,
        )
        try:
            for number, interaction in enumerate(interactions, 1):
                result.played = number
                mismatch = self.play(number, interaction, result.vsmock)
                bar.update(1)
                if mismatch is not None:
                    result.mismatch = mismatch
                    break
        finally:
            bar.close()
        result.seconds = time.perf_counter() - started
        return result

    def prepare(self, result: Result) -> bool:
        """Reset a vsmock target to the scenario's seed and clock; False for other servers."""
        scenario = self.scenario
        body: JsonObject = {}
        if scenario.seed is not None:
            body["seed"] = scenario.seed
        if scenario.start_time is not None:
            body["now"] = scenario.start_time
        answer = self.target.admin("POST", "/reset", body)
        reset = _json(answer)
        if answer.status_code != 200 or not (
            isinstance(reset, dict) and reset.get("status") == "ok"
        ):
            message = (
                f"{self.target.name} is not a vsmock (POST /__admin/reset answered "
                f"{answer.status_code}): ids and times cannot be reproduced"
            )
            if not self.ignore:
                raise TargetError(
                    message + "; pass --ignore for the paths that vary, e.g. "
                    "--ignore '$..id' --ignore '$..created_at' --ignore '$..last_active_at'"
                )
            result.notes.append(message + "; comparing without the ignored paths")
            return False
        self.clock = reset.get("now") if scenario.start_time is not None else None
        processing = scenario.processing
        if processing:
            answer = self.target.admin("POST", "/processing", processing)
            if answer.status_code != 200:
                raise TargetError(
                    f"{self.target.name} refused the scenario's processing settings: {answer.text}"
                )
        return True

    def play(self, number: int, interaction: Interaction, vsmock: bool) -> Mismatch | None:
        moved = interaction.time is not None and interaction.time != self.clock
        if vsmock and self.clock is not None and moved:
            self.target.admin("POST", "/clock", {"now": interaction.time})
            self.clock = interaction.time
        request = self.translated(interaction.request)
        response = self.target.send(request)
        if self.observe is not None:
            self.observe(number, interaction, request, response)
        actual = bodies.parse_raw(response.content, response.headers.get("content-type", ""))
        expected = interaction.response
        found = compare(expected.parsed(), actual, self.ignore, self.ids)
        if not found and expected.status == response.status_code:
            return None
        return Mismatch(
            number=number,
            request=request,
            expected_status=expected.status,
            actual_status=response.status_code,
            differences=found,
            nearest=self.nearest(number, interaction, response.status_code, actual, found),
        )

    def translated(self, request: Request) -> Request:
        if not self.ids:
            return request
        body = request.body
        if request.body_encoding in (None, "json", "text"):
            body = self.ids.value(body)
        return replace(
            request, path=self.ids.text(request.path), query=self.ids.text(request.query), body=body
        )

    def nearest(
        self,
        number: int,
        interaction: Interaction,
        status: int,
        actual: tuple[bool, Any],
        found: list[Difference],
    ) -> str | None:
        """vcrpy-style: the recorded interaction for the same request whose answer is nearest."""
        request = interaction.request
        best: tuple[int, int] | None = None
        for other, candidate in enumerate(self.scenario.interactions, 1):
            same = candidate.request
            if other == number or (same.method, same.path, same.query) != (
                request.method,
                request.path,
                request.query,
            ):
                continue
            if candidate.response.status != status:
                continue
            count = len(compare(candidate.response.parsed(), actual, self.ignore, self.ids.copy()))
            if best is None or count < best[1]:
                best = (other, count)
        if best is None:
            return None
        other, count = best
        if count == 0:
            return (
                f"nearest recorded: interaction {other} (the same request) recorded exactly this "
                f"answer; the target is {'ahead of' if other > number else 'behind'} the recording"
            )
        if count < len(found):
            return (
                f"nearest recorded: interaction {other} (the same request) differs from this "
                f"answer in {count} place{'s' if count > 1 else ''}"
            )
        return None


def describe_request(request: Request) -> str:
    head = f"{request.method} {request.target}"
    summary = describe_body(request.body, request.body_encoding)
    return f"{head}  {summary}" if summary else head


def describe_body(body: Any, encoding: str | None) -> str:
    if body is None:
        return ""
    if encoding in (None, "json"):
        return clip(json.dumps(body, ensure_ascii=False, separators=(",", ":")), 160)
    if encoding == "multipart" and isinstance(body, dict):
        fields = []
        for part in body.get("parts", []):
            disposition = part.get("headers", {}).get("Content-Disposition", "")
            name = _param(disposition, "name") or "?"
            filename = _param(disposition, "filename")
            if "text" in part:
                size = len(str(part["text"]).encode("utf-8"))
            else:
                size = len(bodies.decode(part.get("base64", ""), "base64"))
            if filename is not None:
                fields.append(f"{name}={filename} ({size} bytes)")
            else:
                fields.append(f"{name}={clip(str(part.get('text', '…')), 40)}")
        return "multipart: " + ", ".join(fields)
    if encoding == "text":
        return clip(repr(body), 80)
    return f"<{len(bodies.decode(body, encoding))} bytes>"


def _param(header: str, name: str) -> str | None:
    message = Message()
    message["content-disposition"] = header
    value = message.get_param(name, header="content-disposition")
    return value if isinstance(value, str) else None


def shown(value: Any) -> str:
    if isinstance(value, str | int | float | bool | dict | list | None):
        try:
            return clip(json.dumps(value, ensure_ascii=False), 200)
        except TypeError:
            pass
    return repr(value)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def run_replay(args: argparse.Namespace) -> int:
    """``vsmock replay FILE --base-url URL [--ignore PATH]... [--api-key KEY]``."""
    try:
        result = replay(
            args.file,
            args.base_url,
            ignore=args.ignore,
            api_key=args.api_key,
            progress=sys.stderr.isatty(),
        )
    except (ScenarioError, ValueError) as exc:
        print(f"vsmock replay: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(result.report())
    return EXIT_MATCH if result.ok else EXIT_MISMATCH
