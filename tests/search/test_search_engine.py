"""Tests of the search engine (vsmock.search.index / ranking / rewrite / relevance).

Scores are checked against an independent reference: a fresh ``TfidfVectorizer()`` fitted
on the live chunks + cosine similarity, with the phrase boost recomputed in plain Python.
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import numpy as np
import pytest
from relevance import (
    evaluate,
    load_relevance_set,
    precision_and_mrr,
    split_paragraphs,
)
from sklearn.feature_extraction.text import TfidfVectorizer

import vsmock.search.index as index_module
import vsmock.search.ranking as ranking_module
import vsmock.search.segment as segment_module
from vsmock.search.analysis import analyze
from vsmock.search.index import Hit, SearchIndex
from vsmock.search.ranking import FEW_BIGRAMS, PHRASE_WEIGHT, RANKERS, bigram_coverage
from vsmock.search.rewrite import rewrite_query

Docs = dict[str, tuple[int, list[str]]]  # doc id -> (order, chunks)

WORDS = [f"w{i}" for i in range(40)] + ["alpha", "beta", "gamma", "delta", "omega"]


# ----------------------------------------------------------------------------- reference


def reference(
    docs: Docs,
    queries: Sequence[str],
    *,
    limit: int,
    allowed: Collection[str] | None = None,
    score_threshold: float = 0.0,
    ranker: str = "none",
) -> list[tuple[str, int, float]]:
    keys: list[tuple[str, int, int]] = []
    texts: list[str] = []
    for doc_id, (order, chunks) in docs.items():
        for pos, text in enumerate(chunks):
            keys.append((doc_id, order, pos))
            texts.append(text)
    if not texts:
        return []
    try:
        vec = TfidfVectorizer().fit(texts)
    except ValueError:  # empty vocabulary
        return []
    # rows are l2-normalised, so the dot product is the cosine similarity
    cos = (vec.transform(list(queries)) @ vec.transform(texts).T).toarray()
    chunk_bigrams = [set(zip(t, t[1:], strict=False)) for t in map(analyze, texts)]
    final = np.zeros(len(texts))
    for qi, query in enumerate(queries):
        q_tokens = analyze(query)
        q_bigrams = set(zip(q_tokens, q_tokens[1:], strict=False))
        for i in np.flatnonzero(cos[qi] > 0):
            c = float(cos[qi, i])
            if ranker != "none" and q_bigrams:
                coverage = len(q_bigrams & chunk_bigrams[i]) / len(q_bigrams)
                c = c + PHRASE_WEIGHT * coverage * c * (1 - c)
            final[i] = max(final[i], c)
    out = []
    for (doc_id, order, pos), score in zip(keys, np.round(final, 12), strict=True):
        if score > 0 and score >= score_threshold and (allowed is None or doc_id in allowed):
            out.append((doc_id, order, pos, float(score)))
    out.sort(key=lambda r: (-r[3], r[1], r[2]))
    return [(d, p, s) for d, _, p, s in out[:limit]]


def as_tuples(hits: Sequence[Hit]) -> list[tuple[str, int, float]]:
    return [(h.doc_id, h.chunk, h.score) for h in hits]


def assert_same(got: Sequence[Hit], expected: list[tuple[str, int, float]]) -> None:
    actual = as_tuples(got)
    assert [(d, c) for d, c, _ in actual] == [(d, c) for d, c, _ in expected]
    for (_, _, s1), (_, _, s2) in zip(actual, expected, strict=True):
        assert abs(s1 - s2) <= 1e-9


def random_doc(rng: random.Random, rare: bool = False) -> list[str]:
    chunks = []
    for _ in range(rng.randint(0, 4)):
        n = rng.randint(0, 14)
        words = [
            f"u{rng.randint(0, 10**6)}" if rare and rng.random() < 0.3 else rng.choice(WORDS)
            for _ in range(n)
        ]
        chunks.append(" ".join(words) + rng.choice(["", ".", "!", " -- x"]))
    return chunks


def random_query(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS + ["unknownword"]) for _ in range(rng.randint(1, 5)))


def churn(
    rng: random.Random, index: SearchIndex, docs: Docs, steps: int, rare: bool = False
) -> Iterator[int]:
    """Random adds (including re-adds) and removes, mirrored in ``docs``; yields each step."""
    order = max((o for o, _ in docs.values()), default=0)
    for step in range(steps):
        if docs and rng.random() < 0.4:
            doc_id = rng.choice(sorted(docs))
            index.remove(doc_id)
            del docs[doc_id]
        else:
            doc_id = f"file-{rng.randint(0, 60)}"
            order += 1
            docs[doc_id] = (order, random_doc(rng, rare))
            index.add(doc_id, docs[doc_id][1], order)
        yield step


@pytest.fixture(params=["default", "tiny-segments"])
def layout(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run with the real constants, and with tiny segments + eager vocabulary compaction,
    tiny analysis and segment-building batches, no one-pass-per-bigram re-ranking and a
    first re-ranking pass over the ``limit`` best rows as soon as the band is bigger."""
    if request.param == "tiny-segments":
        monkeypatch.setattr(index_module, "SEAL_ROWS", 3)
        monkeypatch.setattr(index_module, "GC_MIN_DEAD_TERMS", 0)
        monkeypatch.setattr(index_module, "ANALYZE_BATCH", 5)
        monkeypatch.setattr(segment_module, "ROW_BATCH_TOKENS", 7)
        monkeypatch.setattr(ranking_module, "FEW_BIGRAMS", 0)
        monkeypatch.setattr(index_module, "_FIRST_PASS_MIN", 0)
        monkeypatch.setattr(index_module, "SHORT_QUERY", 0)  # the array paths, always
        monkeypatch.setattr(index_module, "LONG_QUERY_BIGRAMS", 0)
    return str(request.param)


