"""Recording a scenario through the validating proxy: ``vsmock record --upstream URL --out FILE``.

The proxy (``vsmock.proxy.forwarding``) forwards every request to the upstream and checks
both directions against openapi.yaml; the recorder listens to its exchanges and
writes them as a scenario when the proxy stops (Ctrl-C or SIGTERM).

When the upstream is a vsmock, recording starts from a clean slate: the upstream
is reset to a new seed with its clock frozen at the current second, and its
processing settings are written into the scenario, so the recording replays
exactly. Any other upstream (the real API) is recorded as it answers; such a
scenario replays with ``--ignore`` for what varies (ids, timestamps).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from vsmock.contract.json_types import JsonObject
from vsmock.proxy.forwarding import Exchange, ProxyApp, create_proxy_app
from vsmock.scenarios.export import interaction_from
from vsmock.scenarios.format import Interaction, Scenario
from vsmock.settings import Settings

ADMIN_TIMEOUT = 30.0


class Recorder:
    """Collects the proxy's exchanges; knows how the upstream was prepared."""

    def __init__(self, upstream: str, api_key: str | None = None):
        self.upstream = upstream.rstrip("/")
        root = self.upstream[: -len("/v1")] if self.upstream.endswith("/v1") else self.upstream
        self.admin_url = root + "/__admin"
        self.headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.vsmock = False
        self.seed: int | None = None
        self.start_time: int | None = None
        self.settings: JsonObject = {}
        self.exchanges: list[Exchange] = []
        self.dropped: list[str] = []  # interactions that could not be kept
        self.notes: list[str] = []
        self._lock = threading.Lock()

    def prepare(self) -> str:
        """Reset a vsmock upstream to a fresh seed and a frozen clock; say what was done."""
        try:
            health = self._admin("GET", "/health")
        except httpx.HTTPError:
            health = None
        body = _json(health) if health is not None else None
        if not (isinstance(body, dict) and body.get("status") == "ok"):
            return f"recording {self.upstream} as it answers (not a vsmock: ids and times vary)"
        if body.get("mode") != "stateful":
            return f"recording {self.upstream} (a vsmock in {body.get('mode')} mode) as it answers"
        seed, now = secrets.randbelow(2**31), int(time.time())
        reset = self._admin("POST", "/reset", {"seed": seed, "now": now})
        reset.raise_for_status()
        processing = self._admin("GET", "/processing").json()
        self.vsmock = True
        self.seed, self.start_time = reset.json()["seed"], reset.json()["now"]
        self.settings = {
            "processing": {k: processing[k] for k in ("polls", "seconds", "poll_after_ms")}
        }
        return (
            f"recording {self.upstream}: a vsmock, reset to seed {self.seed} with its clock "
            f"frozen at {self.start_time}"
        )

    def add(self, exchange: Exchange) -> None:
        """The proxy's listener."""
        with self._lock:
            self.exchanges.append(exchange)

    def scenario(self) -> Scenario:
        interactions: list[Interaction] = []
        with self._lock:
            exchanges = list(self.exchanges)
        for exchange in exchanges:
            if exchange.request_truncated or exchange.response_truncated:
                self.dropped.append(
                    f"{exchange.method} {exchange.path}: a body over 8 MB cannot be kept whole"
                )
                continue
            interaction = interaction_from(exchange)
            interaction.time = None
            interactions.append(interaction)
        if self.vsmock:
            self._take_upstream_times(interactions)
        return Scenario(
            seed=self.seed,
            start_time=self.start_time,
            clock="frozen" if self.vsmock else "real",
            settings=self.settings,
            source=f"vsmock record --upstream {self.upstream}",
            interactions=interactions,
        )

    def _take_upstream_times(self, interactions: list[Interaction]) -> None:
        """Each interaction's mock time, from the upstream's own journal (clock changes made
        through its admin API while recording are kept that way)."""
        try:
            answer = self._admin("GET", "/scenario")
        except httpx.HTTPError:
            return
        if answer.status_code != 200:
            return
        theirs = answer.json().get("interactions", [])
        ours = [(i.request.method, i.request.path) for i in interactions]
        if [(i["request"]["method"], i["request"]["path"]) for i in theirs] != ours:
            self.notes.append(
                "the upstream served other clients while recording: interaction times not kept"
            )
            return
        for interaction, recorded in zip(interactions, theirs, strict=True):
            interaction.time = recorded.get("time")

    def _admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return httpx.request(
            method, self.admin_url + path, json=body, headers=self.headers, timeout=ADMIN_TIMEOUT
        )


@contextlib.contextmanager
def recording(upstream: str, api_key: str | None = None) -> Iterator[tuple[Any, Recorder]]:
    """A recording proxy on a background thread: yields ``(server, recorder)``; the server's
    ``base_url`` is where clients go. Call ``recorder.scenario()`` when done."""
    from vsmock.http.uvicorn_adapter import running

    recorder = Recorder(upstream, api_key)
    recorder.prepare()
    app = create_proxy_app(upstream, Settings())
    app.listeners.append(recorder.add)
    try:
        with running(app) as server:
            yield server, recorder
    finally:
        app.runtime.close()


def run_record(args: argparse.Namespace) -> int:
    """``vsmock record --upstream URL --out FILE [--host H] [--port P]``."""
    from vsmock.http.app import API_PREFIX
    from vsmock.http.middleware import ADMIN_PREFIX
    from vsmock.http.uvicorn_adapter import make_server, run_until_stopped

    recorder = Recorder(args.upstream, os.environ.get("VSMOCK_API_KEY"))
    try:
        print(recorder.prepare(), flush=True)
    except httpx.HTTPError as exc:
        print(f"vsmock record: could not prepare {args.upstream}: {exc}", file=sys.stderr)
        return 2
    app: ProxyApp = create_proxy_app(args.upstream, Settings(host=args.host, port=args.port))
    app.listeners.append(recorder.add)

    def ready(url: str) -> None:
        print(
            f"vsmock record listening on {url}{API_PREFIX} -> {app.upstream}  "
            f"(admin: {url}{ADMIN_PREFIX}); stop with Ctrl-C to write {args.out}",
            flush=True,
        )

    server = make_server(app, args.host, args.port, on_ready=ready, log_level=args.log_level)
    status: list[int] = []

    def stopped() -> None:  # Ctrl-C and SIGTERM both end here, so the file is always written
        app.runtime.close()
        status.append(save(recorder, args.out, app.runtime.violations.summary()))

    run_until_stopped(server, stopped)
    return status[0]


def save(recorder: Recorder, out: Path, violations: str) -> int:
    """Write the scenario; 1 when an interaction had to be left out."""
    scenario = recorder.scenario()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    scenario.dump(out)
    count = len(scenario.interactions)
    print(f"vsmock record: wrote {count} interaction{'' if count == 1 else 's'} to {out}")
    print(violations)
    for note in recorder.notes:
        print(f"vsmock record: {note}", file=sys.stderr)
    for dropped in recorder.dropped:
        print(f"vsmock record: left out {dropped}", file=sys.stderr)
    return 1 if recorder.dropped else 0


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
