"""Schemathesis over every operation of openapi.yaml, in both server modes.

Each leg serves the app on loopback (seeded ids, frozen clock, ``--api-key`` so that
the ``ignored_auth`` check has something to find), makes a few real objects (files,
stores holding them, batches) whose ids the generated requests use part of the time,
and runs the ``st`` CLI with every phase (examples, coverage, fuzzing, stateful) and
both positive and negative data. Checks:

* the five response checks (no server error; status codes, content types, headers
  and bodies conforming to the contract);
* ``negative_data_rejection``: a request the contract forbids gets a 400, never a
  2xx (and ``not_a_server_error`` rules out a 5xx);
* ``openai_error_envelope`` (below): every error body is OpenAI's envelope;
* ``ignored_auth``: a wrong or missing key is refused;
* ``unsupported_method``, ``allow_header_conformance``: an undeclared method gets a 405
  whose ``Allow`` header names the path's methods;
* on the stateful server, ``use_after_free`` and ``ensure_resource_availability``
  along the OpenAPI links (create → retrieve → update → search → delete on real
  objects; ``createFile`` links to ``createVectorStore`` with the new file in the
  body, ``listVectorStoreFiles`` to the listed file's operations).

Legs: the stateful server, run in-process behind :class:`Twins`, which also hands every
request to the same app without its dispatcher (``vsmock/http/dispatch.py``) and requires
byte-identical answers; contract mode (``vsmock serve --stateless --strict-requests``,
skipped until ``vsmock.stateless`` exists); and, in the deep profile only, ``vsmock
serve`` itself.

* ``positive_data_acceptance``: a request the contract allows is never refused with a
  400. The contract states the id prefixes (``pattern``) and the batch's ``file_ids`` xor
  ``files`` (``anyOf`` and ``not``); the two rules OpenAPI 3.0 cannot state (a chunk
  overlap of at most half the chunk size, ``x-vsmock-rule``; names of at most 64
  characters) are kept by the ``map_case`` hook below for positive cases only.

The ``ci`` profile (the default) is bounded and deterministic: a fixed seed,
Schemathesis's deterministic generation, one worker, no example database.
``scripts/fuzz.sh`` runs the ``deep`` profile (``VSMOCK_FUZZ_PROFILE=deep``).
This module is also the Schemathesis hooks module (``SCHEMATHESIS_HOOKS=test_fuzz``)
that registers the envelope check in the ``st`` process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
FAQ = ROOT / "fixtures" / "documents" / "support-faq"
KEY = "sk-test"
SEED = 20_240_601
NOW = "1767225600"  # 2026-01-01, frozen: responses do not depend on the wall clock


@dataclass(frozen=True)
class Profile:
    max_examples: int  # per operation, in the examples, coverage and fuzzing phases
    scenarios: int  # stateful phase: call sequences along the links
    max_steps: int
    timeout: int  # seconds for one leg, a safety net only


PROFILES = {
    "ci": Profile(max_examples=12, scenarios=60, max_steps=10, timeout=240),
    "deep": Profile(max_examples=200, scenarios=1000, max_steps=40, timeout=3600),
}

RESPONSE_CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
COMMON_CHECKS = [
    *RESPONSE_CHECKS,
    "positive_data_acceptance",  # a request the contract allows is never a 400
    "negative_data_rejection",
    "ignored_auth",
    "unsupported_method",  # an undeclared method: 405, with an Allow header
    "allow_header_conformance",  # ... naming exactly the path's methods
]
STATEFUL_CHECKS = ["use_after_free", "ensure_resource_availability"]

ENVELOPE_KEYS = {"message", "type", "param", "code"}


@schemathesis.check
def openai_error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error is ``{"error": {"message", "type", "param", "code"}}``, as JSON."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    if not content_type.startswith("application/json"):
        raise AssertionError(f"error {response.status_code} is {content_type!r}, not JSON")
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"error {response.status_code} body is not JSON: {exc}") from None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(error) != ENVELOPE_KEYS:
        raise AssertionError(f"error {response.status_code} is not an OpenAI envelope: {body!r}")
    if not isinstance(error["message"], str) or not error["message"]:
        raise AssertionError(f"error {response.status_code} has no message: {body!r}")
    return True


MAX_KEY_LENGTH = 64  # metadata and attribute names: OpenAPI 3.0 has no propertyNames


def _within_unstated_rules(value: Any) -> Any:
    """``value`` changed to keep the rules the contract states in prose (``x-vsmock-rule``)
    but OpenAPI 3.0 cannot: a static chunking overlap of at most half the chunk size, and
    metadata and attribute names of at most 64 characters."""
    if isinstance(value, list):
        return [_within_unstated_rules(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _within_unstated_rules(item) for key, item in value.items()}
    static = out.get("static")
    if out.get("type") == "static" and isinstance(static, dict):
        size, overlap = static.get("max_chunk_size_tokens"), static.get("chunk_overlap_tokens")
        if isinstance(size, int) and isinstance(overlap, int) and overlap > size // 2:
            out["static"] = {**static, "chunk_overlap_tokens": size // 2}
    for name in ("metadata", "attributes"):
        if isinstance(out.get(name), dict):
            out[name] = {key[:MAX_KEY_LENGTH]: item for key, item in out[name].items()}
    return out


def _served_response_request(body: dict[str, Any]) -> dict[str, Any]:
    """A createResponse body changed to keep the rules ``x-vsmock-rule`` states: one
    ``file_search`` tool at most and no other type; a ``tool_choice`` that names an available
    tool; no ``background``; text parts that fit their message's role; and no
    ``previous_response_id`` (which names a stored response or is a 400)."""
    out = dict(body)
    tools = [t for t in out.get("tools") or [] if t.get("type") == "file_search"][:1]
    if "tools" in out:
        out["tools"] = tools
    choice = out.get("tool_choice")
    if choice is not None and choice not in ("auto", "none"):
        named = choice.get("type") if isinstance(choice, dict) else choice
        if not tools or named not in ("required", "file_search"):
            del out["tool_choice"]
    if out.get("background"):
        del out["background"]
    out.pop("previous_response_id", None)
    items = out.get("input")
    if isinstance(items, list):
        fixed = []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("content"), list):
                kind = "output_text" if item.get("role") == "assistant" else "input_text"
                parts = [{**part, "type": kind} for part in item["content"]]
                item = {**item, "content": parts}
            fixed.append(item)
        out["input"] = fixed
    return out


@schemathesis.hook
def map_case(ctx: Any, case: Any) -> Any:
    """Positive cases keep the contract's unstated rules, so ``positive_data_acceptance`` can
    hold the server to accepting every valid request (negative cases are left alone)."""
    meta = getattr(case, "meta", None)
    if meta is not None and meta.generation.mode.is_positive and isinstance(case.body, dict):
        kept = _within_unstated_rules(case.body)
        if case.operation.definition.raw.get("operationId") == "createResponse":
            kept = _served_response_request(kept)
        if kept != case.body:  # Schemathesis re-judges a body a hook replaces: only if needed
            case.body = kept
    return case


@dataclass
class Seeded:
    """Real objects made before fuzzing; their ids are fed to the generated requests."""

    stores: list[str]
    files: list[str]
    batches: list[str]
    responses: list[str]


def seed_objects(base_url: str) -> Seeded:
    """Upload the FAQ documents, put them in stores, and attach them in batches too, so that
    path ids and ``file_id``s often name objects that exist (and reach the handlers)."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:
        files = [
            api.post(
                "/files", files={"file": (p.name, p.read_bytes())}, data={"purpose": "assistants"}
            )
            .raise_for_status()
            .json()["id"]
            for p in sorted(FAQ.glob("*.md"))
        ]
        stores, batches = [], []
        for i in range(STORES):
            store = (
                api.post(
                    "/vector_stores",
                    json={"name": f"seed {i}", "file_ids": files[: 1 + i % len(files)]},
                )
                .raise_for_status()
                .json()["id"]
            )
            stores.append(store)
            batch = api.post(f"/vector_stores/{store}/file_batches", json={"file_ids": files})
            batches.append(batch.raise_for_status().json()["id"])
        responses = [
            api.post(
                "/responses",
                json={
                    "model": "gpt-4.1-mini",
                    "input": "How long do I have to return an item?",
                    "tools": [{"type": "file_search", "vector_store_ids": [store]}],
                },
            )
            .raise_for_status()
            .json()["id"]
            for store in stores[:2]
        ]
    return Seeded(stores, files, batches, responses)