# ----------------------------------------------------------------------------- exactness


def test_scores_equal_sklearn_refit_across_adds_and_removes(layout: str) -> None:
    rng = random.Random(7)
    index = SearchIndex()
    docs: Docs = {}
    checks = 0
    for step in churn(rng, index, docs, 250, rare=True):
        assert len(index) == sum(len(c) for _, c in docs.values())
        if step % 10:
            continue
        query = random_query(rng)
        # every positive score, all chunks
        expected = reference(docs, [query], limit=10_000)
        got = index.search([query], allowed=None, limit=10_000, ranker="none")
        assert_same(got, expected)
        # top-10 agreement
        got = index.search([query], allowed=None, limit=10, ranker="none")
        assert_same(got, expected[:10])
        checks += 1
    assert checks >= 25


def test_rankers_exact_top_k_with_several_queries_filters_and_threshold(layout: str) -> None:
    rng = random.Random(11)
    index = SearchIndex()
    docs: Docs = {}
    for step in churn(rng, index, docs, 200):
        if step % 7:
            continue
        queries = [random_query(rng) for _ in range(rng.randint(1, 3))]
        ranker = rng.choice(RANKERS)
        limit = rng.choice([1, 2, 5, 10, 50])
        threshold = rng.choice([0.0, 0.0, 0.2, 0.5])
        allowed = None
        if rng.random() < 0.5:
            allowed = {d for d in docs if rng.random() < 0.5} | {"file-missing"}
        got = index.search(
            queries, allowed=allowed, limit=limit, score_threshold=threshold, ranker=ranker
        )
        expected = reference(
            docs, queries, limit=limit, allowed=allowed, score_threshold=threshold, ranker=ranker
        )
        assert_same(got, expected)


def test_scores_are_rounded_to_12_decimals_and_within_unit_interval() -> None:
    index = SearchIndex()
    index.add("a", ["alpha beta gamma", "alpha alpha", "alpha"], 0)
    index.add("b", ["beta delta", "omega"], 1)
    hits = index.search(["alpha beta", "alpha"], allowed=None, limit=10, ranker="auto")
    assert hits
    for hit in hits:
        assert 0 < hit.score <= 1
        assert round(hit.score, 12) == hit.score
    assert hits[0].score == 1.0  # "alpha" alone matches query "alpha" exactly


