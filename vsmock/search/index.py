"""Exact TF-IDF + cosine search over the chunks of one vector store, updated incrementally.

Semantics
    Scores equal those of ``TfidfVectorizer()`` (default parameters: lower-case, token
    pattern ``(?u)\\b\\w\\w+\\b``, ``smooth_idf=True`` so ``idf = ln((1+n)/(1+df)) + 1``,
    raw term counts, l2 normalisation) refitted on the chunks currently in the index, followed
    by the cosine similarity with the query's vector. Query terms absent from the current
    vocabulary are ignored, as ``transform`` does. A chunk without any token still counts in
    ``n``. The rankers layered on top are described in :mod:`.ranking`.

Several queries
    Each query is scored on its own; a chunk's score is the MAX of its scores over the
    queries (a chunk is as relevant as its best-matching query).

Determinism
    For a given state and query every float is computed in a fixed order: a chunk's squared
    norm is summed in term-id order (``csc @ idf**2``), a chunk's dot product with the query
    in the order of the query's terms sorted alphabetically (one ``bincount`` pass, rows never
    span segments). Scores are finally rounded to ``SCORE_DECIMALS`` (12) decimal places,
    which also hides any last-bit difference between two histories reaching the same state,
    and clipped to [0, 1]. Ties are broken by the document's ``order``, then chunk position,
    then the internal sequence number of the ``add`` call.

Design (why it is fast)
    The index is log-structured, like a small Lucene:

    * ``add`` tokenises the document (scikit-learn's analyzer), maps tokens to term ids,
      updates the document frequencies of the doc's distinct terms, and appends the chunks to
      a *pending* buffer: O(size of the doc). Nothing global is recomputed. Token strings are
      mapped to ids ``ANALYZE_BATCH`` at a time and the per-token integer work is done in
      batches of rows (:func:`.segment.row_batches`), so the memory a big document needs
      beyond its own index arrays stays bounded.
    * Pending chunks are *sealed* into an immutable :class:`~.segment.Segment` (a CSC
      matrix of squared raw counts, i.e. per-term postings, plus token sequences) when
      ``SEAL_ROWS`` chunks are pending or when a search needs them. After a seal, the two
      newest segments are merged while the older one is not bigger than the newer one (a
      binary counter), so there are O(log n) segments and each chunk is copied O(log n)
      times: writes cost O(doc * log n) amortised. Merges are linear (no sorting).
    * ``remove`` tombstones the doc's rows (an ``alive`` mask) and decrements document
      frequencies: O(size of the doc). A segment more than half dead is rewritten without its
      dead rows (amortised against the removals), and dead terms are dropped from the
      vocabulary once they outnumber the live ones (``GC_MIN_DEAD_TERMS`` at least), so
      memory stays proportional to the live corpus.
    * idf depends on ``n`` and so changes with every write; chunk norms depend on idf.
      Both are recomputed lazily, on the first search after a change, in one vectorised pass
      over the raw counts (``idf = log(...)`` over the vocabulary, ``matrix @ idf**2`` per
      segment): a few milliseconds at 10k chunks, no refit and no re-tokenisation.
    * A search reads only the postings (CSC column slices) of its own terms in every
      segment, accumulates dot products with one ``bincount`` per segment, multiplies by
      the cached inverse norms and picks the best rows with ``argpartition``. The phrase
      re-ranker only looks at the token sequences of the rows that can still reach the top
      ``limit`` (see :meth:`SearchIndex._band`), so the result is the exact top ``limit``
      of the re-ranked scores without re-ranking every matching chunk. The re-ranker
      looks every adjacent token pair of the band up once among the query's sorted bigram
      codes: O(band tokens * log(query bigrams)), however long the query.

Memory
    Per posting (distinct term of a chunk): 4 bytes of row id + 8 bytes of squared count;
    per token: 4 bytes of term id; per chunk: ~50 bytes. Tombstoned rows and dead terms are
    reclaimed as described above. A search allocates a few dense arrays of one float per
    stored chunk (and, with ``allowed``, one byte per document ever added).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from vsmock.search import ranking
from vsmock.search.analysis import analyze
from vsmock.search.arrays import unique
from vsmock.search.segment import (
    PendingDoc,
    Segment,
    build_segment,
    distinct_per_row,
    merge_segments,
    renumber_terms,
)
from vsmock.search.vocabulary import Vocabulary

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SCORE_DECIMALS = 12
SHORT_QUERY = 32  # distinct query terms up to which plain Python loops beat array set-up
LONG_QUERY_BIGRAMS = 32  # query bigrams above which the re-rank's tighter bounds pay
SEAL_ROWS = 1024
ANALYZE_BATCH = 1 << 16  # tokens analysed and mapped to term ids at a time by ``add``
MEMO_SIZE = 256  # searches remembered per index (results, until the contents change)
GC_MIN_DEAD_TERMS = 4096
_EPS = 1e-9  # slack when pruning candidates with bounds (scores are rounded to 1e-12)
_FIRST_PASS_MIN = 64  # band rows beyond 2 * limit before the limit best are re-ranked first


class Hit(NamedTuple):
    doc_id: str  # the file id
    chunk: int  # chunk position within that doc (0-based)
    score: float  # in [0, 1]


@dataclass
class IndexStats:
    docs: int
    chunks: int
    rows: int  # chunks stored, tombstoned ones included
    pending: int
    segments: int
    postings: int
    terms: int
    dead_terms: int
    nbytes: int  # numpy arrays only


@dataclass
class _Doc:
    doc_id: str
    num: int
    n_chunks: int
    segment: Segment | None = None  # None while pending (or when the doc has no chunk)


@dataclass(frozen=True)
class _View:
    """The segments laid end to end as one row space (rebuilt when the layout changes)."""

    starts: IntArray
    n_rows: int
    doc_num: IntArray
    chunk: IntArray
    order: IntArray
    n_tokens: IntArray  # tokens per row (bounds a row's phrase coverage)


@dataclass(frozen=True)
class _Plan:
    """A query analysed against the current vocabulary."""

    ids: list[int]  # live term ids, sorted by term text
    coefs: list[float]  # per term: idf * normalised query weight
    bigrams: IntArray  # sorted codes of the query's bigrams made of live terms
    n_bigrams: int  # number of distinct query bigrams, known or not


class SearchIndex:
    """TF-IDF + cosine over chunk texts of ONE vector store.

    Thread-safety: callers hold a lock; the index itself is not thread-safe (even ``search``
    mutates caches).
    """

    def __init__(self) -> None:
        self._vocab = Vocabulary()
        self._docs: dict[str, _Doc] = {}
        self._by_num: dict[int, _Doc] = {}
        self._pending: dict[int, PendingDoc] = {}
        self._pending_rows = 0
        self._segments: list[Segment] = []
        self._n_chunks = 0
        self._next_num = 0
        self._version = 0
        self._view: _View | None = None
        self._weights_version = -1
        self._idf: FloatArray = np.zeros(0)
        self._inv_norm: FloatArray = np.zeros(0)
        self._memo: dict[tuple[object, ...], list[Hit]] = {}
        self._memo_version = -1

    # ------------------------------------------------------------------ writes

    def add(self, doc_id: str, chunks: Sequence[str], order: int) -> None:
        """Index ``chunks`` as document ``doc_id``, replacing any previous version of it.

        ``order`` is the document's creation sequence, used to break score ties.
        """
        if doc_id in self._docs:
            self.remove(doc_id)
        num = self._next_num
        self._next_num += 1
        doc = _Doc(doc_id, num, len(chunks))
        self._docs[doc_id] = doc
        self._by_num[num] = doc
        if not chunks:
            return
        pending = self._analyze(num, order, chunks)
        for ids in distinct_per_row(pending.tokens, pending.lens):
            self._vocab.increment(ids)
        self._pending[num] = pending
        self._pending_rows += pending.n_chunks
        self._n_chunks += pending.n_chunks
        self._version += 1
        if self._pending_rows >= SEAL_ROWS:
            self._seal()

    def _analyze(self, num: int, order: int, chunks: Sequence[str]) -> PendingDoc:
        """Tokenise ``chunks`` into term ids, ``ANALYZE_BATCH`` tokens at a time.

        The token strings of a batch are mapped to ids (new terms numbered in order of first
        appearance, as if all the tokens were assigned at once) and dropped before the next
        batch is analysed: a big document never holds millions of token strings at once.
        """
        lens = np.zeros(len(chunks), dtype=np.int64)
        parts: list[NDArray[np.int32]] = []
        batch: list[str] = []
        for k, text in enumerate(chunks):
            tokens = analyze(text)
            lens[k] = len(tokens)
            batch += tokens
            if len(batch) >= ANALYZE_BATCH:
                parts.append(self._vocab.assign(batch))
                batch = []
        if batch or not parts:
            parts.append(self._vocab.assign(batch))
        ids = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return PendingDoc(num, order, ids, lens)

    def remove(self, doc_id: str) -> None:
        """Drop document ``doc_id``; no-op if absent."""
        doc = self._docs.pop(doc_id, None)
        if doc is None:
            return
        del self._by_num[doc.num]
        if doc.n_chunks == 0:
            return
        self._n_chunks -= doc.n_chunks
        self._version += 1
        seg = doc.segment
        if seg is None:
            pending = self._pending.pop(doc.num)
            self._pending_rows -= pending.n_chunks
            for ids in distinct_per_row(pending.tokens, pending.lens):
                self._vocab.decrement(ids)
        else:
            start, count = seg.docs.pop(doc.num)
            seg.alive[start : start + count] = False
            seg.dead += count
            lo, hi = int(seg.tok_ptr[start]), int(seg.tok_ptr[start + count])
            lens = np.diff(seg.tok_ptr[start : start + count + 1])
            for ids in distinct_per_row(seg.tokens[lo:hi], lens):
                self._vocab.decrement(ids)
            if 2 * seg.dead > seg.n_rows:
                self._compact(seg)
        if self._vocab.dead > max(GC_MIN_DEAD_TERMS, self._vocab.live):
            self._drop_dead_terms()

    # ------------------------------------------------------------------ reads

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def __len__(self) -> int:
        """Number of chunks indexed."""
        return self._n_chunks

    def stats(self) -> IndexStats:
        return IndexStats(
            docs=len(self._docs),
            chunks=self._n_chunks,
            rows=sum(s.n_rows for s in self._segments) + self._pending_rows,
            pending=self._pending_rows,
            segments=len(self._segments),
            postings=sum(int(s.matrix.nnz) for s in self._segments),
            terms=self._vocab.live,
            dead_terms=self._vocab.dead,
            nbytes=sum(s.nbytes for s in self._segments)
            + int(self._vocab.df.nbytes + self._idf.nbytes + self._inv_norm.nbytes),
        )

    def search(
        self,
        queries: Sequence[str],
        *,
        allowed: Collection[str] | None,
        limit: int,
        score_threshold: float = 0.0,
        ranker: str = "auto",
    ) -> list[Hit]:
        """The best chunks for ``queries``, at most ``limit`` of them.

        Only chunks of documents in ``allowed`` (None: all documents) with a score above 0
        and at least ``score_threshold`` are returned, by score descending, ties broken by
        (document order, chunk position). A chunk's score is the max over ``queries``.
        Raises ValueError for an unknown ``ranker`` or a negative ``limit``.

        Results are a function of the index's contents and the arguments, so the last
        ``MEMO_SIZE`` searches are remembered until the next ``add`` or ``remove``.
        """
        weight = ranking.phrase_weight(ranker)
        if limit < 0:
            raise ValueError("limit must be >= 0")
        if isinstance(queries, str):
            queries = [queries]
        key = (
            tuple(queries),
            None if allowed is None else frozenset(allowed),
            limit,
            float(score_threshold),
            ranker,
        )
        if self._memo_version != self._version:
            self._memo.clear()
            self._memo_version = self._version
        hits = self._memo.get(key)
        if hits is None:
            hits = self._search(queries, allowed, limit, score_threshold, weight)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = hits
        return list(hits)

    def _search(
        self,
        queries: Sequence[str],
        allowed: Collection[str] | None,
        limit: int,
        score_threshold: float,
        weight: float,
    ) -> list[Hit]:
        if limit == 0 or not queries:
            return []
        self._prepare()
        view = self._view
        assert view is not None
        if view.n_rows == 0:
            return []
        allowed_mask: NDArray[np.bool_] | None = None
        if allowed is not None:
            allowed_nums = [d.num for a in allowed if (d := self._docs.get(a)) is not None]
            if not allowed_nums:
                return []
            allowed_mask = np.zeros(self._next_num, dtype=np.bool_)
            allowed_mask[allowed_nums] = True
        threshold = float(score_threshold)

        band_rows: list[IntArray] = []
        band_scores: list[FloatArray] = []
        for text in queries:
            plan = self._plan(text)
            if plan.ids:
                cos = self._cosine(plan)
                rows, scores = self._band(cos, plan, view, allowed_mask, limit, threshold, weight)
                band_rows.append(rows)
                band_scores.append(scores)
        if not band_rows:
            return []
        if len(band_rows) == 1:  # one query: its band rows are distinct already
            rows, final = band_rows[0], band_scores[0]
        else:
            rows, final = _max_per_row(np.concatenate(band_rows), np.concatenate(band_scores))
        if rows.size == 0:
            return []
        final = np.round(final, SCORE_DECIMALS)
        np.clip(final, 0.0, 1.0, out=final)
        keep = (final > 0) & (final >= threshold)
        rows, final = rows[keep], final[keep]
        nums, chunks = view.doc_num[rows], view.chunk[rows]
        ranked = np.lexsort((nums, chunks, view.order[rows], -final))[:limit]
        by_num = self._by_num
        return [
            Hit(by_num[num].doc_id, chunk, score)
            for num, chunk, score in zip(
                nums[ranked].tolist(), chunks[ranked].tolist(), final[ranked].tolist(), strict=True
            )
        ]

    # ------------------------------------------------------------------ internals

    def _plan(self, text: str) -> _Plan:
        tokens = analyze(text)
        counts = Counter(tokens)  # distinct terms in order of first appearance
        if len(counts) <= SHORT_QUERY:
            return self._plan_short(tokens, counts)
        live = [self._vocab.live_id(term) for term in counts]
        ids: list[int] = []
        qtf: list[int] = []
        for term, i in sorted(zip(counts, live, strict=True), key=_first):
            if i is not None:
                ids.append(i)
                qtf.append(counts[term])
        if not ids:
            return _Plan([], [], np.zeros(0, dtype=np.int64), 0)
        coefs = self._weights(ids, qtf)
        if len(tokens) < 2:
            return _Plan(ids, coefs, np.zeros(0, dtype=np.int64), 0)
        # Bigrams, vectorised: every token as the index of its term among the distinct ones.
        n_terms = len(counts)
        position = {term: k for k, term in enumerate(counts)}
        seq = np.fromiter(map(position.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        pairs = unique(seq[:-1] * n_terms + seq[1:])
        term_id = np.array([-1 if i is None else i for i in live], dtype=np.int64)
        first, second = term_id[pairs // n_terms], term_id[pairs % n_terms]
        known = (first >= 0) & (second >= 0)
        codes = unique(first[known] * len(self._vocab) + second[known])
        return _Plan(ids, coefs, codes, int(pairs.size))

    def _weights(self, ids: list[int], qtf: list[int]) -> list[float]:
        """Per query term: idf times its l2-normalised weight, in plain Python floats summed
        in term order, as scikit-learn's normalisation of a sparse row does."""
        idf = self._idf[ids].tolist()
        w = [q * f for q, f in zip(qtf, idf, strict=True)]
        total = 0.0
        for x in w:
            total += x * x
        norm = math.sqrt(total)
        return [x / norm * f for x, f in zip(w, idf, strict=True)]

    def _plan_short(self, tokens: list[str], counts: Counter[str]) -> _Plan:
        """:meth:`_plan` for a query of a few terms: plain Python beats setting up arrays."""
        ids: list[int] = []
        qtf: list[int] = []
        for term in sorted(counts):
            i = self._vocab.live_id(term)
            if i is not None:
                ids.append(i)
                qtf.append(counts[term])
        if not ids:
            return _Plan([], [], np.zeros(0, dtype=np.int64), 0)
        pairs = dict.fromkeys(zip(tokens, tokens[1:], strict=False))
        width = len(self._vocab)
        codes: set[int] = set()
        for first, second in pairs:
            a, b = self._vocab.live_id(first), self._vocab.live_id(second)
            if a is not None and b is not None:
                codes.add(a * width + b)
        coefs = self._weights(ids, qtf)
        return _Plan(ids, coefs, np.array(sorted(codes), dtype=np.int64), len(pairs))

    def _cosine(self, plan: _Plan) -> FloatArray:
        if len(plan.ids) <= SHORT_QUERY:
            return self._cosine_short(plan)
        return self._cosine_long(plan)

    def _cosine_short(self, plan: _Plan) -> FloatArray:
        """:meth:`_cosine_long` for a few terms: the same postings, in the same order, with a
        slice per term instead of arrays of positions."""
        view = self._view
        assert view is not None
        acc = np.zeros(view.n_rows, dtype=np.float64)
        for seg, start in zip(self._segments, view.starts.tolist(), strict=True):
            indptr = seg.matrix.indptr
            post_rows = seg.matrix.indices
            counts = seg.counts
            rows_parts = []
            w_parts = []
            for t, coef in zip(plan.ids, plan.coefs, strict=True):
                if t >= seg.n_cols:
                    continue
                lo, hi = indptr[t], indptr[t + 1]
                if lo == hi:
                    continue
                rows_parts.append(post_rows[lo:hi])
                w_parts.append(coef * counts[lo:hi])
            if not rows_parts:
                continue
            acc[start : start + seg.n_rows] = np.bincount(
                np.concatenate(rows_parts), np.concatenate(w_parts), minlength=seg.n_rows
            )
        acc *= self._inv_norm
        return acc

    def _cosine_long(self, plan: _Plan) -> FloatArray:
        """Cosine similarity of every row (dense, tombstoned rows 0) with the query.

        Per segment, the postings of the query's terms are gathered in the plan's term order
        (each in row order) and summed per row with one ``bincount``: the same additions in
        the same order whatever the number of terms.
        """
        view = self._view
        assert view is not None
        acc = np.zeros(view.n_rows, dtype=np.float64)
        ids = np.array(plan.ids, dtype=np.int64)
        coefs = np.array(plan.coefs, dtype=np.float64)
        for seg, start in zip(self._segments, view.starts.tolist(), strict=True):
            indptr = seg.matrix.indptr
            inside = ids < seg.n_cols
            lo = indptr[ids[inside]]
            n = indptr[ids[inside] + 1] - lo
            some = n > 0
            lo, n, coef = lo[some], n[some], coefs[inside][some]
            if n.size == 0:
                continue
            at = _ranges(lo, n)  # positions of the postings, term by term
            weights = np.repeat(coef, n)
            weights *= seg.counts.take(at)
            rows = seg.matrix.indices.take(at)
            del at
            acc[start : start + seg.n_rows] = np.bincount(rows, weights, minlength=seg.n_rows)
        acc *= self._inv_norm
        return acc

    def _band(
        self,
        cos: FloatArray,
        plan: _Plan,
        view: _View,
        allowed_mask: NDArray[np.bool_] | None,
        limit: int,
        threshold: float,
        weight: float,
    ) -> tuple[IntArray, FloatArray]:
        """The rows that may be among this query's ``limit`` best, with their final scores.

        A final score is never below the cosine, so the ``limit`` best rows by cosine all
        score at least ``low``, the smallest of their cosines: a row whose best possible
        final score is below ``low`` is beaten by at least ``limit`` rows and is left out;
        so are rows that cannot reach the threshold. The best possible score is first taken
        with full coverage (``ranking.lowest_cosine``, a cosine floor), then with the coverage
        a row can at most reach (``ranking.coverage_bound``: a row of ``n`` tokens holds at
        most ``n - 1`` of the query's bigrams), which keeps the band small for long queries.
        When that still leaves many rows, the ``limit`` best rows by cosine are re-ranked
        first: they all score at least the smallest of their final scores, a ``low`` at
        least as high as their smallest cosine. The rest (the band) get their final score
        in one pass.

        Several queries: a chunk's score is the max over the queries, taken here only over
        the queries whose band holds the chunk. That is exact for every chunk of the answer:
        if query ``q`` left chunk ``r`` out, ``score_q(r) < low_q``; so either the max is
        reached elsewhere anyway (another score is >= ``low_q``), or all of ``r``'s scores
        are below ``low_q`` and the ``limit`` chunks of ``q``'s top beat ``r``, which is
        then not in the answer (with its true score it would not be either).
        """
        w = weight if weight > 0 and plan.bigrams.size > 0 else 0.0
        floor = max(ranking.lowest_cosine(threshold, w) - _EPS, 0.0) if threshold > 0 else 0.0
        if allowed_mask is not None:
            cos *= allowed_mask[view.doc_num]  # rows of other documents score 0: never kept
        low = 0.0
        if cos.size > limit:
            low = float(np.partition(cos, cos.size - limit)[cos.size - limit])
            floor = max(floor, ranking.lowest_cosine(low, w) - _EPS)
        cand = np.flatnonzero(cos > floor)
        if w > 0 and cand.size > limit and plan.n_bigrams > LONG_QUERY_BIGRAMS:
            # A long query: a tighter bound. A row's coverage is at most its number of
            # adjacent pairs over the query's number of bigrams (a small fraction), so its
            # score at most ``bound``; it must reach both ``low`` and the threshold. (For a
            # short query the bound is about 1 and would only cost time.)
            cap = ranking.coverage_bound(view.n_tokens[cand], plan.bigrams.size, plan.n_bigrams)
            bound = ranking.boost(cos[cand], cap, w)
            keep = bound > max(low, threshold) - _EPS
            cand, bound = cand[keep], bound[keep]
            if cand.size > 2 * limit + _FIRST_PASS_MIN:
                # The ``limit`` best rows by cosine (all in ``cand``) score at least the
                # smallest of their final scores: a ``low`` at least as high, often much
                # higher when the query's wording occurs in them.
                top = cand[np.argpartition(cos[cand], cand.size - limit)[cand.size - limit :]]
                top.sort()
                low = max(low, float(self._final(top, cos, plan, w).min()))
                cand = cand[bound > max(low, threshold) - _EPS]
        return cand, self._final(cand, cos, plan, w)

    def _final(self, rows: IntArray, cos: FloatArray, plan: _Plan, weight: float) -> FloatArray:
        """Final scores of ``rows`` (sorted) for one query: the cosine, boosted if ``weight``."""
        scores = cos[rows]
        if weight == 0 or rows.size == 0:
            return scores
        tokens, ends = self._gather(rows)
        coverage = ranking.bigram_coverage(
            tokens, ends, plan.bigrams, plan.n_bigrams, len(self._vocab)
        )
        return ranking.boost(scores, coverage, weight)

    def _gather(self, rows: IntArray) -> tuple[NDArray[np.int32], IntArray]:
        """The token sequences of ``rows`` (sorted, global) laid end to end, and where each
        row's sequence ends."""
        view = self._view
        assert view is not None
        which = np.searchsorted(view.starts, rows, side="right") - 1
        parts: list[NDArray[np.int32]] = []
        lens: list[IntArray] = []
        one = which[0] == which[-1]
        for k in range(int(which[0]), int(which[-1]) + 1):
            local = (rows if one else rows[which == k]) - view.starts[k]
            if local.size == 0:
                continue
            seg = self._segments[k]
            first = seg.tok_ptr[local]
            n = seg.tok_ptr[local + 1] - first
            ends = n.cumsum()
            at = np.arange(int(ends[-1]), dtype=np.int64)
            at += np.repeat(first - (ends - n), n)
            parts.append(seg.tokens.take(at))
            lens.append(n)
        tokens = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return tokens, (lens[0] if len(lens) == 1 else np.concatenate(lens)).cumsum()

    def _prepare(self) -> None:
        """Seal pending chunks and refresh the caches a search needs."""
        if self._pending:
            self._seal()
        if self._view is None:
            self._view = self._build_view()
        if self._weights_version != self._version:
            self._refresh_weights()

    def _build_view(self) -> _View:
        sizes = np.array([s.n_rows for s in self._segments], dtype=np.int64)
        starts = np.zeros(sizes.size, dtype=np.int64)
        if sizes.size:
            np.cumsum(sizes[:-1], out=starts[1:])

        def cat(arrays: list[IntArray]) -> IntArray:
            return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)

        return _View(
            starts=starts,
            n_rows=int(sizes.sum()),
            doc_num=cat([s.doc_num for s in self._segments]),
            chunk=cat([s.chunk for s in self._segments]),
            order=cat([s.order for s in self._segments]),
            n_tokens=cat([np.diff(s.tok_ptr) for s in self._segments]),
        )

    def _refresh_weights(self) -> None:
        n = self._n_chunks
        df = self._vocab.df
        # exactly scikit-learn's expression (smooth_idf=True), for bit-identical idf values
        self._idf = np.log(float(n + 1) / (df + 1).astype(np.float64)) + 1.0
        idf2 = self._idf * self._idf
        parts = []
        for seg in self._segments:
            norm2 = np.asarray(seg.matrix @ idf2[: seg.n_cols], dtype=np.float64)
            inv = np.zeros(seg.n_rows, dtype=np.float64)
            ok = seg.alive & (norm2 > 0)
            inv[ok] = 1.0 / np.sqrt(norm2[ok])
            parts.append(inv)
        self._inv_norm = np.concatenate(parts) if parts else np.zeros(0)
        self._weights_version = self._version

    def _seal(self) -> None:
        docs = list(self._pending.values())
        self._pending.clear()
        self._pending_rows = 0
        if not docs:
            return
        seg = build_segment(docs, len(self._vocab))
        self._adopt(seg)
        self._segments.append(seg)
        segs = self._segments
        while len(segs) >= 2 and segs[-2].live_rows <= segs[-1].live_rows:
            merged = merge_segments(segs[-2:], len(self._vocab))
            segs[-2:] = [merged]
            self._adopt(merged)
        self._view = None

    def _compact(self, seg: Segment) -> None:
        i = next(k for k, s in enumerate(self._segments) if s is seg)
        if seg.live_rows == 0:
            del self._segments[i]
        else:
            new = merge_segments([seg], len(self._vocab))
            self._segments[i] = new
            self._adopt(new)
        self._view = None

    def _drop_dead_terms(self) -> None:
        """Renumber the vocabulary without its dead terms (after compacting every segment)."""
        for seg in [s for s in self._segments if s.dead]:
            self._compact(seg)
        keep, remap = self._vocab.compact()
        self._segments = [renumber_terms(s, keep, remap) for s in self._segments]
        for seg in self._segments:
            self._adopt(seg)
        for num, pending in self._pending.items():
            self._pending[num] = PendingDoc(
                num, pending.order, remap[pending.tokens].astype(np.int32), pending.lens
            )
        self._view = None
        self._weights_version = -1

    def _adopt(self, seg: Segment) -> None:
        for num in seg.docs:
            self._by_num[num].segment = seg


def _ranges(starts: IntArray, lens: IntArray) -> IntArray:
    """``arange(starts[i], starts[i] + lens[i])`` for every ``i``, concatenated (``lens`` > 0):
    one array, built with a cumulative sum of steps."""
    out = np.ones(int(lens.sum()), dtype=np.int64)
    out[0] = starts[0]
    out[np.cumsum(lens[:-1])] = starts[1:] - (starts[:-1] + lens[:-1] - 1)
    np.cumsum(out, out=out)
    return out


def _first(pair: tuple[str, int | None]) -> str:
    return pair[0]


def _max_per_row(rows: IntArray, scores: FloatArray) -> tuple[IntArray, FloatArray]:
    """Distinct ``rows`` (sorted) with the max of their ``scores``."""
    order = np.lexsort((-scores, rows))
    rows, scores = rows[order], scores[order]
    first = np.ones(rows.size, dtype=np.bool_)
    np.not_equal(rows[1:], rows[:-1], out=first[1:])
    return rows[first], scores[first]
