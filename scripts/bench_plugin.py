"""How fast the pytest plugin is, against the issue's goals. Prints one table.

    python scripts/bench_plugin.py [--tests 200] [--skip-xdist] [--skip-others]
                                   [--comparison-only]

* cold start: a fresh interpreter imports vsmock, builds the app (parses the
  contracts) and answers its first request (goal <= 1.0 s);
* first attach-and-search: on a fresh server, both the ``vsmock serve`` process and the
  plugin's in-process server, the seconds from start to the first 200 and to the first
  completed attach-and-search (upload a file, create a store with it, search it), sent as
  soon as the server answers; then that first attach-and-search beside a later one (goal:
  no more than a few times a later one), and for ``vsmock serve`` the same with the first
  one sent 0.5 s after the first 200;
* reset: ``Runtime.reset()`` after a typical test, as the ``vsmock`` fixture does
  it (goal <= 2 ms);
* a generated suite of N tests using ``openai_client`` (each creates a store,
  uploads a file, attaches it and searches), run by pytest: wall time, and the
  steady cost per test once the server is up (goal <= 25 ms), then the same
  under ``-n 2``;
* where a test's time goes: each SDK call's latency, and a bare uvicorn round
  trip on the same machine (the floor any HTTP mock pays; it also shows how
  loaded the machine is);
* per test, against other clients: two test bodies, "four-call" (upload a file, create a
  store with it, retrieve the store, list its files) and "with search" (the same, then
  search the store), each as a generated suite of N tests in its own pytest process, the
  steady ms per test as above, for
  - the vsmock plugin's ``openai_client``, over its loopback socket (the default) and
    with ``--vsmock-transport=inprocess``;
  - the floor: the same SDK with a ``MockTransport`` of its own transport library (httpx2
    for openai 3.x) answering each call with a canned, schema-valid body, the client built
    per test in a fixture as vsmock's is (goals: vsmock <= 1.5x the floor on four-call,
    <= 2x with search);
  - openai-responses (a respx-based in-process mock; it needs openai 2.x and httpx, so
    it runs in its own venv, ``build/openai-responses``, installed on first use): its
    ``openai_mock`` fixture, so fresh state per test; a body that uses an endpoint it does
    not mock reads "n/a";
  - the floor of that venv's SDK, for openai-responses to be read against.
  ``--comparison-only`` prints only this table, ``--skip-others`` leaves out the last two.

The figures are wall-clock times on a shared machine: read them as ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GOALS = {"cold start": 1.0, "reset": 2.0, "per test": 25.0}
# vsmock's steady ms per test over the floor's (same SDK, canned MockTransport answers)
FLOOR_GOALS = {"four-call": 1.5, "with search": 2.0}

COLD_START = """
import http.client, json, time
c0 = time.process_time()
t0 = time.perf_counter()
from vsmock.http.app import create_app
from vsmock.http.uvicorn_adapter import ThreadedServer
t1 = time.perf_counter()
app = create_app()
t2 = time.perf_counter()
server = ThreadedServer(app).start()
t3 = time.perf_counter()
host, port = server.url.removeprefix("http://").split(":")
conn = http.client.HTTPConnection(host, int(port))
conn.request("GET", "/v1/vector_stores", headers={"Authorization": "Bearer sk-x"})
assert conn.getresponse().status == 200
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "create_app": t2 - t1, "serve": t3 - t2,
                  "first_response": t4 - t3, "total": t4 - t0, "cpu": time.process_time() - c0}))
server.stop()
"""

FIRST_SEARCH = r"""
import http.client, json, socket, subprocess, sys, time

mode, pause = sys.argv[1], float(sys.argv[2])
AUTH = {"Authorization": "Bearer sk-x"}
DOC = (b"# Returns\nYou can return any item within 30 days of delivery for a full refund.\n"
       b"# Shipping\nOrders ship within two business days.\n")