# ----------------------------------------------------------------------------- ordering


def test_ties_broken_by_doc_order_then_chunk() -> None:
    index = SearchIndex()
    index.add("late", ["alpha beta", "alpha beta"], 5)
    index.add("early", ["gamma", "alpha beta"], 2)  # added later, but smaller order
    index.add("middle", ["alpha beta"], 3)
    hits = index.search(["alpha beta"], allowed=None, limit=10, ranker="none")
    assert [(h.doc_id, h.chunk) for h in hits] == [
        ("early", 1),
        ("middle", 0),
        ("late", 0),
        ("late", 1),
    ]
    assert len({h.score for h in hits}) == 1


def test_results_sorted_by_score_descending() -> None:
    index = SearchIndex()
    index.add("a", ["alpha", "alpha beta gamma delta", "alpha beta"], 0)
    scores = [h.score for h in index.search(["alpha beta"], allowed=None, limit=10)]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == 3


def test_readding_a_doc_replaces_it() -> None:
    index = SearchIndex()
    index.add("a", ["alpha beta", "gamma"], 0)
    index.add("b", ["beta"], 1)
    index.add("a", ["delta"], 2)
    assert len(index) == 2
    assert index.search(["alpha"], allowed=None, limit=10) == []
    assert [h.doc_id for h in index.search(["delta"], allowed=None, limit=10)] == ["a"]


# ----------------------------------------------------------------------------- determinism


def build(ops: Sequence[tuple[str, str, list[str], int]]) -> SearchIndex:
    index = SearchIndex()
    for op, doc_id, chunks, order in ops:
        if op == "add":
            index.add(doc_id, chunks, order)
        else:
            index.remove(doc_id)
    return index


def test_identical_floats_run_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    ops: list[tuple[str, str, list[str], int]] = []
    for i in range(80):
        if i % 4 == 3:
            ops.append(("remove", f"d{rng.randint(0, i)}", [], 0))
        else:
            ops.append(("add", f"d{i}", random_doc(rng), i))
    queries = [random_query(rng) for _ in range(12)]

    def results(index: SearchIndex) -> list[list[tuple[str, int, float]]]:
        return [
            as_tuples(index.search([q, "alpha beta"], allowed=None, limit=20, ranker=r))
            for q in queries
            for r in RANKERS
        ]

    first = results(build(ops))
    assert first == results(build(ops))  # exact float equality
    index = build(ops)
    assert results(index) == results(index) == first  # repeated searches
    # a different segment layout (tiny segments, every merge path) gives the same floats
    monkeypatch.setattr(index_module, "SEAL_ROWS", 2)
    assert results(build(ops)) == first


# ----------------------------------------------------------------------------- parameters


def small_index() -> SearchIndex:
    index = SearchIndex()
    index.add("a", ["alpha beta gamma", "alpha"], 0)
    index.add("b", ["alpha delta", "beta beta"], 1)
    index.add("c", ["omega alpha"], 2)
    return index


def test_allowed_set_restricts_documents() -> None:
    index = small_index()
    all_docs = {h.doc_id for h in index.search(["alpha"], allowed=None, limit=10)}
    assert all_docs == {"a", "b", "c"}
    hits = index.search(["alpha"], allowed={"b", "nope"}, limit=10)
    assert {h.doc_id for h in hits} == {"b"}
    assert index.search(["alpha"], allowed=set(), limit=10) == []
    assert index.search(["alpha"], allowed={"nope"}, limit=10) == []
    # any collection works, e.g. dict keys
    assert {h.doc_id for h in index.search(["alpha"], allowed={"c": 1}.keys(), limit=10)} == {"c"}


