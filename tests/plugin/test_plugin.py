"""The pytest plugin, exercised the way users meet it: real test files run by pytester.

Each run starts its own vsmock (about a second: the contract is parsed), so related
checks share a run. xdist needs a subprocess; the other runs are in-process.
"""

from __future__ import annotations

import socket
import warnings

import pytest

from vsmock.plugin.tracebacks import trim_traceback

with warnings.catch_warnings():  # connexion's deprecation notices
    warnings.simplefilter("ignore", DeprecationWarning)
    # pytester's in-process runs forget the modules they import, and numpy's C extension
    # cannot be imported twice in one process: import what the server uses once, here.
    import numpy  # noqa: F401
    import openai  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401

    import vsmock.http.app  # noqa: F401
    import vsmock.search.index  # noqa: F401

pytest_plugins = ["pytester"]

# The user suites below need neither a cache nor pytest-asyncio (they use anyio's plugin).
QUIET = ("-p", "no:cacheprovider", "-p", "no:asyncio")

FIXTURES_AND_MARKER = """
import json
from pathlib import Path

import httpx
import openai
import pytest

from vsmock.control.ids import IdSource
from vsmock.pytest_plugin import Vsmock

pytestmark = pytest.mark.vsmock(now=1_700_000_000)
DOC = ("notes.txt", b"The moon is made of green cheese. Cheddar, mostly.")


def test_fixtures_bind_the_sdk_to_the_server(vsmock: Vsmock, openai_client, vsmock_server):
    assert vsmock.base_url == vsmock.url + "/v1" == vsmock_server.base_url
    assert str(openai_client.base_url).rstrip("/") == vsmock.base_url
    file = openai_client.files.create(file=DOC, purpose="assistants")
    store = openai_client.vector_stores.create(name="kb", file_ids=[file.id])
    hits = openai_client.vector_stores.search(store.id, query="what is the moon made of")
    assert hits.data[0].file_id == file.id
    assert [r["path"] for r in vsmock.requests()] == [
        "/v1/files", "/v1/vector_stores", f"/v1/vector_stores/{store.id}/search"]


def test_state_is_reset_between_tests(vsmock, openai_client):
    assert openai_client.vector_stores.list().data == []
    assert openai_client.files.list().data == []
    assert vsmock.requests()[0]["path"] == "/v1/vector_stores"  # the journal too


@pytest.mark.vsmock(seed=7)
def test_seed_gives_the_same_ids_and_module_mark_freezes_the_clock(openai_client):
    store = openai_client.vector_stores.create(name="kb")
    assert store.id == IdSource(7).new("vector_store")
    assert store.created_at == 1_700_000_000


@pytest.mark.vsmock(seed=7, now=1_800_000_000)
def test_the_closest_mark_wins(openai_client):
    store = openai_client.vector_stores.create(name="kb")
    assert store.id == IdSource(7).new("vector_store")
    assert store.created_at == 1_800_000_000


@pytest.mark.vsmock(processing_polls=2)
def test_processing_polls_keep_files_in_progress(openai_client):
    file = openai_client.files.create(file=DOC, purpose="assistants")
    store = openai_client.vector_stores.create(name="kb")
    attached = openai_client.vector_stores.files.create(store.id, file_id=file.id)
    assert attached.status == "in_progress"
    read = openai_client.vector_stores.files.retrieve(file.id, vector_store_id=store.id)
    assert read.status == "in_progress"
    read = openai_client.vector_stores.files.retrieve(file.id, vector_store_id=store.id)
    assert read.status == "completed"


def test_a_store_left_by_a_test_using_only_the_server(vsmock_server):
    created = httpx.post(vsmock_server.base_url + "/vector_stores", json={"name": "left over"},
                         headers={"Authorization": "Bearer sk-x"})
    assert created.status_code == 200


@pytest.mark.vsmock()
def test_the_marker_alone_resets_the_server(vsmock_server):
    listed = httpx.get(vsmock_server.base_url + "/vector_stores",
                       headers={"Authorization": "Bearer sk-x"})
    assert listed.json()["data"] == []


def test_controls(vsmock, openai_client):
    vsmock.set_processing(fail=1, fail_code="invalid_file")
    file = openai_client.files.create(file=DOC, purpose="assistants")
    store = openai_client.vector_stores.create(name="kb", file_ids=[file.id])
    assert store.file_counts.failed == 1

    vsmock.advance_clock(3600)
    assert vsmock.now == 1_700_003_600

    vsmock.inject_fault(status=429, count=1, method="GET", retry_after_ms=1)
    with pytest.raises(openai.RateLimitError):
        openai_client.with_options(max_retries=0).vector_stores.list()
    assert vsmock.requests()[-1]["fault"] is True

    with pytest.raises(ValueError, match="polls"):
        vsmock.set_processing(polls=-1)
    with pytest.raises(ValueError, match="404"):
        vsmock.inject_fault(status=404)


def test_export_a_scenario(vsmock, openai_client):
    file = openai_client.files.create(file=DOC, purpose="assistants")
    openai_client.vector_stores.create(name="kb", file_ids=[file.id])
    vsmock.export(Path(__file__).parent / "fixtures" / "kb.json")


@pytest.mark.vsmock(scenario="fixtures/kb.json")
def test_a_scenario_seeds_the_state(vsmock, openai_client):
    recorded = json.loads((Path(__file__).parent / "fixtures" / "kb.json").read_text())
    created = recorded["interactions"][1]["response"]["body"]
    assert [s.id for s in openai_client.vector_stores.list().data] == [created["id"]]


def test_load_looks_beside_the_test_file(vsmock, openai_client):
    assert vsmock.load("fixtures/kb.json")["interactions"] == 2
    assert len(openai_client.vector_stores.list().data) == 1
    with pytest.raises(FileNotFoundError, match="no-such.json"):
        vsmock.load("no-such.json")


def test_a_scripted_response_keeps_its_citations(vsmock, openai_client):
    file = openai_client.files.create(file=DOC, purpose="assistants")
    store = openai_client.vector_stores.create(name="kb", file_ids=[file.id])
    assert vsmock.script_response("Cheese.", count=2) == [{"text": "Cheese.", "count": 2}]
    response = openai_client.responses.create(
        model="gpt-4.1-mini",
        input="What is the moon made of?",
        tools=[{"type": "file_search", "vector_store_ids": [store.id]}],
    )
    assert response.output_text == "Cheese."
    (citation,) = response.output[1].content[0].annotations
    assert (citation.file_id, citation.index) == (file.id, len("Cheese."))
    assert vsmock.scripted_responses() == [{"text": "Cheese.", "count": 1}]
    with pytest.raises(ValueError, match="count"):
        vsmock.script_response("x", count=0)


@pytest.mark.vsmock(processing_stall=True)
def test_a_stalled_processing_and_its_release(vsmock, openai_client):
    file = openai_client.files.create(file=DOC, purpose="assistants")
    store = openai_client.vector_stores.create(name="kb", file_ids=[file.id])
    assert store.file_counts.in_progress == 1
    with pytest.raises(TimeoutError):
        openai_client.vector_stores.files.poll(
            file.id, vector_store_id=store.id, max_wait_seconds=0.2, poll_interval_ms=10
        )
    assert vsmock.set_processing(stall=False)["stall"] is False
    done = openai_client.vector_stores.files.retrieve(file.id, vector_store_id=store.id)
    assert done.status == "completed"


def test_faults_below_http(vsmock, openai_client):
    vsmock.inject_fault(action="drop_connection", path_prefix="/vector_stores")
    with pytest.raises(openai.APIConnectionError):
        openai_client.with_options(max_retries=0).vector_stores.list()
    assert vsmock.requests()[-1]["fault_kind"] == "drop_connection"
    vsmock.inject_fault(action="drop_connection", count=2)
    assert openai_client.vector_stores.list().data == []  # the SDK's retries recover
    with pytest.raises(ValueError, match="action"):
        vsmock.inject_fault(action="explode")


def test_scripted_responses_do_not_outlive_their_test(vsmock, openai_client):
    assert vsmock.scripted_responses() == []
    answer = openai_client.responses.create(model="m", input="hi")
    assert "did not search" in answer.output_text
"""

