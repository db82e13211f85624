#!/usr/bin/env python3
"""Benchmark of ``POST /responses`` with the ``file_search`` tool on a large store.

Usage::

    python scripts/bench_responses.py [--chunks 10000] [--queries 50]

It serves the synthetic corpus of ``scripts/bench_search.py`` (the same deterministic
documents, ingested in-process in a child server) and, over loopback, for the same queries:

* ``POST /vector_stores/{id}/search`` (the search alone, for reference);
* ``POST /responses`` (not streamed): search, answer and storage, wall clock at the client;
* the same through the official SDK (``client.responses.create``);
* ``POST /responses`` with ``"stream": true``: the time to the first
  ``response.output_text.delta`` event, and to the end of the stream.

It prints medians and p90s (milliseconds) from one run; the ratios between the rows are
what to compare between machines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import openai

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_search import make_corpus, served_corpus  # noqa: E402

MODEL = "gpt-4.1-mini"
RESULTS = ["file_search_call.results"]


def _summary(name: str, seconds: Sequence[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    return f"{name:<44} median {statistics.median(ms):8.1f} ms   p90 {p90:8.1f} ms"


def timed(action: Callable[[str], None], queries: Sequence[str]) -> list[float]:
    action(queries[0])  # warm: first-use costs are not what this measures
    out = []
    for query in queries:
        t = time.perf_counter()
        action(query)
        out.append(time.perf_counter() - t)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args(argv)
    corpus = make_corpus(args.chunks, args.queries)
    queries = list(corpus.queries)
    with served_corpus(corpus) as (_, info):
        store = info["store"]
        base = info["url"] + "/v1"
        tools = [{"type": "file_search", "vector_store_ids": [store]}]
        headers = {"Authorization": "Bearer sk-bench"}
        print(f"{info['chunks']} chunks in {info['files']} files; {len(queries)} queries")
        with httpx.Client(base_url=base, headers=headers, timeout=120) as http:

            def search(query: str) -> None:
                http.post(
                    f"/vector_stores/{store}/search", json={"query": query}
                ).raise_for_status()

            def create(query: str) -> None:
                body = {"model": MODEL, "input": query, "tools": tools, "include": RESULTS}
                answer = http.post("/responses", json=body)
                answer.raise_for_status()
                found.append(len(answer.json()["output"][0]["results"]))

            first_delta: list[float] = []
            found: list[int] = []

            def stream(query: str) -> None:
                body = {"model": MODEL, "input": query, "tools": tools, "stream": True}
                t = time.perf_counter()
                seen = False
                with http.stream("POST", "/responses", json=body) as answer:
                    answer.raise_for_status()
                    for line in answer.iter_lines():
                        if not seen and line == "event: response.output_text.delta":
                            first_delta.append(time.perf_counter() - t)
                            seen = True

            client = openai.OpenAI(base_url=base, api_key="sk-bench", max_retries=0)

            def sdk(query: str) -> None:
                client.responses.create(model=MODEL, input=query, tools=tools)  # type: ignore[arg-type]

            rows = [
                ("search (POST /vector_stores/{id}/search)", timed(search, queries)),
                ("responses.create, file_search (httpx)", timed(create, queries)),
                ("responses.create, file_search (the SDK)", timed(sdk, queries)),
            ]
            whole = timed(stream, queries)
            rows.append(("stream: first output_text.delta", first_delta[1:]))
            rows.append(("stream: whole stream", whole))
        print(f"results per response: median {statistics.median(found)} (max_num_results 10)")
        for name, values in rows:
            print(_summary(name, values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