STORES = 8
REAL_ID_PROBABILITY = 0.6


def _toml(profile: Profile, checks: list[str], seeded: Seeded) -> str:
    def values(ids: list[str]) -> str:
        return "[" + ", ".join(json.dumps(i) for i in ids) + "]"

    lines = [
        "workers = 1",
        f"seed = {SEED}",
        'suppress-health-check = ["too_slow", "filter_too_much", "data_too_large"]',
        "",
        "[generation]",
        'mode = "all"',
        f"max-examples = {profile.max_examples}",
        "deterministic = true",
        'database = "none"',
        "",
        "[checks]",
        "enabled = false",
    ]
    for name in [*checks, "openai_error_envelope"]:
        lines.append(f"{name}.enabled = true")
    # A request the contract forbids is a 400: never a 2xx, never a 5xx, never a 404/422.
    lines += [
        "negative_data_rejection.expected-statuses = [400]",
        "",
        "[phases.stateful]",
        f"max-steps = {profile.max_steps}",
        f"generation.max-examples = {profile.scenarios}",
        # Only the links written in openapi.yaml: inferred links guess at request bodies.
        'inference.algorithms = ["location-headers"]',
        "",
        "[reports.json]",
        "enabled = true",
        "",
        "[dictionaries]",
        f"stores.values = {values(seeded.stores)}",
        f"files.values = {values(seeded.files)}",
        f"batches.values = {values(seeded.batches)}",
        f"responses.values = {values(seeded.responses)}",
        "",
        "[parameters]",
    ]
    for key, dictionary in [
        ("path.vector_store_id", "stores"),
        ("path.file_id", "files"),
        ("path.batch_id", "batches"),
        ("path.response_id", "responses"),
        ("body.tools[*].vector_store_ids[*]", "stores"),
        ("body.file_id", "files"),
        ("body.file_ids[*]", "files"),
        ("body.files[*].file_id", "files"),
    ]:
        lines.append(
            f'"{key}" = {{dictionary = "{dictionary}", probability = {REAL_ID_PROBABILITY}}}'
        )
    return "\n".join(lines) + "\n"


