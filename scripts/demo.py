"""Play a recorded demo against a fresh in-process vsmock and print a transcript.

    python scripts/demo.py support-faq      # or batch-ingest, filtered-search, support-bot
    python scripts/demo.py --list

Every request is shown with a short summary of the answer; each answer is also
compared with the recording, and the script exits non-zero on the first difference.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

import httpx
from transcript import answer_lines, request_line

from vsmock.http.app import create_app
from vsmock.scenarios import Interaction, Request, ScenarioError, load_scenario, replay
from vsmock.scenarios.bodies import parse_raw

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "fixtures" / "scenarios"


def show(number: int, interaction: Interaction, request: Request, response: httpx.Response) -> None:
    _, body = parse_raw(response.content, response.headers.get("content-type", ""))
    print(f"{number:>3}  {request_line(request)}")
    for line in answer_lines(response.status_code, body):
        print(f"     {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?", help="a scenario in fixtures/scenarios/ (or a path)")
    parser.add_argument("--list", action="store_true", help="list the recorded demos")
    args = parser.parse_args(argv)
    names = sorted(path.stem for path in SCENARIOS.glob("*.json"))
    if args.list or not args.name:
        print("\n".join(names))
        return 0 if args.list else 2
    path = Path(args.name) if args.name.endswith(".json") else SCENARIOS / f"{args.name}.json"
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        print(f"demo: {exc} (recorded demos: {', '.join(names)})", file=sys.stderr)
        return 2
    when = (
        datetime.fromtimestamp(scenario.start_time, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        if scenario.start_time is not None
        else "an unknown time"
    )
    settings = scenario.processing or {}
    slow = f", files take {settings['polls']} polls" if settings.get("polls") else ""
    print(
        f"{path.stem}: {len(scenario.interactions)} requests, seed {scenario.seed}, "
        f"clock frozen at {when}{slow}\n"
    )
    result = replay(scenario, create_app(), observe=show)
    print()
    print(result.report())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