def test_allowed_set_does_not_starve_the_limit() -> None:
    index = SearchIndex()
    for i in range(30):
        index.add(f"strong{i}", ["alpha alpha beta"], i)
    index.add("weak", ["alpha gamma delta omega w1 w2 w3"], 100)
    hits = index.search(["alpha beta"], allowed={"weak"}, limit=3)
    assert [h.doc_id for h in hits] == ["weak"]


def test_score_threshold() -> None:
    index = small_index()
    hits = index.search(["alpha beta"], allowed=None, limit=10, ranker="none")
    assert len(hits) >= 3
    cut = hits[1].score
    above = index.search(["alpha beta"], allowed=None, limit=10, score_threshold=cut, ranker="none")
    assert above == [h for h in hits if h.score >= cut]
    assert index.search(["alpha beta"], allowed=None, limit=10, score_threshold=1.0) == [
        h for h in hits if h.score >= 1.0
    ]


def test_limit() -> None:
    index = small_index()
    full = index.search(["alpha"], allowed=None, limit=100)
    assert len(full) == 4
    for limit in (1, 2, 3):
        assert index.search(["alpha"], allowed=None, limit=limit) == full[:limit]
    assert index.search(["alpha"], allowed=None, limit=0) == []
    with pytest.raises(ValueError):
        index.search(["alpha"], allowed=None, limit=-1)


def test_several_queries_score_is_the_max() -> None:
    index = small_index()
    q1 = {(h.doc_id, h.chunk): h.score for h in index.search(["alpha"], allowed=None, limit=99)}
    q2 = {(h.doc_id, h.chunk): h.score for h in index.search(["beta"], allowed=None, limit=99)}
    both = index.search(["alpha", "beta"], allowed=None, limit=99)
    expected = {k: max(q1.get(k, 0.0), q2.get(k, 0.0)) for k in q1.keys() | q2.keys()}
    assert {(h.doc_id, h.chunk): h.score for h in both} == expected
    assert index.search(["beta", "alpha"], allowed=None, limit=99) == both


def test_rankers_accepted_and_unknown_rejected() -> None:
    index = small_index()
    for ranker in ("none", "auto", "default-2024-11-15"):
        first = index.search(["alpha beta"], allowed=None, limit=5, ranker=ranker)
        assert first and first == index.search(["alpha beta"], allowed=None, limit=5, ranker=ranker)
    auto = index.search(["alpha beta"], allowed=None, limit=5, ranker="auto")
    assert auto == index.search(["alpha beta"], allowed=None, limit=5, ranker="default-2024-11-15")
    with pytest.raises(ValueError):
        index.search(["alpha"], allowed=None, limit=5, ranker="bm25")
    with pytest.raises(ValueError):
        SearchIndex().search(["alpha"], allowed=None, limit=5, ranker="")


def test_auto_ranker_prefers_the_exact_phrase() -> None:
    index = SearchIndex()
    index.add("first", ["the dog bites man today"], 0)
    index.add("second", ["the man bites dog today"], 1)
    none = index.search(["man bites dog"], allowed=None, limit=2, ranker="none")
    assert [h.doc_id for h in none] == ["first", "second"]  # same cosine: order decides
    assert none[0].score == none[1].score
    auto = index.search(["man bites dog"], allowed=None, limit=2, ranker="auto")
    assert [h.doc_id for h in auto] == ["second", "first"]
    assert auto[1].score == none[1].score < auto[0].score <= 1.0
    # the boost never lowers a score and single-word queries are not boosted
    one = index.search(["dog"], allowed=None, limit=2, ranker="auto")
    assert one == index.search(["dog"], allowed=None, limit=2, ranker="none")


