"""Recorded scenarios: export, replay exactly, tampering, polling and multipart, load, CLI."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from conftest import ROOT, ServeProcess
from starlette.types import Receive, Scope, Send

from vsmock.cli import main
from vsmock.http.app import VsmockApp, create_app
from vsmock.http.uvicorn_adapter import ThreadedServer, running
from vsmock.scenarios import (
    ScenarioError,
    ScenarioMismatch,
    UnsupportedVersion,
    export,
    load_into,
    load_scenario,
    replay,
)
from vsmock.scenarios.bodies import decode, encode, split_multipart
from vsmock.scenarios.paths import PathPattern

SCENARIOS = ROOT / "fixtures" / "scenarios"
DOCS = ROOT / "fixtures" / "documents"
FROZEN = {"seed": 42, "now": 1_700_000_000}


@pytest.fixture(scope="module")
def fresh_app() -> VsmockApp:
    """A second server's app, played in-process or over HTTP (each replay resets it)."""
    return create_app()


@pytest.fixture(scope="module")
def fresh(fresh_app: VsmockApp) -> Iterator[ThreadedServer]:
    with running(fresh_app) as server:
        yield server


@pytest.fixture
def frozen(server: ServeProcess) -> ServeProcess:
    """The suite's server, reset to a fixed seed and a frozen clock."""
    assert server.admin("POST", "/reset", json=FROZEN).status_code == 200
    return server


def exported(server: ServeProcess) -> dict[str, Any]:
    answer = server.admin("GET", "/scenario")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def support_session(client: openai.OpenAI) -> None:
    files = [
        client.files.create(file=path.open("rb"), purpose="assistants")
        for path in sorted((DOCS / "support-faq").glob("*.md"))
    ]
    store = client.vector_stores.create(name="Support FAQ", file_ids=[f.id for f in files])
    client.vector_stores.search(store.id, query="What is the return policy?")
    client.vector_stores.files.delete(files[0].id, vector_store_id=store.id)
    client.vector_stores.retrieve(store.id)
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.retrieve("vs_" + "0" * 32)