@dataclass
class Outcome:
    returncode: int
    output: str
    report: dict[str, Any]

    @property
    def generated(self) -> int:
        return int(self.report["test_cases"]["generated"])

    def summary(self, leg: str) -> str:
        ops = self.report["operations"]
        failures = ", ".join(
            f"{f['code']} {f['title']} x{f['count']}" for f in self.report["failures"]
        )
        return (
            f"fuzz[{leg}]: {ops['tested']}/{ops['total']} operations, "
            f"{self.generated} test cases, phases "
            + ", ".join(f"{k}={v['status']}" for k, v in self.report["phases"].items())
            + f"; failures: {failures or 'none'}"
        )


def run_schemathesis(base_url: str, workdir: Path, checks: list[str], seeded: Seeded) -> Outcome:
    profile = PROFILES[os.environ.get("VSMOCK_FUZZ_PROFILE", "ci")]
    config = workdir / "schemathesis.toml"
    config.write_text(_toml(profile, checks, seeded))
    report = workdir / "report.json"
    report.unlink(missing_ok=True)
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "test_fuzz",
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
        ),
        "NO_COLOR": "1",
    }
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        str(SPEC),
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {KEY}",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    result = subprocess.run(
        command,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=profile.timeout,
    )
    output = result.stdout + result.stderr
    assert report.exists(), output
    return Outcome(result.returncode, output, json.loads(report.read_text()))