ASYNC = """
import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_async_client(async_openai_client):
    store = await async_openai_client.vector_stores.create(name="kb")
    listed = await async_openai_client.vector_stores.list()
    assert [s.id async for s in listed] == [store.id]


@pytest.mark.anyio
async def test_async_client_again_on_a_new_loop(async_openai_client):
    listed = await async_openai_client.vector_stores.list()
    assert listed.data == []
"""


TRANSPORTS = pytest.mark.parametrize("transport", ["socket", "inprocess"])


@TRANSPORTS
def test_fixtures_marker_and_async_client(pytester: pytest.Pytester, transport: str) -> None:
    pytester.makepyfile(test_vsmock_user_suite=FIXTURES_AND_MARKER, test_vsmock_async_suite=ASYNC)
    (pytester.path / "fixtures").mkdir()
    result = pytester.runpytest(*QUIET, f"--vsmock-transport={transport}")
    result.assert_outcomes(passed=17)


GIVEN_UP = """
import time

import openai
import pytest


def test_1_gives_up_on_its_requests(vsmock, openai_client):
    vsmock.inject_fault(delay_ms=1500, count=3, path_prefix="/v1/")
    quick = openai_client.with_options(timeout=0.3, max_retries=0)
    with pytest.raises(openai.APITimeoutError):
        quick.vector_stores.create(name="from test 1")
    with pytest.raises(openai.APITimeoutError):
        quick.files.create(file=("small.txt", b"test 1"), purpose="assistants")
    with pytest.raises(openai.APITimeoutError):
        quick.files.create(file=("large.txt", b"q" * 3_000_000), purpose="assistants")


def test_2_sees_none_of_them(vsmock, openai_client):
    vsmock.inject_fault(status=503, count=1, path_prefix="/v1/files")  # this test's own
    time.sleep(2.0)  # test 1's requests end meanwhile, after this test's reset
    once = openai_client.with_options(max_retries=0)
    with pytest.raises(openai.InternalServerError):
        once.files.list()  # the fault was left for this test's request
    assert openai_client.vector_stores.list().data == []
    assert openai_client.files.list().data == []
    seen = [(r["method"], r["path"], r["status"]) for r in vsmock.requests()]
    assert seen == [
        ("GET", "/v1/files", 503),
        ("GET", "/v1/vector_stores", 200),
        ("GET", "/v1/files", 200),
    ]
"""


