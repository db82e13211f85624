#!/usr/bin/env python3
"""One benchmark table, measured in one run: vsmock against the physical limit, Steady and Prism.

Usage::

    python scripts/bench.py [--duration 5] [--rounds 3] [--connections 8] [--no-prism]
                            [--no-steady] [--no-stateless] [--mock-spec YAML] [--baseline REV]

Servers, all on 127.0.0.1:

* **vsmock**: ``vsmock serve`` as shipped: request validation on, response validation on
  (its default), state in memory;
* **vsmock --stateless**: ``vsmock serve --stateless``, the contract mode (answers from
  openapi.yaml's schemas and examples, nothing stored), validation as above;
* **Starlette**: bare Starlette on uvicorn (uvloop, httptools) answering every route with
  the very bytes vsmock answered: the cost of a web framework, HTTP and ASGI;
* **raw ASGI**: a bare ASGI callable on the same uvicorn answering the same bytes, no
  framework at all: the physical limit of a Python server on uvicorn;
* **Steady** (``@stdy/cli``, pinned by STEADY_VERSION to 0.22.2, the spec mock openai-python and
  openai-node test against): its native binary run directly, as openai-python runs it (the
  brackets array/object formats) plus ``-q`` (no log line per request: its fastest),
  installed with npm into ``build/steady``, which git ignores, if npm can install it;
* **Steady, logging**: the same without ``-q``, each request logged to a file, exactly as
  openai-python's ``scripts/mock`` runs it for the SDK's tests;
* **Prism 5**: ``prism mock`` (``@stoplight/prism-cli@5``, installed with npm into
  ``build/prism``, also ignored), if npm can install it;
  Steady and Prism both mock ``--mock-spec``: the official OpenAI subset
  (/work/shared/reference/openai-vector-stores-subset.yaml) where it exists, else
  vsmock's openapi.yaml; they serve its paths without ``/v1``;
* with ``--baseline REV``, **vsmock@REV**: the same server built from git revision REV (a
  worktree in ``build/``), populated alike: did a change cost throughput?

Workloads, each at ``--connections`` connections on one wrk thread (``wrk`` with Lua scripts
for the POSTs; without wrk, a Python load generator, and the table says so):

* **list**: ``GET /v1/vector_stores`` (vsmock holds 20 stores, so a full default page);
* **list, 1 per page**: ``GET /v1/vector_stores?limit=1``: a page of one store, the size of
  the list Steady and Prism answer (one generated store, whatever the query);
* **create**: ``POST /v1/vector_stores`` with ``{"name": "bench"}``;
* **retrieve**: ``GET /v1/vector_stores/{id}``;
* **search**: ``POST /v1/vector_stores/{id}/search`` on a store of 10,000 chunks (100 files
  of 100 chunks), the query taken in turn from 16 different ones.

Each round runs every workload on every server, one after the other (so a busy machine
weighs on all of them alike); the table shows the median over ``--rounds`` rounds, with
p50/p99 latency from the same run, and the ratio of vsmock to each. Then: the time from
starting each server to its first 200 (median of 5 starts), and vsmock's store operations
with 100 and with 10,000 stored vector stores (two servers, measured in the same rounds),
with each server's memory (RSS) at start, once filled, per store, and its growth over the
rounds. Each table is printed as soon as it is measured.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import http.client
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi.yaml"
PRISM_DIR = ROOT / "build" / "prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"
OFFICIAL_SPEC = Path("/work/shared/reference/openai-vector-stores-subset.yaml")
STEADY_VERSION = "0.22.2"  # openai-python pins 0.22.1; this is the newest 0.22.x
STEADY_DIR = ROOT / "build" / "steady"
# openai-python's scripts/mock: how its generated tests run Steady
STEADY_FLAGS = [
    "--validator-query-array-format=brackets",
    "--validator-form-array-format=brackets",
    "--validator-query-object-format=brackets",
    "--validator-form-object-format=brackets",
]
KEY = "sk-bench"
AUTH = {"Authorization": f"Bearer {KEY}"}
WORKLOADS = ("list", "list, 1 per page", "create", "retrieve", "search", "search, new query")
QUERIES = [
    "return policy refund",
    "how long does shipping take",
    "reset my password",
    "warranty repair claim",
    "international delivery costs",
    "damaged item replacement",
    "account security login",
    "order tracking number",
    "store credit exchange",
    "battery warranty coverage",
    "express shipping options",
    "two factor authentication",
    "receipt required for returns",
    "customs duties abroad",
    "gift card balance",
    "cancel an order",
]


# ------------------------------------------------------------------------------ servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(
    port: int, method: str, path: str, body: Any = None, timeout: float = 120
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = dict(AUTH)
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def upload(port: int, name: str, content: bytes) -> str:
    boundary = "benchBoundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    conn.request("POST", "/v1/files", body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    assert response.status == 200, data
    return str(json.loads(data)["id"])


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    probe: str  # a GET path answering 200 once the server is ready
    prefix: str  # path prefix of the API ("/v1", or "" for Prism)
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = ROOT
    log: Path | None = None  # where its output goes (default: nowhere)
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> float:
        """Start; returns the seconds from spawning to the first 200."""
        started = time.perf_counter()
        output = self.log.open("ab") if self.log is not None else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            stdout=output,
            stderr=subprocess.STDOUT if self.log is not None else subprocess.DEVNULL,
            env={**os.environ, **self.env},
        )
        if self.log is not None:
            output.close()  # type: ignore[union-attr]  # the child holds its own copy
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", self.probe, headers=AUTH)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.002)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def vsmock_server(port: int, *extra: str, name: str = "vsmock") -> Server:
    command = [sys.executable, "-m", "vsmock", "serve", "--port", str(port), *extra]
    return Server(name, command, port, "/v1/vector_stores", "/v1")


STATELESS = "vsmock --stateless"


def stateless_server(port: int) -> Server:
    return vsmock_server(port, "--stateless", "--api-key", KEY, name=STATELESS)


def baseline_server(port: int, rev: str) -> Server:
    """vsmock as of git revision ``rev``, from a worktree in build/ (imported first: it is
    the working directory of ``python -m vsmock``)."""
    short = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = ROOT / "build" / f"baseline-{short}"
    if not tree.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), short],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    command = [sys.executable, "-m", "vsmock", "serve", "--port", str(port), "--api-key", KEY]
    return Server(f"vsmock@{short}", command, port, "/v1/vector_stores", "/v1", cwd=tree)


def starlette_server(port: int, bodies: Path) -> Server:
    command = [sys.executable, __file__, "--serve-starlette", str(port), str(bodies)]
    return Server("Starlette", command, port, "/v1/vector_stores", "/v1")


def raw_asgi_server(port: int, bodies: Path) -> Server:
    command = [sys.executable, __file__, "--serve-raw-asgi", str(port), str(bodies)]
    return Server("raw ASGI", command, port, "/v1/vector_stores", "/v1")


def prism_server(port: int, spec: Path) -> Server:
    command = [str(PRISM_BIN), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port)]
    return Server("Prism 5", command, port, "/vector_stores", "")


STEADY_LOGS = "Steady, logging"


def steady_server(port: int, spec: Path, command: list[str], log: Path | None = None) -> Server:
    """Steady with openai-python's flags. ``command`` is its native binary (a Deno build),
    run directly: stopping an ``npx`` or ``node`` parent could orphan it. Quiet (``-q``, no
    line per request: its fastest) unless ``log`` is given; then as openai-python's
    ``scripts/mock`` runs it, every request logged to a file (``&> .stdy.log``)."""
    quiet = [] if log is not None else ["-q"]
    flags = ["--host", "127.0.0.1", "-p", str(port), *STEADY_FLAGS, *quiet, str(spec)]
    name = STEADY_LOGS if log is not None else "Steady"
    return Server(name, [*command, *flags], port, "/vector_stores", "", log=log)


def npm_install(directory: Path, package: str) -> str | None:
    """``npm install package`` into ``directory``; None, or why it could not."""
    if shutil.which("npm") is None:
        return "npm not found"
    directory.mkdir(parents=True, exist_ok=True)
    try:
        run = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", package],
            cwd=directory,
            check=False,
            capture_output=True,
            text=True,
            timeout=900,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"npm install {package} failed: {error}"
    if run.returncode != 0:
        tail = (run.stderr.strip().splitlines() or ["?"])[-1]
        return f"npm install {package} failed: {tail}"
    return None


def ensure_prism(install: bool) -> str | None:
    """The Prism binary's version, installing it when asked; None if absent."""
    if not PRISM_BIN.exists() and install:
        npm_install(PRISM_DIR, "@stoplight/prism-cli@5")
    if not PRISM_BIN.exists():
        return None
    out = subprocess.run([str(PRISM_BIN), "--version"], capture_output=True, text=True, timeout=60)
    return out.stdout.strip() or "5"


