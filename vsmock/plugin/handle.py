"""The ``vsmock`` fixture's handle: the admin API's controls, for one test.

Every method does what its ``/__admin`` route does (and accepts the same values),
but in-process on the server's runtime, so a control costs microseconds rather
than an HTTP round trip.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from vsmock.contract.json_types import JsonObject
from vsmock.plugin import checked_controls as controls

if TYPE_CHECKING:
    from vsmock.plugin.session import SessionServer
    from vsmock.runtime import Runtime


class Vsmock:
    """The server for one test. State was reset before the test started."""

    def __init__(self, server: SessionServer, search_dirs: tuple[Path, ...] = ()):
        self.server = server
        self._search_dirs = search_dirs

    # -- where it is ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the admin API is under ``/__admin``."""
        return self.server.url

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: give this to the SDK as ``base_url``."""
        return self.server.base_url

    @property
    def api_key(self) -> str:
        """A key the server accepts (``vsmock_api_key``, or any dummy key)."""
        return self.server.api_key

    @property
    def runtime(self) -> Runtime:
        return self.server.runtime

    def __repr__(self) -> str:
        return f"<Vsmock {self.base_url}>"

    # -- state ---------------------------------------------------------------------------------
    def reset(self, seed: int | None = None, now: float | None = None) -> JsonObject:
        """Clear all state, faults, settings and the journal (``POST /__admin/reset``).

        ``seed`` restarts the id sequence (same seed, same ids); ``now`` freezes the clock.
        """
        return controls.reset(self.runtime, seed=seed, now=now)

    def load(self, path: str | os.PathLike[str]) -> JsonObject:
        """Seed state from a recorded scenario file (``POST /__admin/load``).

        The server is reset to the scenario's seed and clock and its requests are played
        through the app, each answer checked against the recording; they stay in the
        journal. A relative path is looked up beside the test file, then in the rootdir.
        """
        from vsmock.scenarios import load_into

        result = load_into(self.server.app, self.resolve(path))
        rt = self.runtime
        return {
            "status": "ok",
            "interactions": result.total,
            "seed": rt.reset_seed,
            "now": rt.reset_time,
        }

    def export(self, path: str | os.PathLike[str] | None = None) -> JsonObject:
        """This test's API interactions as a scenario (``GET /__admin/scenario``); with
        ``path``, also written there, for ``load()`` or ``@pytest.mark.vsmock(scenario=…)``."""
        from vsmock.scenarios import export

        scenario = export(self.runtime)
        if path is not None:
            scenario.dump(Path(path))
        result: JsonObject = scenario.to_dict()
        return result

    def resolve(self, path: str | os.PathLike[str]) -> Path:
        given = Path(path)
        if given.is_absolute():
            return given
        candidates = [folder / given for folder in self._search_dirs] or [given]
        for candidate in candidates:
            if candidate.exists():
                return candidate
        tried = ", ".join(str(c) for c in candidates)
        raise FileNotFoundError(f"vsmock: no scenario file {str(given)!r} (looked at {tried})")

    # -- the clock -----------------------------------------------------------------------------
    def advance_clock(self, seconds: float) -> JsonObject:
        """Move the mock clock forward (``POST /__admin/clock {"advance_seconds": …}``)."""
        return controls.set_clock(self.runtime, {"advance_seconds": seconds}, "advance_clock()")

    def set_clock(self, now: float) -> JsonObject:
        """Jump the mock clock to ``now``, unix seconds (``POST /__admin/clock {"now": …}``)."""
        return controls.set_clock(self.runtime, {"now": now}, "set_clock()")

    @property
    def now(self) -> int:
        """The mock clock, in unix seconds."""
        return self.runtime.clock.now()

    # -- processing ----------------------------------------------------------------------------
    def set_processing(
        self,
        *,
        polls: int | None = None,
        seconds: float | None = None,
        fail: int | None = None,
        fail_code: str = "server_error",
        poll_after_ms: int | None = None,
        stall: bool | None = None,
    ) -> JsonObject:
        """How newly attached files are processed (``POST /__admin/processing``).

        ``polls``: reads before a file leaves ``in_progress``; ``seconds``: mock-clock time
        before it does; ``fail``: the next N files end ``failed`` with ``fail_code``
        (``server_error``, ``unsupported_file`` or ``invalid_file``); ``poll_after_ms``:
        the ``openai-poll-after-ms`` hint the SDK's polling helpers sleep by; ``stall``:
        ``True`` keeps the files attached from now on ``in_progress`` for every read
        (processing that never ends), ``False`` releases them (each finishes on its next
        status read).
        """
        body: JsonObject = {}
        if polls is not None:
            body["polls"] = polls
        if seconds is not None:
            body["seconds"] = seconds
        if fail is not None:
            body["fail"] = {"count": fail, "code": fail_code}
        if poll_after_ms is not None:
            body["poll_after_ms"] = poll_after_ms
        if stall is not None:
            body["stall"] = stall
        return controls.set_processing(self.runtime, body)

    # -- faults --------------------------------------------------------------------------------
    def inject_fault(
        self,
        status: int | None = None,
        *,
        action: str | None = None,
        count: int = 1,
        path_prefix: str = "/",
        method: str | None = None,
        retry_after_ms: int | None = None,
        delay_ms: int | None = None,
        after_events: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> list[JsonObject]:
        """Answer the next ``count`` matching API requests with ``status``, or fail them
        below HTTP with ``action``.

        As ``POST /__admin/faults``: ``path_prefix`` matches the request path, with or
        without ``/v1`` (``"/v1/files"`` and ``"/files"`` are the same); a 429 carries
        ``retry_after_ms`` (1000 unless given); ``status=None`` with ``delay_ms`` only
        slows requests down. ``action`` is ``"drop_connection"``, ``"hang"`` (for
        ``delay_ms``, then a dropped connection), ``"malformed_json"`` or
        ``"truncate_body"`` (``after_events`` cuts an event stream after that many events).
        ``probability`` (with ``seed``) hits matching requests at that rate, reproducibly.
        Returns the armed faults.
        """
        body: JsonObject = {"count": count, "path_prefix": path_prefix}
        for key, value in (
            ("status", status),
            ("action", action),
            ("delay_ms", delay_ms),
            ("method", method),
            ("retry_after_ms", retry_after_ms),
            ("after_events", after_events),
            ("probability", probability),
            ("seed", seed),
        ):
            if value is not None:
                body[key] = value
        return controls.add_fault(self.runtime, body)

    def clear_faults(self) -> None:
        """Disarm every fault (``DELETE /__admin/faults``)."""
        self.runtime.faults.clear()

    # -- scripted replies ------------------------------------------------------------------------
    def script_response(self, text: str, count: int = 1) -> list[JsonObject]:
        """Answer the next ``count`` responses (``POST /responses``, after the replies
        already queued) with ``text`` (``POST /__admin/responses``). Their citations are
        still those of the retrieval, at the end of the text. Returns the queue."""
        return controls.add_reply(self.runtime, {"text": text, "count": count})

    def scripted_responses(self) -> list[JsonObject]:
        """The scripted replies waiting, head first (``GET /__admin/responses``)."""
        return self.runtime.backend.replies.list()

    def clear_scripted_responses(self) -> None:
        """Forget the scripted replies waiting (``DELETE /__admin/responses``)."""
        self.runtime.backend.replies.clear()

    # -- what happened -------------------------------------------------------------------------
    def requests(self) -> list[JsonObject]:
        """The API requests of this test, oldest first (``GET /__admin/requests``).

        Each entry has ``method``, ``path``, ``query``, ``status``, ``fault``, the
        request and response bodies (JSON as JSON, others as their size) and headers
        (without the API key).
        """
        return controls.requests(self.runtime)

    def clear_requests(self) -> None:
        """Empty the journal (``DELETE /__admin/requests``)."""
        self.runtime.journal.clear()

    def take_errors(self) -> list[str]:
        """Server-side failures so far (tracebacks), which then no longer fail the test."""
        return self.runtime.take_errors()