@TRANSPORTS
def test_requests_given_up_in_one_test_never_reach_the_next(
    pytester: pytest.Pytester, transport: str
) -> None:
    """A request still in flight when its test ends (its client timed out during a delay
    fault) is refused after the next test's reset: it neither writes into that test's state
    nor takes its faults, and fails no test."""
    pytester.makepyfile(test_vsmock_given_up=GIVEN_UP)
    result = pytester.runpytest(*QUIET, "-p", "no:randomly", f"--vsmock-transport={transport}")
    result.assert_outcomes(passed=2)


SERVER_ERRORS = """
import openai
import pytest


def boom(*args, **kwargs):
    raise RuntimeError("kaboom in the backend")


def bad_list(*args, **kwargs):
    return {"object": "list", "data": "not a list"}


def test_before(openai_client):
    openai_client.vector_stores.create(name="fine")


def test_server_exception(vsmock, openai_client, monkeypatch):
    monkeypatch.setattr(type(vsmock.runtime.backend), "list_vector_stores", boom)
    try:
        openai_client.with_options(max_retries=0).vector_stores.list()
    except openai.InternalServerError:
        pass  # the client saw a 500 and moved on: the test must still fail


def test_response_breaking_the_contract(vsmock, openai_client, monkeypatch):
    monkeypatch.setattr(type(vsmock.runtime.backend), "list_vector_stores", bad_list)
    openai_client.with_options(max_retries=0).vector_stores.list()


def test_errors_taken_by_the_test_do_not_fail_it(vsmock, openai_client, monkeypatch):
    monkeypatch.setattr(type(vsmock.runtime.backend), "list_vector_stores", boom)
    with pytest.raises(openai.InternalServerError):
        openai_client.with_options(max_retries=0).vector_stores.list()
    assert "kaboom in the backend" in vsmock.take_errors()[0]


def leave(*args, **kwargs):
    raise SystemExit("left the server")


def test_server_exit(vsmock, openai_client, monkeypatch):
    monkeypatch.setattr(type(vsmock.runtime.backend), "list_vector_stores", leave)
    with pytest.raises(openai.InternalServerError):  # the server answers 500 and serves on
        openai_client.with_options(max_retries=0).vector_stores.list()


def test_stream_breaking_midway(vsmock, openai_client, monkeypatch):
    from vsmock.http.handlers import response_routes

    framed = []
    real = response_routes.frame

    def breaking(event):
        framed.append(event)
        if len(framed) > 2:
            raise RuntimeError("the stream broke after two events")
        return real(event)

    monkeypatch.setattr(response_routes, "frame", breaking)
    try:
        for _ in openai_client.with_options(max_retries=0).responses.create(
            model="m", input="hi", stream=True
        ):
            pass
    except Exception:
        pass  # the client saw its stream cut and moved on: the test must still fail


def test_after(openai_client):
    assert openai_client.vector_stores.list().data == []
"""