def test_auto_rerank_can_promote_a_chunk_outside_the_cosine_top_k() -> None:
    fill = " ".join(f"f{k}" for k in range(12))
    index = SearchIndex()
    index.add("a", [f"pie apple red {fill}"], 0)
    index.add("b", [f"red apple pie {fill} extra"], 1)  # lower cosine, exact phrase
    index.add("c", [f"unrelated words extra {fill}"], 2)
    none = index.search(["red apple pie"], allowed=None, limit=1, ranker="none")
    assert [h.doc_id for h in none] == ["a"]
    auto = index.search(["red apple pie"], allowed=None, limit=1, ranker="auto")
    assert [h.doc_id for h in auto] == ["b"]
    assert auto[0].score > none[0].score


def test_auto_rerank_exact_on_phrase_heavy_corpus(layout: str) -> None:
    rng = random.Random(13)
    vocab = ["red", "apple", "pie", "green", "tea", "cup", "hot", "sweet"]
    fillers = [f"f{k}" for k in range(30)]
    index = SearchIndex()
    docs: Docs = {}
    for i in range(60):
        chunks = []
        for _ in range(rng.randint(1, 3)):
            words = rng.sample(vocab, rng.randint(2, 5)) + rng.sample(fillers, rng.randint(0, 12))
            if rng.random() < 0.5:
                rng.shuffle(words)
            chunks.append(" ".join(words))
        docs[f"d{i}"] = (i, chunks)
        index.add(f"d{i}", chunks, i)
        if i % 4 == 0:
            queries = [
                " ".join(rng.sample(vocab, rng.randint(2, 4))) for _ in range(rng.randint(1, 3))
            ]
            limit = rng.choice([1, 2, 3, 5])
            ranker = "auto" if i % 8 else "none"
            got = index.search(queries, allowed=None, limit=limit, ranker=ranker)
            assert_same(got, reference(docs, queries, limit=limit, ranker=ranker))


