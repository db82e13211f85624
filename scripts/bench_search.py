#!/usr/bin/env python3
"""Benchmark of the vector-store search engine (``vsmock.search``).

Usage::

    /tmp/venv/bin/python scripts/bench_search.py [--sizes 1000,10000,100000] [--queries 200]

For every size (number of chunks) it builds a synthetic, deterministic corpus (a Zipf
distributed vocabulary of ~30k pseudo-words generated with ``random.Random(0)``, ~100 words
per chunk, 10 chunks per document) and prints one table:

* build: adding the documents one by one to an empty ``SearchIndex``;
* first search: the first search after the build (seals pending chunks, computes norms);
* search p50 / p99: 200 queries of 2-5 words taken from random chunks, limit 10;
* first search after +1 doc: add one more 10-chunk document, then search (median of 5);
* +1000 small docs: adding 1,000 one-chunk documents one by one, with no search between;
* memory: the index's numpy arrays, and the process's peak RSS so far.

followed by the relevance figures of ``fixtures/relevance`` (precision@1 and MRR).

Columns: each table has one column per *backend*. Only the ``engine`` column (the in-process
``SearchIndex``) is implemented; see ``measure_http`` for the hook where an ``http`` column
(searching through the running server) plugs in.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vsmock.search.index import SearchIndex  # noqa: E402
from vsmock.search.relevance import evaluate, load_relevance_set  # noqa: E402

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
    search_none_p50_ms: float | None = None
    after_add_ms: float | None = None
    after_add_max_ms: float | None = None
    small_docs_s: float | None = None
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
    times = [search(q) for q in corpus.queries]
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


# ============================================================================ HTTP HOOK
# To add an "http" column (searching through the running server), implement this function:
# start (or connect to) the server, create a vector store, upload ``corpus.docs`` as files,
# then fill the same fields of ``Measurements`` as ``measure_engine`` (timings of
# POST /v1/vector_stores/{id}/search, etc.). Leave fields it cannot measure as None; the
# table prints them as "-". Then register it in ``BACKENDS`` below (it is already listed
# and skipped while this returns None).
def measure_http(corpus: Corpus) -> Measurements | None:
    return None  # HOOK: not implemented


# ============================================================================


BACKENDS: dict[str, Callable[[Corpus], Measurements | None]] = {
    "engine": measure_engine,
    "http": measure_http,
}

ROWS: list[tuple[str, str, str]] = [
    ("index build (add docs one by one)", "build_s", "{:.2f} s"),
    ("first search after build", "first_search_ms", "{:.1f} ms"),
    ("search p50 (ranker auto)", "search_p50_ms", "{:.2f} ms"),
    ("search p99 (ranker auto)", "search_p99_ms", "{:.2f} ms"),
    ("search p50 (ranker none)", "search_none_p50_ms", "{:.2f} ms"),
    ("first search after +1 doc (median)", "after_add_ms", "{:.1f} ms"),
    ("first search after +1 doc (max)", "after_add_max_ms", "{:.1f} ms"),
    (f"add {SMALL_DOCS} small docs one by one", "small_docs_s", "{:.3f} s"),
    ("index arrays", "index_mb", "{:.1f} MB"),
    ("peak RSS (process)", "peak_rss_mb", "{:.0f} MB"),
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


def run_size(n_chunks: int, n_queries: int) -> None:
    t0 = time.perf_counter()
    corpus = make_corpus(n_chunks, n_queries)
    gen_s = time.perf_counter() - t0
    columns = {}
    for name, measure in BACKENDS.items():
        result = measure(corpus)
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
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    for n in sizes:
        run_size(n, args.queries)
    run_relevance()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