def write(tmp_path: Path, scenario: dict[str, Any], name: str = "s.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(scenario), encoding="utf-8")
    return path


# -- round trip ---------------------------------------------------------------------------------


def test_export_then_replay_onto_a_fresh_server(
    frozen: ServeProcess, client: openai.OpenAI, fresh: ThreadedServer, tmp_path: Path
) -> None:
    support_session(client)
    scenario = exported(frozen)
    assert (scenario["version"], scenario["seed"], scenario["start_time"]) == (1, 42, 1_700_000_000)
    assert scenario["clock"] == "frozen"
    assert len(scenario["interactions"]) == 9
    assert scenario["interactions"][-1]["response"]["status"] == 404
    for interaction in scenario["interactions"]:
        assert "authorization" not in interaction["request"]["headers"]
        assert set(interaction["response"]["headers"]) <= {"content-type", "openai-poll-after-ms"}
    path = write(tmp_path, scenario)
    assert main(["replay", str(path), "--base-url", fresh.base_url]) == 0
    result = replay(path, fresh.base_url)
    assert result.ok and result.played == 9, result.report()


def test_a_replayed_server_exports_the_same_scenario(
    frozen: ServeProcess, client: openai.OpenAI, fresh_app: VsmockApp
) -> None:
    support_session(client)
    scenario = exported(frozen)
    assert replay(scenario, fresh_app).ok
    assert export(fresh_app.runtime).to_dict() == scenario


def test_admin_calls_and_injected_faults_are_not_part_of_a_scenario(
    frozen: ServeProcess, api: httpx.Client, fresh: ThreadedServer
) -> None:
    fault = {"status": 429, "count": 1, "path_prefix": "/v1/vector_stores", "method": "POST"}
    assert frozen.admin("POST", "/faults", json=fault).status_code == 200
    assert api.post("/vector_stores", json={"name": "a"}).status_code == 429
    assert api.post("/vector_stores", json={"name": "a"}).status_code == 200
    frozen.admin("GET", "/clock")
    scenario = exported(frozen)
    assert [i["response"]["status"] for i in scenario["interactions"]] == [200]
    assert replay(scenario, fresh.base_url).ok


# -- mismatches -----------------------------------------------------------------------------------


def test_a_tampered_body_fails_and_the_diff_names_the_path(
    frozen: ServeProcess,
    client: openai.OpenAI,
    fresh: ThreadedServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    support_session(client)
    scenario = exported(frozen)
    search = next(
        n
        for n, i in enumerate(scenario["interactions"])
        if i["request"]["path"].endswith("/search")
    )
    tampered = copy.deepcopy(scenario)
    tampered["interactions"][search]["response"]["body"]["data"][0]["filename"] = "refunds.md"
    result = replay(tampered, fresh.base_url)
    assert not result.ok and result.mismatch is not None
    assert result.mismatch.number == search + 1 == result.played
    assert [d.where for d in result.mismatch.differences] == ["$.data[0].filename"]
    report = result.report()
    assert f"interaction {search + 1} of 9 differs: POST /vector_stores/" in report
    assert '"query":"What is the return policy?"' in report
    assert 'expected: "refunds.md"' in report and 'actual:   "return-policy.md"' in report

    path = write(tmp_path, tampered)
    capsys.readouterr()
    assert main(["replay", str(path), "--base-url", fresh.base_url]) == 1
    assert "$.data[0].filename" in capsys.readouterr().out
    ignored = ["--ignore", "$.data[*].filename"]
    assert main(["replay", str(path), "--base-url", fresh.base_url, *ignored]) == 0


def test_a_changed_status_is_reported(
    frozen: ServeProcess, client: openai.OpenAI, fresh_app: VsmockApp
) -> None:
    support_session(client)
    scenario = exported(frozen)
    scenario["interactions"][-1]["response"]["status"] = 400
    result = replay(scenario, fresh_app)
    assert result.mismatch is not None and result.mismatch.number == 9
    assert "status: expected 400, got 404" in result.report()


# -- multipart uploads and polling ----------------------------------------------------------------


def test_multipart_upload_and_polling_loop_replay_exactly(
    frozen: ServeProcess, client: openai.OpenAI, fresh: ThreadedServer, fresh_app: VsmockApp
) -> None:
    assert frozen.admin("POST", "/processing", json={"polls": 3}).status_code == 200
    pdf = client.files.create(
        file=(DOCS / "samples" / "sample.pdf").open("rb"), purpose="assistants"
    )
    md = client.files.create(
        file=(DOCS / "support-faq" / "warranty.md").open("rb"), purpose="assistants"
    )
    store = client.vector_stores.create(name="slow")
    for f in (pdf, md):
        done = client.vector_stores.files.create_and_poll(
            file_id=f.id, vector_store_id=store.id, poll_interval_ms=1
        )
        assert done.status == "completed"
    scenario = exported(frozen)
    assert scenario["settings"]["processing"]["polls"] == 3
    uploads = [i["request"] for i in scenario["interactions"] if i["request"]["path"] == "/files"]
    assert [u["body_encoding"] for u in uploads] == ["multipart", "multipart"]
    file_parts = [u["body"]["parts"][-1] for u in uploads]
    assert "base64" in file_parts[0] and "text" in file_parts[1]  # binary PDF, text markdown
    polls = [
        i
        for i in scenario["interactions"]
        if i["request"]["method"] == "GET" and i["request"]["path"].endswith(pdf.id)
    ]
    assert len(polls) == 3 and len({json.dumps(p["request"]) for p in polls}) == 1
    assert [p["response"]["body"]["status"] for p in polls] == ["in_progress"] * 2 + ["completed"]

    assert replay(scenario, fresh.base_url).ok
    assert export(fresh_app.runtime).to_dict() == scenario  # the same bytes, in the same order


def test_a_target_ahead_of_the_recording_points_at_the_nearest_answer(
    fresh_app: VsmockApp,
) -> None:
    scenario = load_scenario(SCENARIOS / "batch-ingest.json").to_dict()
    scenario["settings"]["processing"]["polls"] = 2  # the target finishes one poll sooner
    result = replay(scenario, fresh_app)
    assert result.mismatch is not None
    assert [d.where for d in result.mismatch.differences][:2] == [
        "$.status",
        "$.file_counts.in_progress",
    ]
    assert "interaction 11 (the same request) recorded exactly this answer" in result.report()


def test_multipart_bodies_rebuild_byte_for_byte() -> None:
    raw = (
        b'--b0\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        b'--b0\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\xff\x00\r\n\r\n--b0--\r\n"
    )
    body, encoding = encode(raw, "multipart/form-data; boundary=b0")
    assert encoding == "multipart" and body["parts"][1]["base64"] == "/wANCg=="
    assert decode(body, encoding) == raw
    assert split_multipart(raw.replace(b"--b0--\r\n", b"--b0--"), "b0") is None  # not canonical
    odd = raw.replace(b"--b0--\r\n", b"--b0--")
    assert encode(odd, "multipart/form-data; boundary=b0")[1] == "base64"
    assert decode(*encode(odd, "multipart/form-data; boundary=b0")) == odd


# -- the recorded demos ---------------------------------------------------------------------------


def test_there_are_four_recorded_demos() -> None:
    names = {path.stem for path in SCENARIOS.glob("*.json")}
    assert {"support-faq", "batch-ingest", "filtered-search", "support-bot"} <= names


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.json")), ids=lambda p: p.stem)
def test_every_recorded_scenario_replays(server: ServeProcess, path: Path) -> None:
    result = replay(path, server.base_url)
    assert result.ok, result.report()


# -- the command line ----------------------------------------------------------------------------


def test_replay_cli_exit_codes(
    server: ServeProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = str(SCENARIOS / "support-faq.json")
    assert main(["replay", demo, "--base-url", server.base_url]) == 0
    assert "replayed 9 interactions" in capsys.readouterr().out
    future = json.loads((SCENARIOS / "support-faq.json").read_text())
    future["version"] = 2
    assert main(["replay", str(write(tmp_path, future)), "--base-url", server.base_url]) == 2
    assert "scenario format version 2 is not supported" in capsys.readouterr().err
    missing = str(tmp_path / "nothing.json")
    assert main(["replay", missing, "--base-url", server.base_url]) == 2
    assert main(["replay", demo, "--base-url", server.base_url, "--ignore", "$.[oops"]) == 2
    assert "cannot read the JSON path" in capsys.readouterr().err


class NoAdmin:
    """A vsmock whose admin routes are hidden: it stands in for a server you do not control."""

    def __init__(self, app: VsmockApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/__admin"):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"Not Found"})
            return
        await self.app(scope, receive, send)


def test_a_server_that_is_not_a_vsmock_replays_with_ignored_paths(
    fresh_app: VsmockApp, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = str(SCENARIOS / "support-faq.json")
    fresh_app.runtime.reset(seed=999)  # other ids, and a real clock
    with running(NoAdmin(fresh_app)) as other:
        assert main(["replay", demo, "--base-url", other.base_url]) == 2
        assert "is not a vsmock" in capsys.readouterr().err
        volatile = ["$..id", "$..created_at", "$..last_active_at"]
        result = replay(demo, other.base_url, ignore=volatile)
        assert result.ok and not result.vsmock, result.report()
        assert "comparing without the ignored paths" in result.report()
        # the ids are what differ: with them compared, the first answer already differs
        strict = replay(demo, other.base_url, ignore=["$..created_at"])
        assert strict.mismatch is not None and strict.mismatch.number == 1
        assert [d.where for d in strict.mismatch.differences] == ["$.id"]


# -- the format -----------------------------------------------------------------------------------


def test_the_format_has_a_version_and_a_fixed_vocabulary(tmp_path: Path) -> None:
    data = json.loads((SCENARIOS / "support-faq.json").read_text())
    with pytest.raises(UnsupportedVersion, match="reads version 1"):
        load_scenario({**data, "version": 2})
    with pytest.raises(ScenarioError, match="no top-level 'version'"):
        load_scenario({"interactions": []})
    extra = copy.deepcopy(data)
    extra["interactions"][3]["request"]["cookies"] = "x"
    with pytest.raises(ScenarioError, match=r"\$\.interactions\[3\]\.request.*cookies"):
        load_scenario(extra)
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not JSON"):
        load_scenario(broken)
    assert load_scenario(data).to_dict() == data


def test_ignore_paths() -> None:
    path = ("data", 0, "created_at")
    for pattern in [
        "$.data[*].created_at",
        "$..created_at",
        "data[0].created_at",
        "$.data",
        "$.data.0.created_at",
        "$['data'][0]['created_at']",
        "$..*",
        "$",
    ]:
        assert PathPattern(pattern).covers(path), pattern
    for pattern in ["$.created_at", "$.data[1].created_at", "$..id", "$.data[*].id"]:
        assert not PathPattern(pattern).covers(path), pattern
    with pytest.raises(ValueError):
        PathPattern("$.data[")


# -- loading -------------------------------------------------------------------------------------


def test_load_into_seeds_the_recorded_state(fresh_app: VsmockApp) -> None:
    app = fresh_app
    app.runtime.reset(seed=1)
    result = load_into(app, SCENARIOS / "support-faq.json")
    assert result.ok and result.total == 9
    stores = app.runtime.backend.list_vector_stores(limit=20, order="desc", after=None, before=None)
    assert [(s["name"], s["file_counts"]["completed"]) for s in stores["data"]] == [
        ("Support FAQ", 4)
    ]
    scenario = load_scenario(SCENARIOS / "support-faq.json")
    assert export(app.runtime).to_dict() == scenario.to_dict() | {"source": "vsmock"}

    tampered = scenario.to_dict()
    tampered["interactions"][4]["response"]["body"]["name"] = "Other"
    with pytest.raises(ScenarioMismatch, match=r"interaction 5 of 9 differs(.|\n)*\$\.name"):
        load_into(app, tampered)


def test_admin_load_route(server: ServeProcess, api: httpx.Client) -> None:
    path = str(SCENARIOS / "filtered-search.json")
    answer = server.admin("POST", "/load", json={"path": path})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "ok", "interactions": 19, "seed": 13, "now": 1_750_000_000}
    assert [s["name"] for s in api.get("/vector_stores").json()["data"]] == ["Company policies"]

    body = json.loads((SCENARIOS / "support-faq.json").read_text())
    assert server.admin("POST", "/load", json=body).status_code == 200
    assert [s["name"] for s in api.get("/vector_stores").json()["data"]] == ["Support FAQ"]

    body["interactions"][4]["response"]["body"]["name"] = "Other"
    refused = server.admin("POST", "/load", json=body)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "scenario_mismatch"
    assert "$.name" in refused.json()["error"]["message"]
    unknown = server.admin("POST", "/load", json={**body, "version": 9})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalid_scenario"


# -- recording through the proxy -------------------------------------------------------------------


def test_record_through_the_proxy_then_replay(
    fresh: ThreadedServer, fresh_app: VsmockApp, tmp_path: Path
) -> None:
    from vsmock.proxy.recording import recording, save

    with recording(fresh.base_url) as (proxy, recorder):
        assert recorder.vsmock and recorder.seed is not None
        with openai.OpenAI(api_key="sk-r", base_url=proxy.base_url, max_retries=0) as client:
            faq = client.files.create(
                file=(DOCS / "support-faq" / "shipping.md").open("rb"), purpose="assistants"
            )
            store = client.vector_stores.create(name="recorded", file_ids=[faq.id])
            httpx.post(fresh.url + "/__admin/clock", json={"advance_seconds": 60})
            client.vector_stores.update(store.id, name="renamed")
            client.vector_stores.search(store.id, query="How long does shipping take?")
        out = tmp_path / "recorded.json"
        assert save(recorder, out, "") == 0
    scenario = load_scenario(out)
    assert scenario.seed == recorder.seed and scenario.start_time == recorder.start_time
    assert [i.request.path for i in scenario.interactions][:2] == ["/files", "/vector_stores"]
    times = [i.time for i in scenario.interactions]
    assert times == [recorder.start_time] * 2 + [recorder.start_time + 60] * 2  # type: ignore[operator]
    renamed = scenario.interactions[2].response.body
    assert renamed["name"] == "renamed" and renamed["last_active_at"] == times[2]
    result = replay(scenario, fresh_app)
    assert result.ok, result.report()
