#!/usr/bin/env python3
"""Benchmark of vector-store search: the engine (``vsmock.search``) and a real server (HTTP).

Usage::

    /tmp/venv/bin/python scripts/bench_search.py [--sizes 1000,10000,100000] [--queries 200]
                                                 [--backends engine,http]

For every size (number of chunks) it builds a synthetic, deterministic corpus (a Zipf
distributed vocabulary of ~30k pseudo-words generated with ``random.Random(0)``, ~100 words
per chunk, 10 chunks per document) and prints one table with a column per backend.

``engine`` (the in-process ``SearchIndex``):

* build: adding the documents one by one to an empty ``SearchIndex``;
* first search: the first search after the build (seals pending chunks, computes norms);
* search p50 / p99: 200 queries of 2-5 words taken from random chunks, limit 10 (wall
  clock), and the mean CPU time per query (less sensitive to a busy machine);
* first search after +1 doc: add one more 10-chunk document, then search (median of 5);
* +1000 small docs: adding 1,000 one-chunk documents one by one, with no search between;
* memory: the index's numpy arrays, and the process's peak RSS so far.

``http`` (a ``vsmock`` server in a child process, searched over loopback; see ``measure_http``):

* ingest: the documents stored as files and attached with file batches, in-process through
  the server's backend (extraction, chunking, storage and indexing; no HTTP framing);
* search p50 / p99 / first search: ``POST /v1/vector_stores/{id}/search`` (default
  ``max_num_results``), wall clock at the client; CPU: the server process's CPU per query;
  also with ranker ``none`` and with a filter that every file passes, interleaved;
* first search after +1 doc: upload + attach one more file through HTTP, then search;
* 1,000 small files through HTTP: upload + attach one by one, and upload + one batch;
* memory: the server process's peak RSS (``VmHWM``).

It ends with the relevance figures of ``fixtures/relevance`` (precision@1 and MRR).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client as http_client
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tests"):  # the relevance set's loader lives with the tests
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from relevance import evaluate, load_relevance_set  # noqa: E402

from vsmock.search.index import SearchIndex  # noqa: E402

VOCABULARY_SIZE = 30_000
ZIPF_EXPONENT = 1.07
WORDS_PER_CHUNK = 100
CHUNKS_PER_DOC = 10
SMALL_DOCS = 1_000
AFTER_ADD_REPEATS = 5
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


# --------------------------------------------------------------------------- corpus


@dataclass
class Corpus:
    docs: list[tuple[str, list[str]]]  # (doc id, chunks)
    queries: list[str]
    extra_doc: Callable[[int], list[str]]  # i -> chunks of the i-th extra 10-chunk document
    small_doc: Callable[[int], list[str]]  # i -> chunks of the i-th extra one-chunk document

    @property
    def n_chunks(self) -> int:
        return sum(len(chunks) for _, chunks in self.docs)


def make_vocabulary(rng: random.Random, size: int = VOCABULARY_SIZE) -> list[str]:
    """``size`` distinct pronounceable pseudo-words, shorter ones first (frequent = short)."""
    words: dict[str, None] = {}
    while len(words) < size:
        n = min(1 + len(words) * 4 // size + rng.randint(0, 1), 4)
        words.setdefault("".join(rng.choice(SYLLABLES) for _ in range(n)), None)
    return list(words)


def make_corpus(n_chunks: int, n_queries: int = 200, seed: int = 0) -> Corpus:
    rng = random.Random(seed)
    words = np.array(make_vocabulary(rng), dtype=object)
    ranks = np.arange(1, words.size + 1, dtype=np.float64)
    p = ranks**-ZIPF_EXPONENT
    p /= p.sum()
    gen = np.random.default_rng(rng.getrandbits(64))

    def chunk_texts(count: int, length: int = WORDS_PER_CHUNK) -> list[str]:
        lens = gen.integers(length * 8 // 10, length * 12 // 10 + 1, size=count)
        idx = gen.choice(words.size, size=int(lens.sum()), p=p)
        out = []
        pos = 0
        for n in lens.tolist():
            out.append(" ".join(words[idx[pos : pos + n]].tolist()) + ".")
            pos += n
        return out

    texts = chunk_texts(n_chunks)
    docs = [
        (f"file-{i:07d}", texts[s : s + CHUNKS_PER_DOC])
        for i, s in enumerate(range(0, n_chunks, CHUNKS_PER_DOC))
    ]
    queries = []
    for _ in range(n_queries):
        source = texts[rng.randrange(len(texts))].rstrip(".").split()
        queries.append(" ".join(rng.sample(source, rng.randint(2, 5))))

    def extra_doc(i: int) -> list[str]:
        return chunk_texts(CHUNKS_PER_DOC)

    def small_doc(i: int) -> list[str]:
        return chunk_texts(1, 30)

    return Corpus(docs, queries, extra_doc, small_doc)


# --------------------------------------------------------------------------- measuring


@dataclass
class Measurements:
    """One column of a table. ``None`` = not measured by this backend."""

    build_s: float | None = None
    first_search_ms: float | None = None
    search_p50_ms: float | None = None
    search_p99_ms: float | None = None
    search_cpu_ms: float | None = None
    search_none_p50_ms: float | None = None
    search_filter_p50_ms: float | None = None
    after_add_ms: float | None = None
    after_add_max_ms: float | None = None
    small_docs_s: float | None = None
    small_docs_batch_s: float | None = None
    index_mb: float | None = None
    peak_rss_mb: float | None = None
    notes: list[str] = field(default_factory=list)


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure_engine(corpus: Corpus) -> Measurements:
    """The ``engine`` column: the in-process ``SearchIndex``."""
    m = Measurements()
    index = SearchIndex()
    t0 = time.perf_counter()
    for order, (doc_id, chunks) in enumerate(corpus.docs):
        index.add(doc_id, chunks, order)
    m.build_s = time.perf_counter() - t0
    order = len(corpus.docs)

    def search(q: str, ranker: str = "auto") -> float:
        t = time.perf_counter()
        index.search([q], allowed=None, limit=10, ranker=ranker)
        return time.perf_counter() - t

    m.first_search_ms = _ms(search(corpus.queries[0]))
    for q in corpus.queries[:20]:  # warm-up
        search(q)
    cpu = time.process_time()
    times = [search(q) for q in corpus.queries]
    m.search_cpu_ms = _ms((time.process_time() - cpu) / len(corpus.queries))
    m.search_p50_ms = _ms(statistics.median(times))
    m.search_p99_ms = _ms(_percentile(times, 0.99))
    m.search_none_p50_ms = _ms(statistics.median([search(q, "none") for q in corpus.queries]))

    after = []
    for i in range(AFTER_ADD_REPEATS):
        index.add(f"extra-{i}", corpus.extra_doc(i), order)
        order += 1
        after.append(search(corpus.queries[i + 1]))
    m.after_add_ms = _ms(statistics.median(after))
    m.after_add_max_ms = _ms(max(after))

    smalls = [corpus.small_doc(i) for i in range(SMALL_DOCS)]
    t0 = time.perf_counter()
    for i, chunks in enumerate(smalls):
        index.add(f"small-{i}", chunks, order)
        order += 1
    m.small_docs_s = time.perf_counter() - t0

    search(corpus.queries[0])
    stats = index.stats()
    m.index_mb = stats.nbytes / 2**20
    m.peak_rss_mb = _peak_rss_mb()
    m.notes.append(
        f"{stats.chunks} chunks, {stats.segments} segments, {stats.postings} postings, "
        f"{stats.terms} terms"
    )
    return m


# ============================================================================ HTTP
# The ``http`` column: the same corpus served by a real vsmock server and searched over
# loopback HTTP by this process.
#
# The server runs in a child process (this script with ``--serve-child N``), so that its
# peak memory and CPU time are its own and the client does not share its GIL. The child
# regenerates the (deterministic) corpus, creates the app exactly as ``vsmock serve`` does
# (``create_app()`` with default settings: in-memory state, responses validated), and
# ingests the corpus IN-PROCESS through the runtime's backend -- ``create_file`` for each
# document, then ``create_vector_store_file_batch`` with up to 2,000 file ids per batch and
# static chunking sized so that a document gives about ``CHUNKS_PER_DOC`` chunks -- i.e.
# the real extraction, chunking, storage and indexing, without the HTTP framing. It then
# serves the app on loopback (``ThreadedServer``) and prints one JSON line. Everything
# after that goes through HTTP: searches, the extra files, the 1,000 small files.

SERVE_CHILD_FLAG = "--serve-child"
# The synthetic files have no attributes, so this filter matches every file (a missing key
# matches ``ne``): the worst case for the attribute pass that runs before ranking.
EVERY_FILE = {"type": "ne", "key": "region", "value": "nowhere"}
BATCH_MAX_FILES = 2_000
TOKEN_SAMPLE_DOCS = 200


def doc_text(chunks: Sequence[str]) -> str:
    return "\n\n".join(chunks)


def chunk_tokens(corpus: Corpus) -> int:
    """A static chunk size giving about ``CHUNKS_PER_DOC`` chunks per synthetic document."""
    from vsmock.ingest.chunking import MIN_CHUNK_TOKENS
    from vsmock.ingest.tokens import count_tokens

    sample = corpus.docs[:TOKEN_SAMPLE_DOCS]
    per_doc = statistics.mean(count_tokens(doc_text(chunks)) for _, chunks in sample)
    return max(MIN_CHUNK_TOKENS, round(per_doc / CHUNKS_PER_DOC))


def static_chunking(max_tokens: int) -> dict[str, object]:
    return {
        "type": "static",
        "static": {"max_chunk_size_tokens": max_tokens, "chunk_overlap_tokens": 0},
    }


def _proc_status_mb(pid: int | str, field_name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024.0  # kB
    raise KeyError(field_name)


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_child(n_chunks: int, n_queries: int) -> int:
    """Child mode: ingest the corpus in-process, serve it, report, wait for stdin to close."""
    import io

    from vsmock.http.app import create_app
    from vsmock.http.uvicorn_adapter import ThreadedServer

    corpus = make_corpus(n_chunks, n_queries)
    max_tokens = chunk_tokens(corpus)
    rss_before = _proc_status_mb("self", "VmRSS")
    app = create_app()
    backend = app.runtime.backend
    t0 = time.perf_counter()
    file_ids = [
        backend.create_file(
            content=io.BytesIO(doc_text(chunks).encode()),
            filename=f"{doc_id}.txt",
            purpose="assistants",
        )["id"]
        for doc_id, chunks in corpus.docs
    ]
    upload_s = time.perf_counter() - t0
    store = backend.create_vector_store(body={"name": f"bench-{n_chunks}"})
    for i in range(0, len(file_ids), BATCH_MAX_FILES):
        backend.create_vector_store_file_batch(
            vector_store_id=store["id"],
            body={
                "file_ids": file_ids[i : i + BATCH_MAX_FILES],
                "chunking_strategy": static_chunking(max_tokens),
            },
        )
    ingest_s = time.perf_counter() - t0
    counts = backend.get_vector_store(vector_store_id=store["id"])["file_counts"]
    chunks = sum(len(backend.blobs.read_chunks(store["id"], file_id)) for file_id in file_ids)
    del corpus
    server = ThreadedServer(app).start()
    report = {
        "url": server.url,
        "store": store["id"],
        "files": counts["completed"],
        "failed": counts["failed"],
        "chunks": chunks,
        "max_tokens": max_tokens,
        "upload_s": upload_s,
        "ingest_s": ingest_s,
        "rss_before_mb": rss_before,
    }
    print(json.dumps(report), flush=True)
    sys.stdin.read()  # the parent closes our stdin when it is done
    server.stop()
    return 0


@contextlib.contextmanager
def served_corpus(corpus: Corpus) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    child = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            SERVE_CHILD_FLAG,
            str(corpus.n_chunks),
            "--queries",
            str(len(corpus.queries)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError(f"the server child exited ({child.wait()}) before it was ready")
        yield child, json.loads(line)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def measure_http(corpus: Corpus) -> Measurements | None:
    """The ``http`` column: a real server over loopback (see the comment above)."""
    import httpx

    m = Measurements()
    with served_corpus(corpus) as (child, info):
        m.build_s = info["ingest_s"]
        m.notes.append(
            f"{info['chunks']} chunks in {info['files']} files ({info['failed']} failed), "
            f"static chunking {info['max_tokens']}/0 tokens; ingested in-process through the "
            f"backend: uploads {info['upload_s']:.2f} s, batches "
            f"{info['ingest_s'] - info['upload_s']:.2f} s"
        )
        store = info["store"]
        chunking = static_chunking(info["max_tokens"])
        with httpx.Client(
            base_url=info["url"] + "/v1",
            headers={"Authorization": "Bearer sk-bench"},
            timeout=120,
        ) as http:
            # Searches go through a lean keep-alive client (the standard library's), so that
            # the timings are the server's and the loopback's rather than the client's; the
            # SDK's own httpx client adds its overhead on top (measured in the notes).
            lean = http_client.HTTPConnection(urlsplit(info["url"]).netloc, timeout=120)
            search_path = f"/v1/vector_stores/{store}/search"
            search_headers = {
                "Authorization": "Bearer sk-bench",
                "Content-Type": "application/json",
            }

            def search(q: str, ranker: str = "auto", filters: Any = None) -> float:
                body: dict[str, Any] = {"query": q, "ranking_options": {"ranker": ranker}}
                if filters is not None:
                    body["filters"] = filters
                data = json.dumps(body)
                t = time.perf_counter()
                try:
                    lean.request("POST", search_path, data, search_headers)
                    response = lean.getresponse()
                except (ConnectionError, http_client.RemoteDisconnected):
                    lean.close()  # the server closed the idle keep-alive connection
                    t = time.perf_counter()
                    lean.request("POST", search_path, data, search_headers)
                    response = lean.getresponse()
                payload = response.read()
                elapsed = time.perf_counter() - t
                if response.status != 200:
                    raise RuntimeError(f"search failed: {response.status} {payload[:500]!r}")
                return elapsed

            def search_httpx(q: str) -> float:
                t = time.perf_counter()
                response = http.post(search_path.removeprefix("/v1"), json={"query": q})
                elapsed = time.perf_counter() - t
                response.raise_for_status()
                return elapsed

            def upload(name: str, text: str) -> str:
                response = http.post(
                    "/files",
                    files={"file": (name, text.encode(), "text/plain")},
                    data={"purpose": "assistants"},
                )
                response.raise_for_status()
                return str(response.json()["id"])

            def attach(file_id: str) -> None:
                response = http.post(
                    f"/vector_stores/{store}/files",
                    json={"file_id": file_id, "chunking_strategy": chunking},
                )
                response.raise_for_status()
                if response.json()["status"] != "completed":
                    raise RuntimeError(f"attach did not complete: {response.text}")

            m.first_search_ms = _ms(search(corpus.queries[0]))
            for q in corpus.queries[:20]:  # warm-up
                search(q)
            cpu, client_cpu = _proc_cpu_s(child.pid), time.process_time()
            times = [search(q) for q in corpus.queries]
            m.search_cpu_ms = _ms((_proc_cpu_s(child.pid) - cpu) / len(corpus.queries))
            client_ms = _ms((time.process_time() - client_cpu) / len(corpus.queries))
            m.search_p50_ms = _ms(statistics.median(times))
            m.search_p99_ms = _ms(_percentile(times, 0.99))
            # the variants, interleaved with auto again so that all see the same machine load
            again, plain, filtered, with_httpx = [], [], [], []
            for q in corpus.queries:
                again.append(search(q))
                plain.append(search(q, "none"))
                filtered.append(search(q, filters=EVERY_FILE))
                with_httpx.append(search_httpx(q))
            m.search_none_p50_ms = _ms(statistics.median(plain))
            m.search_filter_p50_ms = _ms(statistics.median(filtered))
            m.notes.append(
                f"search (lean client, CPU {client_ms:.2f} ms per request); interleaved p50s: "
                f"auto {_ms(statistics.median(again)):.2f} ms, none "
                f"{m.search_none_p50_ms:.2f} ms, auto + filter {m.search_filter_p50_ms:.2f} ms, "
                f"auto through httpx {_ms(statistics.median(with_httpx)):.2f} ms"
            )

            after = []
            for i in range(AFTER_ADD_REPEATS):
                attach(upload(f"extra-{i}.txt", doc_text(corpus.extra_doc(i))))
                after.append(search(corpus.queries[i + 1]))
            m.after_add_ms = _ms(statistics.median(after))
            m.after_add_max_ms = _ms(max(after))

            smalls = [doc_text(corpus.small_doc(i)) for i in range(2 * SMALL_DOCS)]
            t0, cpu = time.perf_counter(), _proc_cpu_s(child.pid)
            for i, text in enumerate(smalls[:SMALL_DOCS]):
                attach(upload(f"small-{i}.txt", text))
            m.small_docs_s = time.perf_counter() - t0
            attach_cpu = _proc_cpu_s(child.pid) - cpu

            t0, cpu = time.perf_counter(), _proc_cpu_s(child.pid)
            ids = [
                upload(f"small-{SMALL_DOCS + i}.txt", text)
                for i, text in enumerate(smalls[SMALL_DOCS:])
            ]
            uploaded = time.perf_counter() - t0
            response = http.post(f"/vector_stores/{store}/file_batches", json={"file_ids": ids})
            response.raise_for_status()
            batch = response.json()
            if batch["file_counts"]["completed"] != SMALL_DOCS:
                raise RuntimeError(f"batch did not complete: {response.text}")
            m.small_docs_batch_s = time.perf_counter() - t0
            batch_cpu = _proc_cpu_s(child.pid) - cpu
            m.notes.append(
                f"{SMALL_DOCS} small files, server CPU: upload + attach {attach_cpu:.2f} s, "
                f"upload + one batch {batch_cpu:.2f} s (uploads {uploaded:.2f} s wall, "
                f"batch request {m.small_docs_batch_s - uploaded:.2f} s wall)"
            )
            search(corpus.queries[0])
            lean.close()
        m.peak_rss_mb = _proc_status_mb(child.pid, "VmHWM")
        m.notes.append(
            f"server process RSS {info['rss_before_mb']:.0f} MB before ingesting (corpus "
            f"generated), {_proc_status_mb(child.pid, 'VmRSS'):.0f} MB at the end"
        )
    return m


# ============================================================================


BACKENDS: dict[str, Callable[[Corpus], Measurements | None]] = {
    "engine": measure_engine,
    "http": measure_http,
}

ROWS: list[tuple[str, str, str]] = [
    ("build: index (engine), ingest (http)", "build_s", "{:.2f} s"),
    ("first search after build", "first_search_ms", "{:.1f} ms"),
    ("search p50 (ranker auto)", "search_p50_ms", "{:.2f} ms"),
    ("search p99 (ranker auto)", "search_p99_ms", "{:.2f} ms"),
    ("search CPU per query (http: server)", "search_cpu_ms", "{:.2f} ms"),
    ("search p50 (ranker none)", "search_none_p50_ms", "{:.2f} ms"),
    ("search p50 (auto, filter matching all)", "search_filter_p50_ms", "{:.2f} ms"),
    ("first search after +1 doc (median)", "after_add_ms", "{:.1f} ms"),
    ("first search after +1 doc (max)", "after_add_max_ms", "{:.1f} ms"),
    (f"{SMALL_DOCS} small docs one by one (http: upload+attach)", "small_docs_s", "{:.3f} s"),
    (f"{SMALL_DOCS} small files: upload + one batch (http)", "small_docs_batch_s", "{:.3f} s"),
    ("index arrays", "index_mb", "{:.1f} MB"),
    ("peak RSS (http: server process)", "peak_rss_mb", "{:.0f} MB"),
]


def print_table(title: str, columns: dict[str, Measurements]) -> None:
    names = list(columns)
    width = max(len(r[0]) for r in ROWS) + 2
    print(f"\n## {title}")
    print("| metric".ljust(width + 2) + "".join(f"| {n:>12} " for n in names) + "|")
    print("|" + "-" * (width + 1) + "".join("|" + "-" * 14 for _ in names) + "|")
    for label, attr, fmt in ROWS:
        cells = []
        for n in names:
            value = getattr(columns[n], attr)
            cells.append("-" if value is None else fmt.format(value))
        print(f"| {label}".ljust(width + 2) + "".join(f"| {c:>12} " for c in cells) + "|")
    for n in names:
        for note in columns[n].notes:
            print(f"  {n}: {note}")


def run_size(n_chunks: int, n_queries: int, backends: Sequence[str]) -> None:
    t0 = time.perf_counter()
    corpus = make_corpus(n_chunks, n_queries)
    gen_s = time.perf_counter() - t0
    columns = {}
    for name in backends:
        result = BACKENDS[name](corpus)
        if result is not None:
            columns[name] = result
    print_table(f"{corpus.n_chunks:,} chunks (corpus generated in {gen_s:.1f} s)", columns)


def run_relevance() -> None:
    docs, cases = load_relevance_set()
    print(f"\n## relevance ({len(docs)} documents, {len(cases)} queries, paragraph chunks)")
    print("| ranker | rewrite_query | precision@1 | MRR |")
    print("|---|---|---|---|")
    for ranker in ("auto", "none"):
        for rewrite in (False, True):
            r = evaluate(docs, cases, ranker=ranker, rewrite=rewrite)
            print(f"| {ranker} | {rewrite} | {r.precision_at_1:.3f} | {r.mrr:.3f} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="chunk counts, comma-separated"
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help=f"columns to measure, comma-separated (default: {','.join(BACKENDS)})",
    )
    parser.add_argument(SERVE_CHILD_FLAG, type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_child is not None:
        return serve_child(args.serve_child, args.queries)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = sorted(set(backends) - set(BACKENDS))
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(unknown)}")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    for n in sizes:
        run_size(n, args.queries, backends)
    run_relevance()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
