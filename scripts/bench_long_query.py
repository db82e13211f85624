#!/usr/bin/env python3
"""Benchmark of long queries (and of ingesting one big file) on the search engine, in process.

Usage::

    python scripts/bench_long_query.py [--mb 20] [--document words|faq|prose]
                                       [--words 10,1000,4000,15000] [--repeat 3]

It generates a deterministic, English-like document of about ``--mb`` megabytes, in memory
(never written to disk), from the words of ``fixtures/documents/*/*.md``, inflected variants
of them and pseudo-words made of syllables:

* ``words`` (the default): 5,000 of those words drawn uniformly, in lines of 12; every chunk
  is statistically like every other, so cosines are close and the phrase re-ranker has the
  most rows to look at (the worst case);
* ``faq``: the sentences of ``fixtures/documents/support-faq`` shuffled into paragraphs,
  one word in twenty replaced by another;
* ``prose``: Zipf-distributed words in sentences and paragraphs.

Then it:

* ingests it as one file through ``vsmock.ingest.outcome.ingest`` (extraction and
  ``auto`` chunking: 800 tokens, 400 of overlap), indexes the chunks with
  ``SearchIndex.add`` and runs one search (sealing, norms, counts); it prints the time of
  each step and the process's memory: the RSS before ingesting (the libraries and the
  document) and the peak RSS (``VmHWM``) after;
* times searches (limit 10) with queries of ``--words`` words, with ranker ``auto`` and
  ``none``, of two kinds: ``passage`` (consecutive words of the document from a random
  position: a few chunks match far better than the rest) and ``scattered`` (each word from
  its own random position: every chunk matches about as well); it prints the median over
  ``--repeat`` different queries (never the same one twice, so the index's memo of recent
  searches never answers), in milliseconds, and the ratio auto / none.
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import resource
import statistics
import sys
import time
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vsmock.ingest.outcome import ingest  # noqa: E402
from vsmock.search.index import SearchIndex  # noqa: E402

FAQ_VARIATION = 0.05  # share of the FAQ's words replaced by another word
UNIFORM_WORDS = 5000  # size of the word list of the ``words`` document
SUFFIXES = ("", "", "", "s", "ed", "ing", "er", "ly", "ment", "ness")
SYLLABLES = [c + v for c in "bcdfghklmnprstvwz" for v in "aeiou"]


def vocabulary(rng: random.Random) -> list[str]:
    """English words of the fixtures, inflected variants, and pseudo-words (shuffled)."""
    base: set[str] = set()
    for path in sorted((ROOT / "fixtures" / "documents").glob("*/*.md")):
        base.update(w.lower() for w in re.findall(r"[A-Za-z]{2,}", path.read_text("utf-8")))
    words = sorted({w + s for w in base for s in SUFFIXES})
    words += sorted(
        {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(30_000)}
    )
    rng.shuffle(words)
    return words


def make_document(size: int, seed: int = 0) -> bytes:
    """About ``size`` bytes of English-like prose (deterministic for a seed)."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    cum_weights = list(accumulate(1.0 / (rank + 1) ** 1.07 for rank in range(len(words))))
    parts: list[bytes] = []
    total = 0
    while total < size:
        sentences = []
        for _ in range(rng.randint(3, 7)):
            sentence = rng.choices(words, cum_weights=cum_weights, k=rng.randint(6, 24))
            sentence[0] = sentence[0].capitalize()
            if len(sentence) > 10:
                sentence[len(sentence) // 2] += ","
            sentences.append(" ".join(sentence) + rng.choice(".....?!"))
        block = (" ".join(sentences) + "\n\n").encode("utf-8")
        parts.append(block)
        total += len(block)
    return b"".join(parts)[:size]


def make_faq_document(size: int, seed: int = 0) -> bytes:
    """About ``size`` bytes made of the sentences of ``fixtures/documents/support-faq``,
    shuffled into paragraphs, with about one word in twenty replaced by another word of the
    vocabulary: a very repetitive document whose chunks all look alike."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    sentences: list[list[str]] = []
    for path in sorted((ROOT / "fixtures" / "documents" / "support-faq").glob("*.md")):
        flat = " ".join(
            line for line in path.read_text("utf-8").splitlines() if not line.startswith("#")
        )
        sentences += [s.split() for s in re.split(r"(?<=[.!?])\s+", flat) if s.strip()]
    parts: list[bytes] = []
    total = 0
    while total < size:
        paragraph = []
        for sentence in rng.choices(sentences, k=rng.randint(3, 7)):
            varied = [rng.choice(words) if rng.random() < FAQ_VARIATION else w for w in sentence]
            paragraph.append(" ".join(varied))
        block = (" ".join(paragraph) + "\n\n").encode("utf-8")
        parts.append(block)
        total += len(block)
    return b"".join(parts)[:size]


def make_words_document(size: int, seed: int = 0) -> bytes:
    """About ``size`` bytes of words drawn uniformly from the first ``UNIFORM_WORDS`` words of
    the vocabulary, in lines of 12: statistically, every chunk is like every other."""
    rng = random.Random(seed)
    words = vocabulary(rng)[:UNIFORM_WORDS]
    parts: list[bytes] = []
    total = 0
    while total < size:
        block = "\n".join(" ".join(rng.choices(words, k=12)) for _ in range(100)) + "\n"
        parts.append(block.encode("utf-8"))
        total += len(parts[-1])
    return b"".join(parts)[:size]


DOCUMENTS = {"prose": make_document, "faq": make_faq_document, "words": make_words_document}


def memory() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB."""
    fields: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    peak = fields.get("VmHWM", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return fields.get("VmRSS", float("nan")), peak


def passage(text: str, n_words: int, rng: random.Random) -> str:
    """``n_words`` consecutive words of ``text`` from a random position."""
    start = rng.randrange(0, max(len(text) - 12 * n_words, 1))
    words = text[start : start + 16 * n_words + 64].split()[1 : n_words + 1]
    if len(words) < n_words:  # pragma: no cover - the document is long enough
        raise ValueError("document too short for the query")
    return " ".join(words)


def scattered(text: str, n_words: int, rng: random.Random) -> str:
    """``n_words`` words of ``text``, each taken at its own random position."""
    words = []
    while len(words) < n_words:
        start = rng.randrange(0, len(text) - 64)
        found = text[start : start + 64].split()[1:2]
        words += found
    return " ".join(words)


QUERIES = {"passage": passage, "scattered": scattered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=20.0, help="document size in MB")
    parser.add_argument("--words", default="10,1000,4000,15000", help="query lengths")
    parser.add_argument("--repeat", type=int, default=3, help="passages per query length")
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument(
        "--document",
        choices=sorted(DOCUMENTS),
        default="words",
        help="words: words drawn uniformly from a list (every chunk alike: the worst case "
        "for the phrase re-ranker); faq: the support FAQ repeated with variations; "
        "prose: Zipf-distributed words in sentences",
    )
    args = parser.parse_args()
    sizes = [int(w) for w in args.words.split(",")]

    started = time.perf_counter()
    data = DOCUMENTS[args.document](int(args.mb * 1_000_000))
    generated = time.perf_counter() - started
    gc.collect()
    rss_before, _ = memory()

    started = time.perf_counter()
    outcome = ingest(data, "big.txt", 800, 400)
    ingested = time.perf_counter() - started
    assert outcome.status == "completed", outcome.last_error
    index = SearchIndex()
    started = time.perf_counter()
    index.add("file-big", outcome.chunks, 0)
    added = time.perf_counter() - started
    started = time.perf_counter()
    warmup = " ".join(data[:200].decode("utf-8", "ignore").split()[:2])
    assert index.search([warmup], allowed=None, limit=args.limit)
    sealed = time.perf_counter() - started
    _, peak = memory()

    print(f"document ({args.document}): {len(data) / 1e6:.1f} MB generated in {generated:.1f} s")
    print(
        f"ingest (extract + chunk): {ingested:.2f} s, {len(outcome.chunks)} chunks, "
        f"usage_bytes {outcome.usage_bytes}"
    )
    print(f"SearchIndex.add: {added:.2f} s; first search (seal, norms, counts): {sealed:.2f} s")
    print(
        f"ingest + add + first search: {ingested + added + sealed:.2f} s; "
        f"RSS before ingest {rss_before:.0f} MB, peak RSS after {peak:.0f} MB "
        f"(+{peak - rss_before:.0f} MB)"
    )
    print()

    text = data.decode("utf-8")
    del data
    rng = random.Random(1)
    print(f"{'query':>9} {'words':>7} {'auto ms':>10} {'none ms':>10} {'auto/none':>10}")
    for kind, make_query in QUERIES.items():
        for n_words in sizes:
            times: dict[str, list[float]] = {"auto": [], "none": []}
            for _ in range(args.repeat):
                query = make_query(text, n_words, rng)
                for ranker in ("none", "auto"):
                    started = time.perf_counter()
                    hits = index.search([query], allowed=None, limit=args.limit, ranker=ranker)
                    times[ranker].append((time.perf_counter() - started) * 1000)
                    assert hits
            auto, none = statistics.median(times["auto"]), statistics.median(times["none"])
            print(f"{kind:>9} {n_words:>7} {auto:>10.1f} {none:>10.1f} {auto / none:>10.2f}")


if __name__ == "__main__":
    main()