def long_query(rng: random.Random, words: Sequence[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


def test_long_queries_match_the_reference(layout: str) -> None:
    """Queries of thousands of words (thousands of distinct bigrams) re-rank exactly."""
    rng = random.Random(17)
    vocab = [f"v{k}" for k in range(70)] + ["red", "apple", "pie", "tea"]
    index = SearchIndex()
    docs: Docs = {}
    for i in range(50):
        chunks = [
            " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 40)))
            for _ in range(rng.randint(1, 3))
        ]
        docs[f"d{i}"] = (i, chunks)
        index.add(f"d{i}", chunks, i)
    index.remove("d7")
    del docs["d7"]
    for n_words in (2_000, 6_000):
        queries = [long_query(rng, vocab + ["unknownword"], n_words)]
        words = queries[0].split()
        assert len(set(zip(words, words[1:], strict=False))) > 1_000
        for ranker in ("auto", "none"):
            for limit in (1, 5, 10_000):
                got = index.search(queries, allowed=None, limit=limit, ranker=ranker)
                assert_same(got, reference(docs, queries, limit=limit, ranker=ranker))
        # several queries, a threshold, a filter
        queries.append("red apple pie " + long_query(rng, vocab, 50))
        allowed = {f"d{i}" for i in range(0, 50, 2)}
        got = index.search(queries, allowed=allowed, limit=7, score_threshold=0.3, ranker="auto")
        expected = reference(
            docs, queries, limit=7, allowed=allowed, score_threshold=0.3, ranker="auto"
        )
        assert_same(got, expected)


def test_rerank_first_pass_is_exact(layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bands much bigger than ``limit``: the ``limit`` best rows by cosine are re-ranked
    first and their lowest final score prunes the rest; the answer stays exact."""
    calls = {"final": 0}
    original = SearchIndex._final

    def counting(self: SearchIndex, *args: object) -> object:
        calls["final"] += 1
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(SearchIndex, "_final", counting)
    monkeypatch.setattr(index_module, "LONG_QUERY_BIGRAMS", 0)  # these queries count as long
    rng = random.Random(41)
    vocab = ["red", "apple", "pie", "green", "tea", "cup", "hot", "sweet", "a", "the"]
    base = [rng.choice(vocab) for _ in range(14)]
    index = SearchIndex()
    docs: Docs = {}
    for i in range(150):
        chunks = []
        for _ in range(rng.randint(1, 2)):
            words = rng.sample(base, len(base))  # the same words (same cosine), reordered
            if rng.random() < 0.3:
                words[rng.randrange(len(words))] = rng.choice(vocab)
            chunks.append(" ".join(words))
        docs[f"d{i}"] = (i, chunks)
        index.add(f"d{i}", chunks, i)
    first_passes = 0
    for _ in range(30):
        query = " ".join(rng.sample(base, rng.randint(3, len(base))))
        limit = rng.choice([1, 2, 5, 20])
        threshold = rng.choice([0.0, 0.0, 0.3])
        calls["final"] = 0
        got = index.search([query], allowed=None, limit=limit, score_threshold=threshold)
        first_passes += calls["final"] > 1
        expected = reference(docs, [query], limit=limit, score_threshold=threshold, ranker="auto")
        assert_same(got, expected)
    assert first_passes >= 5


def plain_coverage(rows: Sequence[Sequence[int]], query: Sequence[int]) -> list[float]:
    bigrams = set(zip(query, query[1:], strict=False))
    return [
        len(bigrams & set(zip(row, row[1:], strict=False))) / len(bigrams) if bigrams else 0.0
        for row in rows
    ]


@pytest.mark.parametrize("few", [0, 1_000_000])
def test_bigram_coverage_equals_plain_python(few: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways of counting (a pass per bigram, one sorted look-up of every pair) agree with
    plain Python: repeated bigrams count once, pairs across two rows never count."""
    monkeypatch.setattr(ranking_module, "FEW_BIGRAMS", few)
    rng = random.Random(23)
    for _ in range(200):
        width = rng.randint(1, 9)
        rows = [[rng.randrange(width) for _ in range(rng.choice([0, 1, 2, 5, 12]))] for _ in "abc"]
        query = [rng.randrange(width + 2) for _ in range(rng.randint(0, 30))]  # some unknown
        bigrams = set(zip(query, query[1:], strict=False))
        codes = sorted({a * width + b for a, b in bigrams if a < width and b < width})
        tokens = np.array([t for row in rows for t in row], dtype=np.int32)
        ends = np.cumsum([len(row) for row in rows]).astype(np.int64)
        got = bigram_coverage(
            tokens, ends, np.array(codes, dtype=np.int64), len(bigrams), width
        ).tolist()
        assert got == plain_coverage(rows, query)


class _CountedPasses(np.ndarray):
    """A token array that counts the element-wise comparisons made on it (full passes)."""

    passes = 0

    def __eq__(self, other: object) -> Any:  # type: ignore[override]
        _CountedPasses.passes += 1
        return super().__eq__(other)


def test_bigram_coverage_is_linear_in_the_number_of_bigrams() -> None:
    """15,000 query bigrams over 3 million tokens: the tokens are passed over a fixed
    number of times, not once per bigram (which took ~10 s)."""
    rng = np.random.default_rng(3)
    width = 5_000
    plain = rng.integers(0, width, 3_000_000).astype(np.int32)
    tokens = plain.view(_CountedPasses)
    ends = np.arange(500, tokens.size + 1, 500, dtype=np.int64)
    query = rng.integers(0, width, 15_001)
    codes = np.unique(query[:-1] * width + query[1:])
    _CountedPasses.passes = 0
    coverage = bigram_coverage(tokens, ends, codes, codes.size, width)
    assert _CountedPasses.passes <= FEW_BIGRAMS, "one pass per query bigram"
    rows = [plain[e - 500 : e].tolist() for e in ends[:50].tolist()]
    assert np.asarray(coverage[:50]).tolist() == plain_coverage(rows, query.tolist())
    assert coverage.max() > 0


def test_phrase_rerank_is_linear_in_the_query_length(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chunk alike (all in the re-ranked band) and a 15,000-word query with thousands
    of distinct bigrams: the band's 800k tokens are covered in a bounded number of calls of
    the one-pass coverage (the test above), not once per bigram, which took seconds."""
    rng = random.Random(29)
    vocab = [f"t{k}" for k in range(200)]
    text = long_query(rng, vocab, 2_000)
    index = SearchIndex()
    for i in range(200):
        index.add(f"d{i}", [text, text], i)
    query = long_query(rng, vocab, 15_000)
    index.search(["t1"], allowed=None, limit=10)  # seal and compute the norms first
    examined: list[int] = []
    real = ranking_module.bigram_coverage

    def counted(tokens: Any, *args: Any) -> Any:
        examined.append(int(tokens.size))
        return real(tokens, *args)

    monkeypatch.setattr(ranking_module, "bigram_coverage", counted)
    auto = index.search([query], allowed=None, limit=10, ranker="auto")
    monkeypatch.undo()
    assert [(h.doc_id, h.chunk) for h in auto][:3] == [("d0", 0), ("d0", 1), ("d1", 0)]
    assert len(examined) <= 2, examined  # a first pass over the best rows, then the band
    tokens = analyze(text)
    pairs = set(zip(tokens, tokens[1:], strict=False))
    q_tokens = analyze(query)
    q_pairs = set(zip(q_tokens, q_tokens[1:], strict=False))
    assert len(q_pairs) > 10_000
    none = index.search([query], allowed=None, limit=10, ranker="none")
    c = none[0].score
    boosted = c + PHRASE_WEIGHT * len(pairs & q_pairs) / len(q_pairs) * c * (1 - c)
    assert auto[0].score == round(boosted, 12) > c


def test_empty_and_unknown_queries() -> None:
    index = small_index()
    assert index.search([], allowed=None, limit=5) == []
    assert index.search([""], allowed=None, limit=5) == []
    assert index.search(["zzz qqq", "?!"], allowed=None, limit=5) == []
    assert SearchIndex().search(["alpha"], allowed=None, limit=5) == []
    empty = SearchIndex()
    empty.add("blank", ["", "!"], 0)
    assert len(empty) == 2 and "blank" in empty
    assert empty.search(["alpha"], allowed=None, limit=5) == []


def test_contains_len_and_remove() -> None:
    index = small_index()
    assert "a" in index and "zzz" not in index
    assert len(index) == 5
    index.remove("zzz")  # no-op
    index.remove("a")
    assert "a" not in index and len(index) == 3
    assert {h.doc_id for h in index.search(["alpha"], allowed=None, limit=10)} == {"b", "c"}
    index.add("empty", [], 9)
    assert "empty" in index and len(index) == 3
    index.remove("empty")
    assert "empty" not in index


# ----------------------------------------------------------------------------- design


def test_writes_do_not_refit_and_queries_recompute_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"weights": 0}
    original = SearchIndex._refresh_weights

    def counting(self: SearchIndex) -> None:
        calls["weights"] += 1
        original(self)

    monkeypatch.setattr(SearchIndex, "_refresh_weights", counting)
    index = SearchIndex()
    for i in range(200):
        index.add(f"d{i}", [f"alpha w{i % 7}", "beta"], i)
    for i in range(0, 200, 3):
        index.remove(f"d{i}")
    assert calls["weights"] == 0
    index.search(["alpha"], allowed=None, limit=3)
    index.search(["beta"], allowed=None, limit=3)
    assert calls["weights"] == 1  # once for the two searches
    index.add("x", ["gamma"], 999)
    index.search(["alpha"], allowed=None, limit=3)
    assert calls["weights"] == 2
    stats = index.stats()
    assert stats.segments <= 8  # O(log n) segments


def test_adding_a_big_document_does_not_hold_every_token_string() -> None:
    """``add`` used to analyse every chunk before mapping the tokens to ids (a Python string
    per token, ~120 bytes a token at the peak); now batch by batch (~45 bytes a token,
    the index itself included)."""
    rng = random.Random(31)
    vocab = [f"w{k}" for k in range(3_000)]
    chunks = [" ".join(rng.choices(vocab, k=500)) for _ in range(800)]
    index = SearchIndex()
    tracemalloc.start()
    try:
        index.add("big", chunks, 0)
        hits = index.search(["w1 w2"], allowed=None, limit=3)  # seals the pending chunks
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert hits
    assert index.stats().segments == 1
    assert peak < 70 * 500 * 800, f"{peak / 400_000:.0f} bytes per token"


def test_removal_frees_rows_and_terms() -> None:
    index = SearchIndex()
    rng = random.Random(5)
    for i in range(400):
        words = " ".join(f"t{i}x{j}" for j in range(30))  # 30 unique terms per doc
        index.add(f"d{i}", [words, rng.choice(WORDS)], i)
    index.search(["w1"], allowed=None, limit=1)
    before = index.stats()
    assert before.terms >= 12_000
    for i in range(390):
        index.remove(f"d{i}")
    index.search(["w1"], allowed=None, limit=1)
    after = index.stats()
    assert after.chunks == 20
    assert after.rows <= 2 * after.chunks  # tombstoned rows were compacted away
    assert after.dead_terms <= max(index_module.GC_MIN_DEAD_TERMS, after.terms)
    assert after.nbytes < before.nbytes / 5
    hits = index.search(["t395x3"], allowed=None, limit=5)
    assert [(h.doc_id, h.chunk) for h in hits] == [("d395", 0)]


# ----------------------------------------------------------------------------- rewrite


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "I'd like to know the height of the main office building.",
            "like know height main office building",
        ),
        ("What is the return policy?", "return policy"),
        ("How do I reset my password???", "reset password"),
        ("Where's the company's  warranty   info", "company warranty info"),
        ("Who are you?", "who are you"),  # everything is a stop word: keep the words
        ("  ", ""),
        ("", ""),
        ("?!", "?!"),
        ("API rate-limits: 429 errors", "api rate limits 429 errors"),
    ],
)
def test_rewrite_query(query: str, expected: str) -> None:
    assert rewrite_query(query) == expected


# ----------------------------------------------------------------------------- relevance


def test_relevance_set_precision_and_mrr() -> None:
    docs, cases = load_relevance_set()
    assert len(docs) >= 30 and len(cases) >= 40
    assert {c.expected for c in cases} <= set(docs)
    for text in docs.values():
        assert 100 <= len(text.split()) <= 300
    result = evaluate(docs, cases, ranker="auto")
    assert result.precision_at_1 >= 0.9, result.misses
    assert result.mrr >= 0.95, result.misses


def test_relevance_helpers() -> None:
    assert precision_and_mrr([["a", "b"], ["b", "a"], []], ["a", "a", "a"]) == (1 / 3, 0.5)
    assert split_paragraphs("# T\n\none\ntwo\n\n\n three \n") == ["# T\none\ntwo", "three"]


def test_the_postings_product_is_scipys_bit_for_bit() -> None:
    """The index keeps SciPy's sparse-column layout in numpy arrays (loading SciPy would cost
    a server's first search 60 ms): its one product must give SciPy's sums exactly."""
    import numpy as np
    import scipy.sparse as sp

    from vsmock.search.segment import Postings

    rng = np.random.default_rng(7)
    for _ in range(300):
        n_rows, n_cols = int(rng.integers(1, 300)), int(rng.integers(1, 400))
        counts = rng.integers(1, 9, (n_rows, n_cols)) * (rng.random((n_rows, n_cols)) < 0.05)
        expected = sp.csc_matrix((counts**2).astype(np.float64))
        mine = Postings(
            expected.data,
            expected.indices.astype(np.int32),
            expected.indptr.astype(np.int64),
            (n_rows, n_cols),
        )
        vector = rng.random(n_cols + int(rng.integers(0, 4))) * 9  # the index passes longer ones
        assert np.array_equal(mine @ vector, np.asarray(expected @ vector[:n_cols]))
        assert mine.nnz == expected.nnz