def _admin_errors(server: Any) -> list[str]:
    response = server.admin("GET", "/errors", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 200, response.text
    errors: list[str] = response.json()["data"]
    return errors


def _fuzz(leg: str, serve_args: list[str], checks: list[str], tmp_path: Path) -> None:
    from conftest import start_serve

    server = start_serve("--api-key", KEY, "--seed", str(SEED), "--now", NOW, *serve_args)
    try:
        seeded = seed_objects(server.base_url)
        outcome = run_schemathesis(server.base_url, tmp_path, checks, seeded)
        errors = _admin_errors(server)
    finally:
        server.stop()
    print(outcome.summary(leg))
    assert outcome.report["operations"]["tested"] == 25, outcome.output
    assert outcome.returncode == 0 and not outcome.report["failures"], outcome.output
    assert errors == [], "the server recorded internal errors:\n" + "\n".join(errors)


class Twins:
    """One ASGI app that hands every request to two apps and keeps the first's answer,
    recording each difference between their answers (status, headers, body bytes)."""

    def __init__(self, first: Any, second: Any):
        self.apps = (first, second)
        self.requests = 0
        self.differences: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        answers = [await _answer(app, scope, body) for app in self.apps]
        self.requests += 1
        if answers[0] != answers[1]:
            self.differences.append(
                f"{scope['method']} {scope['path']}?{scope['query_string'].decode()} "
                f"body={body[:300]!r}:\n  fast:      {answers[0]!r:.600}\n"
                f"  connexion: {answers[1]!r:.600}"
            )
        status, headers, content = answers[0]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


async def _answer(app: Any, scope: Any, body: bytes) -> tuple[int, list[Any], bytes]:
    import asyncio

    done = asyncio.Event()
    delivered = False
    status, headers, parts = 0, [], []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    copy = dict(scope)
    copy["headers"] = list(scope["headers"])
    await app(copy, receive, send)
    return status, headers, b"".join(parts)


def test_fuzz_stateful_server_and_its_fast_path(tmp_path: Path) -> None:
    """The stateful server, fuzzed with every check. vsmock/http/dispatch.py answers the
    contract's operations without Connexion's middleware, so every request goes to an app
    with it and one without it: the answers must be equal to the byte, headers in order,
    and so must the server errors they record."""
    from vsmock.http.app import create_app
    from vsmock.http.uvicorn_adapter import running

    settings = {"api_key": KEY, "seed": SEED, "now": float(NOW)}
    fast, slow = create_app(**settings), create_app(fastpath=False, **settings)
    twins = Twins(fast, slow)
    try:
        with running(twins) as server:
            seeded = seed_objects(server.base_url)
            checks = COMMON_CHECKS + STATEFUL_CHECKS
            outcome = run_schemathesis(server.base_url, tmp_path, checks, seeded)
        print(outcome.summary("stateful, fast path vs connexion") + f"; {twins.requests} compared")
        assert twins.differences == [], "\n".join(twins.differences[:10])
        assert fast.runtime.take_errors() == slow.runtime.take_errors() == []
        assert outcome.report["operations"]["tested"] == 25, outcome.output
        assert outcome.returncode == 0 and not outcome.report["failures"], outcome.output
    finally:
        fast.runtime.close()
        slow.runtime.close()


@pytest.mark.skipif(
    os.environ.get("VSMOCK_FUZZ_PROFILE", "ci") == "ci",
    reason="the ci profile fuzzes the same app in-process (test above); scripts/fuzz.sh runs this",
)
def test_fuzz_vsmock_serve(tmp_path: Path) -> None:
    """The same, against the `vsmock serve` command itself."""
    _fuzz("stateful, vsmock serve", [], COMMON_CHECKS + STATEFUL_CHECKS, tmp_path)


@pytest.mark.skipif(
    importlib.util.find_spec("vsmock.stateless") is None,
    reason="contract mode (vsmock/stateless, `vsmock serve --stateless`) is not built yet",
)
def test_fuzz_contract_mode(tmp_path: Path) -> None:
    # Strict requests: the lenient default answers contract violations (and records them)
    # by design, which is what negative_data_rejection would flag.
    _fuzz("stateless", ["--stateless", "--strict-requests"], COMMON_CHECKS, tmp_path)