def _steady_installed() -> tuple[str | None, list[str] | None]:
    """The installed ``@stdy/cli`` version and the command running its binary."""
    modules = STEADY_DIR / "node_modules" / "@stdy"
    try:
        version = json.loads((modules / "cli" / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None, None
    # The wrapper package picks one of these optional dependencies by platform.
    for binary in sorted(modules.glob("cli-*/bin/steady*")):
        if os.access(binary, os.X_OK):
            return version, [str(binary)]
    wrapper = modules / "cli" / "steady.js"  # forwards signals to the binary
    if wrapper.exists() and shutil.which("node"):
        return version, ["node", str(wrapper)]
    return version, None


def ensure_steady(install: bool) -> tuple[str | None, list[str] | None]:
    """(Steady's version, the command running it), installing the pinned version into
    build/steady when asked; (why not, None) if it cannot run."""
    version, command = _steady_installed()
    if (version != STEADY_VERSION or command is None) and install:
        failed = npm_install(STEADY_DIR, f"@stdy/cli@{STEADY_VERSION}")
        if failed:
            return failed, None
        version, command = _steady_installed()
    if command is None:
        why = "no binary for this platform" if install else "not installed (--no-install)"
        return why, None
    return version, command


def serve_starlette(port: int, bodies_path: Path) -> None:
    """The physical limit: Starlette on uvicorn, answering with recorded bytes."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    bodies = {k: v.encode() for k, v in json.loads(bodies_path.read_text()).items()}

    def answer(kind: str) -> Callable[[Any], Any]:
        async def endpoint(request: Any) -> Response:
            if request.method == "POST":
                await request.body()
            one = kind == "list" and request.url.query == "limit=1"
            return Response(
                bodies["list, 1 per page" if one else kind], media_type="application/json"
            )

        return endpoint

    routes = [
        Route("/v1/vector_stores", answer("list"), methods=["GET"]),
        Route("/v1/vector_stores", answer("create"), methods=["POST"]),
        Route("/v1/vector_stores/{vs}", answer("retrieve"), methods=["GET"]),
        Route("/v1/vector_stores/{vs}/search", answer("search"), methods=["POST"]),
    ]
    uvicorn.run(
        Starlette(routes=routes), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


def serve_raw_asgi(port: int, bodies_path: Path) -> None:
    """The limit of a Python server on uvicorn: one ASGI callable, no framework, answering
    the recorded bytes (the same routes as the Starlette reference)."""
    import uvicorn

    bodies = {k: v.encode() for k, v in json.loads(bodies_path.read_text()).items()}
    kinds = {
        ("GET", False): "list",
        ("POST", False): "create",
        ("GET", True): "retrieve",
        ("POST", True): "search",
    }
    headers = {
        kind: [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        for kind, body in bodies.items()
    }

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        method = scope["method"]
        if method == "POST":
            while (await receive()).get("more_body"):
                pass
        kind = kinds.get((method, scope["path"] != "/v1/vector_stores"), "list")
        if kind == "list" and scope["query_string"] == b"limit=1":
            kind = "list, 1 per page"
        await send({"type": "http.response.start", "status": 200, "headers": headers[kind]})
        await send({"type": "http.response.body", "body": bodies[kind]})

    uvicorn.run(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
    )


# ---------------------------------------------------------------------------- fixtures
def document(index: int, n_chunks: int) -> bytes:
    """FAQ-like words, different for every file, cut to exactly ``n_chunks`` chunks of 100
    tokens as vsmock counts them."""
    from vsmock.ingest.chunking import chunk_text

    rng = random.Random(index)
    words = " ".join(QUERIES).split()
    text = " ".join(rng.choice(words) + f" w{rng.randrange(3000)}" for _ in range(n_chunks * 40))
    chunks = chunk_text(text, 100, 0)
    return text[: chunks[n_chunks - 1].end].encode() if len(chunks) > n_chunks else text.encode()


def populate(port: int, *, stores: int, search_chunks: int) -> dict[str, str]:
    """Stores for the list, and one store of ``search_chunks`` chunks for search."""
    for i in range(stores):
        status, _ = request(port, "POST", "/v1/vector_stores", {"name": f"bench {i}"})
        assert status == 200
    files = [upload(port, f"doc{i}.txt", document(i, 100)) for i in range(search_chunks // 100)]
    static = {"type": "static", "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 0}}
    status, body = request(
        port,
        "POST",
        "/v1/vector_stores",
        {"name": "search", "file_ids": files, "chunking_strategy": static},
    )
    assert status == 200, body
    store = json.loads(body)["id"]
    status, body = request(port, "GET", f"/v1/vector_stores/{store}/files?limit=100")
    chunks = sum(
        len(
            json.loads(request(port, "GET", f"/v1/vector_stores/{store}/files/{f}/content")[1])[
                "data"
            ]
        )
        for f in files[:3]
    )
    return {"store": store, "chunks_per_file": str(chunks // 3), "files": str(len(files))}


# ----------------------------------------------------------------------------- loading
@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float


NEW_QUERIES = ["<new>"]  # lua_script: a query never sent before, on every request


def lua_script(path: Path, method: str, bodies: list[str] | None) -> None:
    lines = [f'wrk.method = "{method}"', 'wrk.headers["Content-Type"] = "application/json"']
    if bodies is NEW_QUERIES:
        words = " ".join(QUERIES).split()
        quoted = ", ".join(f'"{w}"' for w in words)
        lines += [
            f"local words = {{{quoted}}}",
            "local i = 0",
            "request = function()",
            "  i = i + 1",
            "  local a, b = words[(i % #words) + 1], words[((i * 7) % #words) + 1]",
            '  local body = string.format(\'{"query":"%s %s w%d"}\', a, b, i)',
            "  return wrk.format(nil, nil, nil, body)",
            "end",
        ]
    elif bodies:
        quoted = ", ".join("[==[" + b + "]==]" for b in bodies)
        lines += [
            f"local bodies = {{{quoted}}}",
            "local i = 0",
            "request = function()",
            "  i = i + 1",
            "  return wrk.format(nil, nil, nil, bodies[(i % #bodies) + 1])",
            "end",
        ]
    path.write_text("\n".join(lines) + "\n")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, seconds: float, connections: int, script: Path | None) -> Result:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "-H",
        f"Authorization: Bearer {KEY}",
    ]
    if script is not None:
        command += ["-s", str(script)]
    run = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60)
    out = run.stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"wrk failed on {url}:\n{out}\n{run.stderr}")
    rps = float(found.group(1))
    latency = {
        m.group(1): float(m.group(2)) * _UNITS[m.group(3)]
        for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} non-2xx answers\n{out}")
    return Result(rps, latency.get("50", float("nan")), latency.get("99", float("nan")))


def python_load(
    port: int, method: str, path: str, bodies: list[str] | None, seconds: float, connections: int
) -> Result:
    """A fallback load generator: one keep-alive connection per thread."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, i = [], offset
        while time.perf_counter() < deadline:
            headers = dict(AUTH)
            payload = None
            if bodies is NEW_QUERIES:
                payload = json.dumps({"query": f"{QUERIES[i % len(QUERIES)]} w{i}"}).encode()
                headers["Content-Type"] = "application/json"
            elif bodies:
                payload = bodies[i % len(bodies)].encode()
                headers["Content-Type"] = "application/json"
            i += 1
            t = time.perf_counter()
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t)
        conn.close()
        with lock:
            latencies.extend(mine)

    return _threaded(run, connections, latencies, seconds)


def _threaded(
    run: Callable[[int], None], connections: int, latencies: list[float], seconds: float
) -> Result:
    """Run ``connections`` client threads to the end; the throughput and p50/p99 (ms) of
    the latencies they collected."""
    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return Result(
        len(latencies) / seconds,
        latencies[len(latencies) // 2] * 1e3,
        latencies[int(len(latencies) * 0.99)] * 1e3,
    )


# ------------------------------------------------------------------------------- report
def fmt_rps(value: float) -> str:
    return f"{value:,.0f}"


def median_result(results: list[Result]) -> Result:
    return Result(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
    )


@contextlib.contextmanager
def running(server: Server) -> Iterator[float]:
    try:
        yield server.start()
    finally:
        server.stop()


def startup_times(make: Callable[[], Server], times: int) -> float:
    measured = []
    for _ in range(times):
        server = make()
        try:
            measured.append(server.start())
        finally:
            server.stop()
    return statistics.median(measured)


CREATE_DELETE_LUA = """
-- create a store, then delete the one created: the number of stores stays the same
wrk.headers["Content-Type"] = "application/json"
local ids, n = {}, 0
request = function()
  n = n + 1
  if n % 2 == 0 and #ids > 0 then
    return wrk.format("DELETE", PREFIX .. "/" .. table.remove(ids), nil, nil)
  end
  return wrk.format("POST", PREFIX, nil, '{"name":"bench"}')
end
response = function(status, headers, body)
  local id = body:match('"id":"(vs_[0-9a-f]+)","object":"vector_store"')
  if id then table.insert(ids, id) end
end
"""


def store_operations(
    seconds: float, connections: int, use_wrk: bool, workdir: Path, *, rounds: int, warmup: float
) -> list[str]:
    """vsmock's store operations with 100 and with 10,000 stored vector stores: one server
    holding each, measured in the same interleaved rounds (median), after a warm-up; then
    each server's memory: at start, once filled, after the warm-up round (which fills the
    request journal to its bound of 10,000 entries), and its growth over the measured rounds
    (the creates and deletes leave the count of stores as it was), which should be none."""
    sizes = (100, 10_000)
    servers = {count: vsmock_server(free_port(), "--api-key", KEY) for count in sizes}
    cases: dict[int, dict[str, tuple[str, str, Path | None]]] = {}
    measured: dict[tuple[str, int], list[Result]] = {}
    rename = '{"name":"renamed"}'
    modify = workdir / "ops-modify.lua"
    lua_script(modify, "POST", [rename])
    create_delete = workdir / "create-delete.lua"
    create_delete.write_text('PREFIX = "/v1/vector_stores"\n' + CREATE_DELETE_LUA)
    memory: dict[int, list[float]] = {}  # count -> RSS MB: started, filled, after the rounds
    try:
        for count, server in servers.items():
            server.start()
            port = server.port
            memory[count] = [rss_mb(server)]
            with _pool(8) as submit:
                for i in range(count):
                    submit(
                        lambda i=i, port=port: request(
                            port, "POST", "/v1/vector_stores", {"name": f"s{i}"}
                        )
                    )
            memory[count].append(rss_mb(server))
            status, body = request(port, "GET", "/v1/vector_stores?limit=1&order=asc")
            oldest = json.loads(body)["data"][0]["id"]
            cases[count] = {
                "retrieve": ("GET", f"/v1/vector_stores/{oldest}", None),
                "list (first page of 20)": ("GET", "/v1/vector_stores", None),
                "modify": ("POST", f"/v1/vector_stores/{oldest}", modify),
                "create + delete": ("POST", "/v1/vector_stores", create_delete),
            }
        for round_ in range(rounds + 1):  # round 0 warms up
            for name in cases[sizes[0]]:
                for count, server in servers.items():
                    method, path, script = cases[count][name]
                    duration = warmup if round_ == 0 else seconds
                    if use_wrk:
                        url = f"http://127.0.0.1:{server.port}{path}"
                        result = wrk(url, duration, connections, script)
                    elif name == "create + delete":
                        result = python_create_delete(server.port, duration, connections)
                    else:
                        bodies = [rename] if name == "modify" else None
                        result = python_load(
                            server.port, method, path, bodies, duration, connections
                        )
                    if round_ > 0:
                        measured.setdefault((name, count), []).append(result)
            if round_ == 0 or round_ == rounds:  # after the warm-up, and at the end
                for count, server in servers.items():
                    memory[count].append(rss_mb(server))
    finally:
        for server in servers.values():
            server.stop()
    lines = [
        "| vsmock store operation | 100 stores: req/s (p50) | 10,000 stores: req/s (p50) | ratio |",
        "|---|---|---|---|",
    ]
    for name in cases[sizes[0]]:
        small = median_result(measured[(name, sizes[0])])
        large = median_result(measured[(name, sizes[1])])
        lines.append(
            f"| {name} | {fmt_rps(small.rps)} ({small.p50_ms:.2f} ms) | "
            f"{fmt_rps(large.rps)} ({large.p50_ms:.2f} ms) | {large.rps / small.rps:.2f} |"
        )
    lines += [
        "",
        "| vsmock server memory (RSS) | 100 stores | 10,000 stores | ratio |",
        "|---|---|---|---|",
    ]
    small_mb, large_mb = memory[sizes[0]], memory[sizes[1]]  # start, filled, warm, end
    per_store = [
        (m[1] - m[0]) * 1024 / count for m, count in zip((small_mb, large_mb), sizes, strict=True)
    ]
    for label, i in (
        ("at start", 0),
        ("stores filled", 1),
        ("after the warm-up round (its request journal full)", 2),
    ):
        lines.append(
            f"| {label} | {small_mb[i]:.1f} MB | {large_mb[i]:.1f} MB | "
            f"{large_mb[i] / small_mb[i]:.2f} |"
        )
    lines += [
        f"| filling, per store | {per_store[0]:.1f} KB | {per_store[1]:.1f} KB | |",
        f"| growth over the measured rounds | {small_mb[3] - small_mb[2]:+.1f} MB | "
        f"{large_mb[3] - large_mb[2]:+.1f} MB | |",
    ]
    return lines


def rss_mb(server: Server) -> float:
    """The resident memory of a running server's process, in MB (Linux's /proc)."""
    assert server.process is not None
    try:
        status = Path(f"/proc/{server.process.pid}/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def python_create_delete(port: int, seconds: float, connections: int) -> Result:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run() -> None:
        mine = []
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            status, body = request(port, "POST", "/v1/vector_stores", {"name": "bench"})
            mine.append(time.perf_counter() - t)
            t = time.perf_counter()
            request(port, "DELETE", f"/v1/vector_stores/{json.loads(body)['id']}")
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    return _threaded(lambda _: run(), connections, latencies, seconds)


@contextlib.contextmanager
def _pool(n: int) -> Iterator[Callable[[Callable[[], Any]], None]]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(n) as executor:
        futures = []
        yield lambda fn: futures.append(executor.submit(fn))
        for future in futures:
            future.result()


def start_table(
    names: list[str],
    pairs: list[tuple[str, str]],
    makers: dict[str, Callable[[], Server]],
    times: int,
) -> str:
    """Seconds from start to the first 200, per server (median of ``times`` starts), as a
    table with the same columns and ratios as the throughput table. A server that cannot be
    timed (no maker, or it failed to start) reads "n/a" and the others are still timed."""
    starts: dict[str, float | None] = {}
    for name in names:
        maker = makers.get(name)
        try:
            starts[name] = startup_times(maker, times) if maker is not None else None
        except Exception as error:  # noqa: BLE001 - reported in its cell, the rest go on
            print(f"start-up of {name} not timed: {error}", file=sys.stderr)
            starts[name] = None

    def ratio(a: str, b: str) -> str:
        x, y = starts[a], starts[b]
        return "n/a" if x is None or y is None or y == 0 else f"{x / y:.2f}"

    header = "| | " + " | ".join(names) + "".join(f" | {a} ÷ {b}" for a, b in pairs) + " |"
    cells = ["n/a" if starts[n] is None else f"{starts[n]:.2f} s" for n in names]
    row = (
        f"| first 200 after start (median of {times}) | "
        + " | ".join(cells + [ratio(a, b) for a, b in pairs])
        + " |"
    )
    return "\n".join([header, "|---" * (len(names) + 1 + len(pairs)) + "|", row])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3, help="seconds per warm-up run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--no-prism", action="store_true", help="leave Prism out")
    parser.add_argument("--no-steady", action="store_true", help="leave Steady out")
    parser.add_argument("--no-stateless", action="store_true", help="leave --stateless out")
    parser.add_argument(
        "--mock-spec",
        type=Path,
        default=OFFICIAL_SPEC if OFFICIAL_SPEC.exists() else SPEC,
        help="the OpenAPI document Steady and Prism mock (default: the official subset "
        "if present, else openapi.yaml)",
    )
    parser.add_argument(
        "--no-install", action="store_true", help="do not npm-install Prism or Steady"
    )
    parser.add_argument("--starts", type=int, default=5, help="starts timed per server")
    parser.add_argument("--skip-store-ops", action="store_true")
    parser.add_argument("--baseline", metavar="REV", help="also measure vsmock at git REV")
    parser.add_argument("--serve-starlette", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--serve-raw-asgi", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_starlette:
        serve_starlette(int(args.serve_starlette[0]), Path(args.serve_starlette[1]))
        return 0
    if args.serve_raw_asgi:
        serve_raw_asgi(int(args.serve_raw_asgi[0]), Path(args.serve_raw_asgi[1]))
        return 0

    use_wrk = shutil.which("wrk") is not None
    prism_version = None if args.no_prism else ensure_prism(not args.no_install)
    steady_version, steady_command = (
        ("left out (--no-steady)", None) if args.no_steady else ensure_steady(not args.no_install)
    )
    mock_spec = args.mock_spec.resolve()
    workdir = Path(tempfile.mkdtemp(prefix="vsmock-bench-"))
    notes = [
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} at the start; Python "
        f"{platform.python_version()}",
        "load: "
        + (
            "wrk -t1 (Lua scripts for the POSTs)"
            if use_wrk
            else "Python load generator (wrk not installed)"
        )
        + f", {args.connections} connections, {args.duration:g} s per measurement, "
        f"median of {args.rounds} interleaved rounds after a {args.warmup:g} s warm-up each",
        "vsmock: request validation ON, response validation ON (the served default); "
        "byte-compiled before the start-up timing, as pip install leaves it",
        f"Steady and Prism mock {mock_spec.name}",
        "Steady: "
        + (
            f"@stdy/cli {steady_version} (its native binary, openai-python's flags, -q); "
            f"'{STEADY_LOGS}': the same without -q, logging each request to a file, as "
            "openai-python's scripts/mock runs it"
            if steady_command
            else f"not measured: {steady_version}"
        ),
        "Prism: " + (f"{prism_version} (`prism mock`)" if prism_version else "not available"),
    ]

    # vsmock first: its answers are what the Starlette and raw-ASGI references serve.
    vsmock = vsmock_server(free_port(), "--api-key", KEY)
    servers = [vsmock]
    stores: dict[str, str] = {}
    bodies_path = workdir / "bodies.json"
    measured: dict[tuple[str, str], list[Result]] = {}
    try:
        vsmock.start()
        vs_port = vsmock.port
        fixture = populate(vs_port, stores=19, search_chunks=10_000)
        store = stores["vsmock"] = fixture["store"]
        notes.append(
            f"search store: {fixture['files']} files x ~{fixture['chunks_per_file']} chunks "
            f"(static chunking, 100 tokens), queries rotated over {len(QUERIES)}"
        )
        recorded = {
            "list": request(vs_port, "GET", "/v1/vector_stores")[1].decode(),
            "list, 1 per page": request(vs_port, "GET", "/v1/vector_stores?limit=1")[1].decode(),
            "create": request(vs_port, "POST", "/v1/vector_stores", {"name": "bench"})[1].decode(),
            "retrieve": request(vs_port, "GET", f"/v1/vector_stores/{store}")[1].decode(),
            "search": request(
                vs_port, "POST", f"/v1/vector_stores/{store}/search", {"query": QUERIES[0]}
            )[1].decode(),
        }
        bodies_path.write_text(json.dumps(recorded))
        if args.baseline:
            baseline = baseline_server(free_port(), args.baseline)
            servers.append(baseline)
            baseline.start()
            populated = populate(baseline.port, stores=19, search_chunks=10_000)
            stores[baseline.name] = populated["store"]
            notes.append(f"baseline: {baseline.name}, populated alike")
        others = [] if args.no_stateless else [stateless_server(free_port())]
        if steady_command:
            others.append(steady_server(free_port(), mock_spec, steady_command))
            log = workdir / "steady.log"
            others.append(steady_server(free_port(), mock_spec, steady_command, log))
        if prism_version:
            others.append(prism_server(free_port(), mock_spec))
        others += [
            starlette_server(free_port(), bodies_path),
            raw_asgi_server(free_port(), bodies_path),
        ]
        for server in others:
            servers.append(server)
            server.start()

        searches = [json.dumps({"query": q}) for q in QUERIES]
        plans: dict[str, tuple[str, str, list[str] | None]] = {
            "list": ("GET", "/vector_stores", None),
            # Steady and Prism answer a list of one generated store, whatever the query: the
            # same work as vsmock's page of one
            "list, 1 per page": ("GET", "/vector_stores?limit=1", None),
            "create": ("POST", "/vector_stores", ['{"name":"bench"}']),
            "retrieve": ("GET", "/vector_stores/{store}", None),
            "search": ("POST", "/vector_stores/{store}/search", searches),
            # Results are remembered until the store changes: here every query is new.
            "search, new query": ("POST", "/vector_stores/{store}/search", NEW_QUERIES),
        }
        scripts = {}
        for name, (method, _, bodies) in plans.items():
            if bodies:
                scripts[name] = workdir / f"{name.replace(', ', '-').replace(' ', '-')}.lua"
                lua_script(scripts[name], method, bodies)
        for round_ in range(args.rounds + 1):  # round 0 warms up (JITs, caches)
            for workload in WORKLOADS:
                method, path, bodies = plans[workload]
                for server in servers:
                    full = server.prefix + path.format(store=stores.get(server.name, store))
                    seconds = args.warmup if round_ == 0 else args.duration
                    if use_wrk:
                        url = f"http://127.0.0.1:{server.port}{full}"
                        result = wrk(url, seconds, args.connections, scripts.get(workload))
                    else:
                        result = python_load(
                            server.port, method, full, bodies, seconds, args.connections
                        )
                    if round_ > 0:
                        measured.setdefault((server.name, workload), []).append(result)
    finally:
        for server in servers:
            server.stop()

    names = [s.name for s in servers]
    # vsmock against every other server; --stateless against the spec mocks (or the limit)
    pairs = [("vsmock", n) for n in names if n not in ("vsmock", STATELESS)]
    if STATELESS in names:
        mocks = [n for n in ("Steady", STEADY_LOGS, "Prism 5") if n in names] or ["raw ASGI"]
        pairs += [(STATELESS, n) for n in mocks]
    header = "| workload | " + " | ".join(f"{n} req/s (p50 / p99 ms)" for n in names)
    header += "".join(f" | {a} ÷ {b}" for a, b in pairs) + " |"
    lines = [header, "|---" * (len(names) + 1 + len(pairs)) + "|"]
    for workload in WORKLOADS:
        results = {n: median_result(measured[(n, workload)]) for n in names}
        cells = [f"{fmt_rps(r.rps)} ({r.p50_ms:.2f} / {r.p99_ms:.2f})" for r in results.values()]
        ratios = [f"{results[a].rps / results[b].rps:.2f}" for a, b in pairs]
        lines.append(f"| {workload} | " + " | ".join(cells + ratios) + " |")

    # Each table is printed as soon as it is measured: a later failure loses nothing.
    print("\n".join(f"- {n}" for n in notes))
    print()
    print("\n".join(lines))
    sys.stdout.flush()

    # As ``pip install`` leaves a package: byte-compiled (PYTHONDONTWRITEBYTECODE, set on
    # some machines, would otherwise make every start compile vsmock's sources again).
    compileall.compile_dir(ROOT / "vsmock", quiet=1)
    makers: dict[str, Callable[[], Server]] = {
        "vsmock": lambda: vsmock_server(free_port()),
        STATELESS: lambda: stateless_server(free_port()),
        "Starlette": lambda: starlette_server(free_port(), bodies_path),
        "raw ASGI": lambda: raw_asgi_server(free_port(), bodies_path),
        "Prism 5": lambda: prism_server(free_port(), mock_spec),
    }
    if steady_command:
        makers["Steady"] = lambda: steady_server(free_port(), mock_spec, steady_command)
        makers[STEADY_LOGS] = lambda: steady_server(
            free_port(), mock_spec, steady_command, workdir / "steady.log"
        )
    if args.baseline:
        makers[servers[1].name] = lambda: baseline_server(free_port(), args.baseline)
    print()
    print(start_table(names, pairs, makers, args.starts))
    sys.stdout.flush()
    if not args.skip_store_ops:
        print()
        ops = store_operations(
            args.duration,
            args.connections,
            use_wrk,
            workdir,
            rounds=args.rounds,
            warmup=args.warmup,
        )
        print("\n".join(ops))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
