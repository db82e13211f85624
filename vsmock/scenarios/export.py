"""A scenario from the request journal: every API interaction since the last reset.

Only a deterministic, secret-free subset of headers is kept: ``Authorization``,
cookies, request ids, user agents, ``x-stainless-*`` and lengths never are.
Interactions answered by an injected fault are left out (faults are admin
behaviour, not API behaviour; the retry that follows is kept), and so are
requests still in flight.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from vsmock.contract.json_types import JsonObject
from vsmock.scenarios import bodies
from vsmock.scenarios.format import Interaction, Request, Response, Scenario
from vsmock.scenarios.scenario_errors import ScenarioIncomplete, ScenarioUnavailable

API_PREFIX = "/v1"
REQUEST_HEADERS = ("content-type", "accept", "openai-beta")
RESPONSE_HEADERS = ("content-type", "openai-poll-after-ms")


class Recorded(Protocol):
    """One interaction as the journal (``journal.Entry``) or the proxy (``proxy.Exchange``)
    keeps it."""

    method: str
    path: str
    query: str
    time: int
    request_headers: dict[str, str]
    request_body: bytes
    request_truncated: bool
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    response_truncated: bool


def export(runtime: Any) -> Scenario:
    """The scenario a runtime has served since its last reset."""
    mode = getattr(runtime, "mode", "stateful")
    if mode != "stateful":
        raise ScenarioUnavailable(
            f"a vsmock in {mode} mode keeps no state to replay; record a scenario from a "
            "stateful vsmock, or through a proxy with `vsmock record`"
        )
    journal = runtime.journal
    entries = journal.entries()
    if journal.cleared:
        raise ScenarioIncomplete(
            "the request journal was emptied (DELETE /__admin/requests, or the plugin's "
            "clear_requests()) since the last reset, so the interactions before that cannot be "
            "replayed; reset, then record"
        )
    if journal.dropped:
        some = f"{journal.dropped} interaction" + ("s" if journal.dropped != 1 else "")
        raise ScenarioIncomplete(
            f"the request journal dropped its oldest {some} (it keeps the last "
            f"{journal.size} requests and {journal.max_bytes // 2**20} MB of bodies), so they "
            "cannot be replayed; record shorter scenarios"
        )
    if runtime.unreplayable:
        raise ScenarioIncomplete(
            f"since the last reset the state was steered by {', '.join(runtime.unreplayable)}, "
            "which a scenario does not record, so it would not replay; reset, then record "
            "without them"
        )
    settings: JsonObject = {}
    processing = getattr(runtime.backend, "processing", None)
    if processing is not None:
        # polls and seconds only: forced failures are used up while recording (see the README)
        settings["processing"] = {
            "polls": processing.polls,
            "seconds": processing.seconds,
            "poll_after_ms": runtime.poll_after_ms,
        }
    return Scenario(
        seed=runtime.reset_seed,
        start_time=runtime.reset_time,
        clock="frozen" if runtime.clock.frozen else "real",
        settings=settings,
        source="vsmock",
        interactions=interactions_from(entries),
    )


def interactions_from(entries: Iterable[Any], prefix: str = API_PREFIX) -> list[Interaction]:
    """Journal entries as interactions, leaving out unfinished and fault-answered ones."""
    interactions = []
    for entry in entries:
        if getattr(entry, "fault_kind", None) == "truncate_body":
            raise ScenarioIncomplete(
                f"{entry.method} {entry.path}: a truncate_body fault cut its answer short after "
                "the request was carried out, so it cannot be replayed"
            )
        if entry.status == 0 or getattr(entry, "fault", False):
            continue
        if entry.request_truncated or entry.response_truncated:
            side = "request" if entry.request_truncated else "response"
            raise ScenarioIncomplete(
                f"{entry.method} {entry.path}: its {side} body is larger than the journal keeps "
                "whole (8 MB), so it cannot be replayed"
            )
        interactions.append(interaction_from(entry, prefix))
    return interactions


def interaction_from(entry: Recorded, prefix: str = API_PREFIX) -> Interaction:
    path = entry.path
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :] or "/"
    request_body, request_encoding = bodies.encode(
        entry.request_body, entry.request_headers.get("content-type", "")
    )
    response_body, response_encoding = bodies.encode(
        entry.response_body, entry.response_headers.get("content-type", "")
    )
    return Interaction(
        time=entry.time,
        request=Request(
            method=entry.method,
            path=path,
            query=entry.query,
            headers=pick(entry.request_headers, REQUEST_HEADERS),
            body=request_body,
            body_encoding=request_encoding,
        ),
        response=Response(
            status=entry.status,
            headers=pick(entry.response_headers, RESPONSE_HEADERS),
            body=response_body,
            body_encoding=response_encoding,
        ),
    )


def pick(headers: dict[str, str], names: Iterable[str]) -> dict[str, str]:
    return {name: headers[name] for name in names if name in headers}