def call(conn, method, path, body=b"", headers=None):
    conn.request(method, path, body=body, headers={**AUTH, **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    assert response.status == 200, (path, response.status, data[:300])
    return json.loads(data)


def attach_and_search(conn, n):
    boundary = "vsmock-bench-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
        f"assistants\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
        f"filename=\"faq-{n}.md\"\r\nContent-Type: text/markdown\r\n\r\n"
    ).encode() + DOC + f"item {n}\r\n--{boundary}--\r\n".encode()
    file = call(conn, "POST", "/v1/files", body,
                {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    json_type = {"Content-Type": "application/json"}
    store = call(conn, "POST", "/v1/vector_stores",
                 json.dumps({"name": f"s{n}", "file_ids": [file["id"]]}), json_type)
    hits = call(conn, "POST", f"/v1/vector_stores/{store['id']}/search",
                json.dumps({"query": "return policy"}), json_type)
    assert hits["data"][0]["file_id"] == file["id"], hits


def first_200(port, started, process=None):
    while time.perf_counter() - started < 60:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"vsmock serve exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/v1/vector_stores", headers=AUTH)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return conn
        except OSError:
            pass
        time.sleep(0.002)
    raise SystemExit("no 200 within 60 s")


process = None
if mode == "serve":
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "vsmock", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
else:  # what the plugin's session fixture does, in the test process
    started = time.perf_counter()
    from vsmock.plugin.session import ServerOptions, SessionServer
    server = SessionServer(ServerOptions())
    port = int(server.url.rsplit(":", 1)[1])
try:
    conn = first_200(port, started, process)
    answered = sent = time.perf_counter()
    if pause:  # a client that starts its work a moment after the server answers
        time.sleep(pause)
        sent = time.perf_counter()
    attach_and_search(conn, 0)
    searched = time.perf_counter()
    time.sleep(2)  # later ones: once whatever the server loads in the background is loaded
    later = []
    for n in range(1, 8):
        t = time.perf_counter()
        attach_and_search(conn, n)
        later.append(time.perf_counter() - t)
    later.sort()
    print(json.dumps({"first_200": answered - started, "first_search_done": searched - started,
                      "first": searched - sent, "later": later[len(later) // 2]}))
finally:
    if process is not None:
        process.terminate()
        process.wait(10)
    else:
        server.stop()
"""

SUITE = '''
import pytest

DOC = b"""# Returns
You can return any item within 30 days of delivery for a full refund.
# Shipping
Orders ship within two business days.
"""


@pytest.mark.parametrize("n", range({tests}))
def test_store_upload_search(openai_client, n):
    store = openai_client.vector_stores.create(name=f"store {{n}}")
    file = openai_client.files.create(file=(f"faq-{{n}}.md", DOC), purpose="assistants")
    openai_client.vector_stores.files.create(store.id, file_id=file.id)
    hits = openai_client.vector_stores.search(store.id, query="return policy")
    assert hits.data[0].file_id == file.id
'''

# Records when each test ends, per process (per xdist worker).
TIMING_CONFTEST = """
import json, os, time

ENDS = []


def pytest_runtest_logfinish(nodeid, location):
    ENDS.append(time.perf_counter())


def pytest_sessionfinish(session):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if ENDS:
        with open(f"timing-{worker}.json", "w") as f:
            json.dump(ENDS, f)
"""

# The per-test comparison: one test body, as a suite of N tests, against each client.
# Each suite's module defines (or, for vsmock, gets from the plugin) ``openai_client``.
COMPARISON_HEAD = '''
import pytest

DOC = b"""# Returns
You can return any item within 30 days of delivery for a full refund.
# Shipping
Orders ship within two business days.
"""
'''

FOUR_CALL = """

@pytest.mark.parametrize("n", range({tests}))
def test_four_calls(openai_client, n):
    file = openai_client.files.create(file=(f"faq-{{n}}.md", DOC), purpose="assistants")
    store = openai_client.vector_stores.create(name=f"store {{n}}", file_ids=[file.id])
    assert openai_client.vector_stores.retrieve(store.id).id == store.id
    listed = openai_client.vector_stores.files.list(store.id)
    assert [f.id for f in listed.data] == [file.id]
"""

SEARCH = """    hits = openai_client.vector_stores.search(store.id, query="return policy")
    assert hits.data[0].file_id == file.id
"""

BODIES = {"four-call": FOUR_CALL, "with search": FOUR_CALL + SEARCH}

# The floor: the same SDK and its own transport library's MockTransport, answering each
# call with a canned, schema-valid body; the client is built per test, like vsmock's.
FLOOR_CLIENT = """
import importlib
import json

import openai

# httpx for openai 2.x, httpx2 for 3.x: the library the SDK's client is built on
httpx = importlib.import_module(openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0])

FILE = {"id": "file-floor", "object": "file", "bytes": 120, "created_at": 1700000000,
        "filename": "faq-0.md", "purpose": "assistants", "status": "processed"}
STORE = {"id": "vs_floor", "object": "vector_store", "created_at": 1700000000,
         "name": "store 0", "usage_bytes": 0, "status": "completed", "last_active_at": 1700000000,
         "metadata": {}, "file_counts": {"in_progress": 0, "completed": 1, "failed": 0,
                                         "cancelled": 0, "total": 1}}
STORE_FILE = {"id": "file-floor", "object": "vector_store.file", "created_at": 1700000000,
              "usage_bytes": 120, "vector_store_id": "vs_floor", "status": "completed",
              "last_error": None}
FILES = {"object": "list", "data": [STORE_FILE], "first_id": "file-floor",
         "last_id": "file-floor", "has_more": False}
HIT = {"file_id": "file-floor", "filename": "faq-0.md", "score": 0.8, "attributes": {},
       "content": [{"type": "text", "text": "You can return any item within 30 days."}]}
HITS = {"object": "vector_store.search_results.page", "search_query": ["return policy"],
        "data": [HIT], "has_more": False, "next_page": None}
ANSWERS = {
    (method, "/v1" + path): json.dumps(body).encode()
    for method, path, body in [
        ("POST", "/files", FILE),
        ("POST", "/vector_stores", STORE),
        ("GET", "/vector_stores/vs_floor", STORE),
        ("GET", "/vector_stores/vs_floor/files", FILES),
        ("POST", "/vector_stores/vs_floor/search", HITS),
    ]
}
JSON = {"content-type": "application/json"}


def answer(request):
    return httpx.Response(200, content=ANSWERS[request.method, request.url.path], headers=JSON)


@pytest.fixture
def openai_client():
    http_client = openai.DefaultHttpxClient(transport=httpx.MockTransport(answer))
    with openai.OpenAI(
        api_key="sk-x", base_url="http://floor.test/v1", http_client=http_client
    ) as client:
        yield client
"""

# openai-responses: its documented ``openai_mock`` fixture (a fresh OpenAIMock, so fresh
# state, per test), its respx router active for the test, as ``@openai_responses.mock()``
# does around a test.
OPENAI_RESPONSES_CLIENT = """
import openai


@pytest.fixture
def openai_client(openai_mock):
    with openai_mock.router, openai.OpenAI(api_key="sk-x") as client:
        yield client
"""

# What a venv has: its SDK, the transport library the SDK uses, and openai-responses.
PROBE = """
import json
from importlib.metadata import version

import openai

info = {"openai": openai.__version__,
        "transport": openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]}
try:
    import openai_responses
except ImportError:
    pass
else:
    info["openai_responses"] = version("openai-responses")
    routes = [repr(route.pattern) for route in openai_responses.OpenAIMock().router.routes]
    info["search"] = any("/search" in route for route in routes)
print(json.dumps(info))
"""

OTHERS_VENV = Path(__file__).resolve().parent.parent / "build" / "openai-responses"
OTHERS_REQUIREMENTS = ["openai-responses==0.13.*", "pytest"]


def cold_start(runs: int) -> dict[str, float]:
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", COLD_START], capture_output=True, text=True, check=True
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        figures["process"] = time.perf_counter() - started
        results.append(figures)
    return {key: min(r[key] for r in results) for key in results[0]}


def first_search(mode: str, runs: int, pause: float = 0.0) -> dict[str, float]:
    """Fresh servers (``mode``: "serve" or "plugin"), the first attach-and-search sent
    ``pause`` seconds after the first 200: median of ``runs`` of each figure."""
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", FIRST_SEARCH, mode, str(pause)],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            raise SystemExit(f"first attach-and-search ({mode}) failed:\n{out.stderr[-3000:]}")
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def report_first_search(runs: int) -> None:
    print(
        f"fresh server to the first attach-and-search (upload, create a store with it, "
        f"search; raw HTTP), median of {runs}:"
    )
    for mode, label in (("serve", "vsmock serve"), ("plugin", "plugin, in-process")):
        f = first_search(mode, runs)
        print(
            f"  {label:20s} start to first 200 {f['first_200']:.2f} s, to first completed "
            f"attach-and-search {f['first_search_done']:.2f} s; first attach-and-search "
            f"{f['first'] * 1000:.1f} ms vs later {f['later'] * 1000:.1f} ms = "
            f"{f['first'] / f['later']:.1f}x"
        )
    late = first_search("serve", runs, pause=0.5)
    print(
        f"  {'vsmock serve':20s} first attach-and-search 0.5 s after the first 200 "
        f"{late['first'] * 1000:.1f} ms vs later {late['later'] * 1000:.1f} ms = "
        f"{late['first'] / late['later']:.1f}x"
    )


def reset_cost(rounds: int) -> dict[str, float]:
    from vsmock.http.app import create_app

    app = create_app()
    runtime = app.runtime
    backend = runtime.backend
    body = b"You can return any item within 30 days of delivery for a full refund."

    def typical_test() -> None:  # what the suite's tests leave behind
        store = backend.create_vector_store(body={"name": "s"})
        created = backend.create_file(
            content=io.BytesIO(body), filename="faq.md", purpose="assistants"
        )
        backend.create_vector_store_file(
            vector_store_id=store["id"], body={"file_id": created["id"]}
        )

    empty, after_test = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        runtime.reset()
        empty.append(time.perf_counter() - started)
        typical_test()
        started = time.perf_counter()
        runtime.reset()
        after_test.append(time.perf_counter() - started)
    runtime.close()
    return {
        "empty_ms": statistics.median(empty) * 1000,
        "after_test_ms": statistics.median(after_test) * 1000,
        "after_test_p95_ms": sorted(after_test)[int(len(after_test) * 0.95)] * 1000,
    }


def run_suite(
    tests: int,
    workers: int,
    source: str | None = None,
    python: str | Path = sys.executable,
    pytest_args: Sequence[str] = (),
) -> dict[str, float]:
    """Runs a suite of ``tests`` tests (``source``, by default ``SUITE``'s) in a fresh
    pytest process of ``python``."""
    with tempfile.TemporaryDirectory(prefix="vsmock-bench-") as tmp:
        folder = Path(tmp)
        (folder / "test_suite.py").write_text(source or SUITE.format(tests=tests))
        (folder / "conftest.py").write_text(TIMING_CONFTEST)
        (folder / "pytest.ini").write_text("[pytest]\n")
        args = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args]
        if workers:
            args += ["-p", "xdist", "-n", str(workers)]
        cpu_before = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run(args, cwd=folder, capture_output=True, text=True)
        wall = time.perf_counter() - started
        cpu = _children_cpu() - cpu_before
        if done.returncode != 0:
            raise SystemExit(
                f"the generated suite failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
            )
        steady_window, steady_tests = 0.0, 0
        for timing in folder.glob("timing-*.json"):
            ends = json.loads(timing.read_text())
            # The first test of each process also starts its server: leave it out.
            steady_window = max(steady_window, ends[-1] - ends[0])
            steady_tests += len(ends) - 1
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "wall_ms_per_test": wall / tests * 1000,
        "steady_ms_per_test": steady_window / max(steady_tests, 1) * 1000,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def breakdown(rounds: int) -> dict[str, tuple[float, float]]:
    import openai
    import uvicorn  # noqa: F401 - imported before timing

    from vsmock.http.uvicorn_adapter import ThreadedServer
    from vsmock.plugin.session import ServerOptions, SessionServer

    async def bare(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    session = SessionServer(ServerOptions())
    floor = ThreadedServer(bare).start()
    doc = b"You can return any item within 30 days of delivery for a full refund."
    timings: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    @contextlib.contextmanager
    def timed(name: str) -> Iterator[None]:
        started, cpu_started = time.perf_counter(), time.process_time()
        yield
        timings.setdefault(name, []).append(time.perf_counter() - started)
        cpu.setdefault(name, []).append(time.process_time() - cpu_started)  # both threads

    try:
        with openai.OpenAI(api_key="sk-x", base_url=floor.base_url, max_retries=0) as bare_sdk:
            for _ in range(rounds):
                with timed("bare uvicorn round trip (SDK)"):
                    bare_sdk.get("/", cast_to=object)
        for _ in range(rounds):
            with timed("reset (fixture)"):
                session.runtime.reset()
            with timed("openai_client()"):
                client = session.openai_client()
            with timed("vector_stores.create"):
                store = client.vector_stores.create(name="s")
            with timed("files.create"):
                file = client.files.create(file=("faq.md", doc), purpose="assistants")
            with timed("vector_stores.files.create"):
                client.vector_stores.files.create(store.id, file_id=file.id)
            with timed("vector_stores.search"):
                client.vector_stores.search(store.id, query="return policy")
            client.close()
    finally:
        floor.stop()
        session.stop()
    return {
        name: (statistics.median(values) * 1000, statistics.median(cpu[name]) * 1000)
        for name, values in timings.items()
    }


def verdict(value: float, goal: float) -> str:
    return f"{value / goal:5.2f}x goal  {'ok' if value <= goal else 'MISSED'}"


@dataclass(frozen=True)
class Contender:
    """One client the comparison runs each test body against, in its own pytest process."""

    label: str
    python: str | Path
    client: str  # the source that defines ``openai_client``; "" for the vsmock plugin's
    pytest_args: tuple[str, ...] = ()
    floor: str | None = None  # the label of the floor it is divided by
    unsupported: tuple[str, ...] = ()  # bodies it cannot run


def probe(python: str | Path) -> dict[str, Any]:
    done = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, check=True)
    info: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return info


def others_python() -> tuple[Path | None, str]:
    """The python of the venv with openai-responses (openai 2.x, plain httpx), set up on
    first use; or None and why it cannot be."""
    python = OTHERS_VENV / "bin" / "python"
    check = [str(python), "-c", "import openai_responses, pytest"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, ""
    steps = [] if python.exists() else [[sys.executable, "-m", "venv", str(OTHERS_VENV)]]
    steps.append(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        + OTHERS_REQUIREMENTS
    )
    print(f"installing {' '.join(OTHERS_REQUIREMENTS)} into {OTHERS_VENV}", flush=True)
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, str(error)
        if done.returncode != 0:
            errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
            return None, (errors or [f"{step[2]} exited with {done.returncode}"])[-1]
    return python, ""


def contenders(skip_others: bool) -> list[Contender]:
    ours = probe(sys.executable)
    floor = f"floor, openai {ours['openai']} ({ours['transport']}.MockTransport)"
    found = [
        Contender(f"vsmock plugin (openai {ours['openai']})", sys.executable, "", floor=floor),
        Contender(
            "vsmock plugin, --vsmock-transport=inprocess",
            sys.executable,
            "",
            ("--vsmock-transport=inprocess",),
            floor=floor,
        ),
        Contender(floor, sys.executable, FLOOR_CLIENT, ("-p", "no:vsmock")),
    ]
    if skip_others:
        return found
    python, why_not = others_python()
    if python is None:
        print(f"openai-responses: not available ({why_not})")
        return found
    theirs = probe(python)
    their_floor = f"floor, openai {theirs['openai']} ({theirs['transport']}.MockTransport)"
    return [
        *found,
        Contender(
            f"openai-responses {theirs['openai_responses']} (openai {theirs['openai']})",
            python,
            OPENAI_RESPONSES_CLIENT,
            floor=their_floor,
            # it mocks no vector_stores.search: the call would fall to another route
            unsupported=() if theirs["search"] else ("with search",),
        ),
        Contender(their_floor, python, FLOOR_CLIENT, ("-p", "no:openai_responses")),
    ]


def comparison(tests: int, skip_others: bool) -> None:
    """Each body as a suite of ``tests`` tests against each contender: steady ms per test."""
    field = contenders(skip_others)
    steady: dict[tuple[str, str], float] = {}
    for body, body_source in BODIES.items():
        for contender in field:
            if body not in contender.unsupported:
                suite = COMPARISON_HEAD + contender.client + body_source.format(tests=tests)
                figures = run_suite(tests, 0, suite, contender.python, contender.pytest_args)
                steady[contender.label, body] = figures["steady_ms_per_test"]

    def cell(contender: Contender, body: str) -> str:
        if body in contender.unsupported:
            return "n/a: not supported"
        value = steady[contender.label, body]
        if contender.floor is None:
            return f"{value:.1f}"
        return f"{value:.1f} ({value / steady[contender.floor, body]:.2f}x floor)"

    rows = [["suite", *BODIES]] + [[c.label] + [cell(c, body) for body in BODIES] for c in field]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"per test, steady ms ({tests} tests, one pytest process each):")
    rows.insert(1, ["-" * width for width in widths])
    for row in rows:
        padded = (text.ljust(width) for text, width in zip(row, widths, strict=True))
        print("| " + " | ".join(padded) + " |")
    for vsmock in field[:2]:  # the plugin over the socket (its default), then in-process
        transport = "in-process" if vsmock.pytest_args else "socket"
        for body, goal in FLOOR_GOALS.items():
            ratio = steady[vsmock.label, body] / steady[str(vsmock.floor), body]
            print(
                f"vsmock ({transport}) <= {goal}x floor, {body}: {ratio:.2f}x  "
                f"[{verdict(ratio, goal)}]"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--first-runs", type=int, default=3)
    parser.add_argument("--skip-xdist", action="store_true")
    parser.add_argument(
        "--first-search-only", action="store_true", help="only the first attach-and-search"
    )
    parser.add_argument(
        "--skip-others", action="store_true", help="compare vsmock with the floor only"
    )
    parser.add_argument(
        "--comparison-only", action="store_true", help="only the per-test comparison table"
    )
    args = parser.parse_args(argv)

    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f}")
    if args.comparison_only:
        comparison(args.tests, args.skip_others)
        return
    report_first_search(args.first_runs)
    if args.first_search_only:
        return
    cold = cold_start(args.cold_runs)
    print(
        f"cold start (best of {args.cold_runs}): {cold['total']:.2f} s  "
        f"[{verdict(cold['total'], GOALS['cold start'])}]\n"
        f"  import {cold['import']:.2f} s, create_app {cold['create_app']:.2f} s, "
        f"serve {cold['serve']:.3f} s, first response {cold['first_response']:.3f} s; "
        f"{cold['cpu']:.2f} s CPU; whole process incl. interpreter {cold['process']:.2f} s"
    )
    reset = reset_cost(300)
    print(
        f"reset after a typical test: {reset['after_test_ms']:.3f} ms median, "
        f"{reset['after_test_p95_ms']:.3f} ms p95  "
        f"[{verdict(reset['after_test_ms'], GOALS['reset'])}]; empty {reset['empty_ms']:.3f} ms"
    )
    parts = breakdown(30)
    print("one test's parts, median ms of wall time / of CPU (client and server threads):")
    for name, (wall, cpu) in parts.items():
        print(f"  {name:32s} {wall:7.2f} / {cpu:6.2f}")
    one = run_suite(1, 0)  # what starting pytest and the server costs, in CPU
    print(f"a 1-test suite: {one['wall_s']:.2f} s wall, {one['cpu_s']:.2f} s CPU")
    for workers in (0,) if args.skip_xdist else (0, 2):
        suite = run_suite(args.tests, workers)
        label = f"{args.tests}-test suite" + (f" -n {workers}" if workers else "")
        steady = "steady" if not workers else f"steady, {workers} workers together"
        cpu_note = f"{suite['cpu_s']:.1f} s CPU"
        if not workers:  # the CPU a test costs, whatever else the machine is doing
            cpu_note += f", {(suite['cpu_s'] - one['cpu_s']) / (args.tests - 1) * 1000:.1f} ms/test"
        print(
            f"{label}: {suite['wall_s']:.2f} s wall ({suite['wall_ms_per_test']:.1f} ms/test "
            f"incl. startup); {steady} {suite['steady_ms_per_test']:.1f} ms/test  "
            f"[{verdict(suite['steady_ms_per_test'], GOALS['per test'])}]; {cpu_note}"
        )
    comparison(args.tests, args.skip_others)


if __name__ == "__main__":
    main()