@TRANSPORTS
def test_server_errors_fail_the_test_that_caused_them(
    pytester: pytest.Pytester, transport: str
) -> None:
    pytester.makepyfile(test_vsmock_server_errors=SERVER_ERRORS)
    run = pytester.inline_run(*QUIET, f"--vsmock-transport={transport}")
    reports = run.getreports("pytest_runtest_logreport")
    failed = {r.nodeid.split("::")[-1]: r for r in reports if r.failed}
    assert sorted(failed) == [
        "test_response_breaking_the_contract",
        "test_server_exception",
        "test_server_exit",
        "test_stream_breaking_midway",
    ]
    assert all(r.when == "call" for r in failed.values())  # failures, not teardown errors
    assert sum(r.passed and r.when == "call" for r in reports) == 3

    # The server-side traceback, down to the raising frame (framework frames folded).
    exception = failed["test_server_exception"].longreprtext
    assert exception.startswith("vsmock: the server had an error while this test ran:")
    assert (
        exception.index("Traceback (most recent call last):")
        < exception.index('vsmock/http/handlers/__init__.py", line')
        < exception.index('test_vsmock_server_errors.py", line 6, in boom')
    )
    assert exception.rstrip().endswith(
        'raise RuntimeError("kaboom in the backend")\nRuntimeError: kaboom in the backend'
    )
    # No error handler answers these two; they fail their tests all the same.
    assert "SystemExit: left the server" in failed["test_server_exit"].longreprtext
    assert "the stream broke after two events" in (
        failed["test_stream_breaking_midway"].longreprtext
    )
    # A response breaking the contract: the test's own 500 first, then the server's story.
    violation = failed["test_response_breaking_the_contract"].longreprtext
    assert violation.index("openai.InternalServerError") < violation.index(
        "vsmock server error on GET /v1/vector_stores"
    )
    assert "'not a list' is not of type 'array'" in violation


def test_tracebacks_fold_framework_frames_only() -> None:
    text = "\n".join(
        [
            "Traceback (most recent call last):",
            '  File "/venv/site-packages/starlette/routing.py", line 1, in handle',
            "    await self.app(scope)",
            '  File "/venv/site-packages/connexion/middleware.py", line 2, in call',
            "    await next_app()",
            "           ^^^^^^^^^^",
            '  File "/src/vsmock/http/handlers/file_routes.py", line 3, in create_file',
            "    return backend().create_file()",
            "RuntimeError: boom",
        ]
    )
    assert trim_traceback(text).splitlines() == [
        "Traceback (most recent call last):",
        "  ... 2 frames of connexion, starlette (-vv shows them)",
        '  File "/src/vsmock/http/handlers/file_routes.py", line 3, in create_file',
        "    return backend().create_file()",
        "RuntimeError: boom",
    ]


