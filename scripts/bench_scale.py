#!/usr/bin/env python3
"""Per-operation cost and memory with few and with many stored objects, in one run.

Usage::

    python scripts/bench_scale.py [--sizes 100,10000] [--calls 200] [--runs 5]

For each size N, a fresh interpreter builds vsmock's app (request and response validation
on, as served) and fills it through the API, in-process (no socket, so the figures are the
app's own cost): N Files uploaded as multipart, N vector stores, and one more store holding
all N Files (attached in file batches of 500). Then it times each operation below, the same
request ``--calls`` times, and keeps the fastest of ``--runs`` runs (µs per request):
retrieve, list (pages of 20, the first and one from the middle) and modify of a store;
retrieve and list of Files (also filtered by purpose); retrieve and list of a store's Files;
a search of the big store. It also reports the process's memory (RSS) before filling and
after, per stored object (a File, its vector-store File and chunks, a store).

The table shows each size and the ratio of the largest to the smallest: the goal is that
per-operation cost stays flat (ratios near 1.0). Read them as ratios: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHILD_FLAG = "--child"
BATCH = 500
Call = Callable[..., Coroutine[Any, Any, tuple[int, bytes]]]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def asgi_caller(app: Any) -> Call:
    """``call(method, path, body, content_type, query)`` through the whole app."""

    async def call(
        method: str,
        path: str,
        body: bytes = b"",
        ctype: bytes = b"application/json",
        query: str = "",
    ) -> tuple[int, bytes]:
        headers = [(b"host", b"bench"), (b"authorization", b"Bearer sk-bench")]
        if body:
            headers += [(b"content-type", ctype), (b"content-length", b"%d" % len(body))]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "server": ("127.0.0.1", 80),
            "client": ("127.0.0.1", 1),
        }
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                await asyncio.Event().wait()  # no more: the client waits for the answer
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    return call


def upload(n: int) -> bytes:
    return (
        b'--B\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="doc-%d.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nNote %d: returns are accepted within 30 days.\r\n"
        b"--B--\r\n" % (n, n)
    )


def child(size: int, calls: int, runs: int) -> None:
    """Fill one app with ``size`` objects of each kind, time the operations, print JSON."""
    from vsmock.http.app import create_app

    before = rss_mb()
    app = create_app()
    loop = asyncio.new_event_loop()
    call = asgi_caller(app)
    run = loop.run_until_complete

    def ok(method: str, path: str, body: bytes = b"", **kw: Any) -> Any:
        status, answer = run(call(method, path, body, **kw))
        assert status == 200, (method, path, status, answer[:300])
        return json.loads(answer)

    built = rss_mb()
    multipart = b"multipart/form-data; boundary=B"
    files = [ok("POST", "/v1/files", upload(n), ctype=multipart)["id"] for n in range(size)]
    stores = [
        ok("POST", "/v1/vector_stores", json.dumps({"name": f"store {n}"}).encode())["id"]
        for n in range(size)
    ]
    big = ok("POST", "/v1/vector_stores", b'{"name": "big"}')["id"]
    for start in range(0, size, BATCH):
        body = json.dumps({"file_ids": files[start : start + BATCH]}).encode()
        batch = ok("POST", f"/v1/vector_stores/{big}/file_batches", body)["id"]
        while ok("GET", f"/v1/vector_stores/{big}/file_batches/{batch}")["status"] != "completed":
            time.sleep(0.01)
    filled = rss_mb()
    middle_store, middle_file = stores[size // 2], files[size // 2]
    operations: dict[str, tuple[str, str, str, bytes]] = {
        "retrieve a store": ("GET", f"/v1/vector_stores/{stores[0]}", "", b""),
        "list stores (20)": ("GET", "/v1/vector_stores", "limit=20", b""),
        "list stores (20, from the middle)": (
            "GET",
            "/v1/vector_stores",
            f"limit=20&after={middle_store}",
            b"",
        ),
        "modify a store": ("POST", f"/v1/vector_stores/{stores[0]}", "", b'{"name": "renamed"}'),
        "retrieve a File": ("GET", f"/v1/files/{files[0]}", "", b""),
        "list Files (20)": ("GET", "/v1/files", "limit=20", b""),
        "list Files (20, from the middle)": (
            "GET",
            "/v1/files",
            f"limit=20&after={middle_file}",
            b"",
        ),
        "list Files (20, by purpose)": ("GET", "/v1/files", "limit=20&purpose=assistants", b""),
        "retrieve a store's File": ("GET", f"/v1/vector_stores/{big}/files/{files[0]}", "", b""),
        "list a store's Files (20)": ("GET", f"/v1/vector_stores/{big}/files", "limit=20", b""),
        "search the store": (
            "POST",
            f"/v1/vector_stores/{big}/search",
            "",
            b'{"query": "returns accepted within 30 days"}',
        ),
    }
    timings: dict[str, float] = {}
    for name, request in operations.items():

        async def repeat(times: int, request: tuple[str, str, str, bytes]) -> None:
            method, path, query, body = request
            for _ in range(times):
                status, answer = await call(method, path, body, query=query)
                assert status == 200, (method, path, status, answer[:300])

        run(repeat(max(calls // 4, 1), request))  # warm-up
        best = float("inf")
        for _ in range(runs):
            started = time.perf_counter()
            run(repeat(calls, request))
            best = min(best, (time.perf_counter() - started) / calls)
        timings[name] = best * 1e6
    objects = 3 * size  # a File, its vector-store File (with its chunk), a store
    memory = {
        "RSS before the app (MB)": before,
        "RSS with the app, empty (MB)": built,
        "RSS filled (MB)": filled,
        "per stored object (KB)": (filled - built) * 1024 / objects,
    }
    app.runtime.close()
    print(json.dumps({"size": size, "timings": timings, "memory": memory}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100,10000", help="object counts, comma-separated")
    parser.add_argument("--calls", type=int, default=200, help="requests per timed run")
    parser.add_argument("--runs", type=int, default=5, help="timed runs (the fastest counts)")
    parser.add_argument(CHILD_FLAG, type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        child(args.child, args.calls, args.runs)
        return 0
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes takes whole numbers, comma-separated")
    if len(sizes) < 2 or sizes[0] < 1 or args.calls < 1 or args.runs < 1:
        parser.error("two or more sizes of at least 1, and --calls and --runs of at least 1")
    results = []
    for size in sizes:  # one fresh interpreter each: its memory is its own
        command = [sys.executable, __file__, CHILD_FLAG, str(size)]
        command += ["--calls", str(args.calls), "--runs", str(args.runs)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"size {size} failed:\n{done.stderr}", file=sys.stderr)
            return 1
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    first, last = results[0], results[-1]
    header = " | ".join(f"{r['size']:,} of each" for r in results)
    print(f"| µs per request (in-process) | {header} | {last['size']:,} ÷ {first['size']:,} |")
    print("|---" * (len(results) + 2) + "|")
    for name in first["timings"]:
        cells = " | ".join(f"{r['timings'][name]:.1f}" for r in results)
        ratio = last["timings"][name] / first["timings"][name]
        print(f"| {name} | {cells} | {ratio:.2f} |")
    print()
    print(f"| memory | {header} |")
    print("|---" * (len(results) + 1) + "|")
    for name in first["memory"]:
        print(f"| {name} | " + " | ".join(f"{r['memory'][name]:.1f}" for r in results) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