OPTIONS = """
import httpx


def test_configured_server(vsmock, openai_client):
    assert vsmock.url.endswith(":{port}")
    assert vsmock.api_key == "sk-only-this-one"
    openai_client.vector_stores.create(name="kept on disk")
    denied = httpx.get(vsmock.base_url + "/vector_stores",
                       headers={{"Authorization": "Bearer sk-other"}})
    assert denied.status_code == 401
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_ini_and_command_line_options(pytester: pytest.Pytester) -> None:
    port = free_port()
    pytester.makeini(
        "[pytest]\nvsmock_api_key = sk-only-this-one\nvsmock_port = 1\nvsmock_data_dir = state\n"
    )
    pytester.makepyfile(test_vsmock_options=OPTIONS.format(port=port))
    result = pytester.runpytest(*QUIET, f"--vsmock-port={port}")
    result.assert_outcomes(passed=1)
    state = "".join(p.read_text() for p in (pytester.path / "state").glob("state.*"))
    assert "kept on disk" in state  # the last test's state stays, for inspection


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "vsmock_transport = carrier-pigeon",
            "vsmock_transport = 'carrier-pigeon': expected one of",
        ),
        ("vsmock_port = abc", "vsmock_port = 'abc': expected a port number"),
        ("vsmock_port = 70000", "vsmock_port = '70000': expected a port number"),
    ],
)
def test_a_mistyped_ini_option_stops_the_run(
    pytester: pytest.Pytester, line: str, message: str
) -> None:
    pytester.makeini(f"[pytest]\n{line}\n")
    pytester.makepyfile(test_never_run="def test_x(openai_client):\n    raise AssertionError\n")
    result = pytester.runpytest_subprocess(*QUIET)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}*"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_a_mistyped_marker_stops_the_run_before_any_server_starts(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.vsmock(seeds=1)
        def test_typo(vsmock):
            pass
        """
    )
    result = pytester.runpytest(*QUIET)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*test_typo: @pytest.mark.vsmock got unknown option(s) seeds; it takes now, *"]
    )


XDIST = """
import os
from pathlib import Path


def test_{name}(vsmock, openai_client):
    store = openai_client.vector_stores.create(name="{name}")
    assert [s.id for s in openai_client.vector_stores.list().data] == [store.id]
    seen = Path(__file__).parent / "seen"
    seen.mkdir(exist_ok=True)
    worker = os.environ["PYTEST_XDIST_WORKER"]
    (seen / "{name}").write_text(worker + " " + vsmock.url)
"""


def test_xdist_gives_each_worker_its_own_server(pytester: pytest.Pytester) -> None:
    names = [f"t{i}" for i in range(6)]
    pytester.makepyfile(
        test_vsmock_xdist_one="\n".join(XDIST.format(name=n) for n in names[:3]),
        test_vsmock_xdist_two="\n".join(XDIST.format(name=n) for n in names[3:]),
    )
    result = pytester.runpytest_subprocess(
        *QUIET, "-p", "xdist", "-n", "2", "--dist", "loadfile", "--vsmock-data-dir", "state"
    )
    result.assert_outcomes(passed=6)
    urls: dict[str, set[str]] = {}
    for name in names:
        worker, url = (pytester.path / "seen" / name).read_text().split()
        urls.setdefault(worker, set()).add(url)
    assert sorted(urls) == ["gw0", "gw1"]
    assert len(urls["gw0"]) == len(urls["gw1"]) == 1  # one server per worker…
    assert urls["gw0"] != urls["gw1"]  # …and not the same one
    assert sorted(p.name for p in (pytester.path / "state").iterdir()) == ["gw0", "gw1"]
