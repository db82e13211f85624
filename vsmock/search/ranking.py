"""Rankers: how a chunk's final score is derived from its TF-IDF cosine similarity.

``none``
    The plain cosine similarity between the query's and the chunk's TF-IDF vectors
    (exactly what ``TfidfVectorizer`` + ``cosine_similarity`` give).

``auto`` and ``default-2024-11-15`` (the same ranker)
    The cosine ``c`` plus a deterministic phrase boost::

        score = c + PHRASE_WEIGHT * coverage * c * (1 - c)

    where ``coverage`` in [0, 1] is the fraction of the query's distinct bigrams (pairs of
    adjacent analyzer tokens, stop words included) that occur as contiguous token pairs in
    the chunk. A query with a single token has no bigrams and keeps ``score = c``. The boost
    never changes a zero score, keeps the score in [0, 1] (for ``c`` in [0, 1] and
    ``PHRASE_WEIGHT`` <= 1), is increasing in both ``c`` and ``coverage`` (so a better cosine
    or a better phrase match never lowers the score), and is at most
    ``PHRASE_WEIGHT / 4``: it reorders near-ties in favour of chunks containing the query's
    wording, it does not let a weak match overtake a much stronger one.

Both are pure functions of the cosine and the token sequences, so both are deterministic.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray

from vsmock.search.arrays import unique

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

RANKERS: Final = ("none", "auto", "default-2024-11-15")
PHRASE_WEIGHT: Final = 0.2


def phrase_weight(ranker: str) -> float:
    """The phrase-boost weight of ``ranker``; ValueError for an unknown ranker."""
    if ranker == "none":
        return 0.0
    if ranker in ("auto", "default-2024-11-15"):
        return PHRASE_WEIGHT
    raise ValueError(f"unknown ranker {ranker!r}; expected one of {', '.join(RANKERS)}")


def boost(cos: FloatArray, coverage: FloatArray | float, weight: float) -> FloatArray:
    """Final score from cosine and bigram coverage (see the module docstring)."""
    return cos + weight * coverage * cos * (1.0 - cos)


def lowest_cosine(score: float, weight: float) -> float:
    """The smallest cosine whose best score (``boost`` at full coverage) reaches ``score``
    (for ``score`` in [0, 1]).

    The best score is increasing on [0, 1] for ``weight`` < 1, so ``boost(c, 1) >= score``
    exactly when ``c >= lowest_cosine(score, weight)``: the inverse of
    ``c + weight * c * (1 - c)``, i.e. the smaller root of ``weight*c**2 - (1+weight)*c + score``.
    """
    if weight == 0:
        return score
    b = 1.0 + weight
    disc = max(b * b - 4.0 * weight * score, 0.0)
    return (2.0 * score) / (b + math.sqrt(disc))  # stable form of (b - sqrt(disc)) / (2 weight)


FEW_BIGRAMS: Final = 6  # up to this many query bigrams, one pass per bigram is faster


def bigram_coverage(
    tokens: NDArray[np.int32], ends: IntArray, codes: IntArray, total: int, width: int
) -> FloatArray:
    """Per row, the fraction of the ``total`` query bigrams found in that row.

    ``tokens`` are the token-id sequences of the rows laid end to end, ``ends`` where each
    row's sequence ends (cumulative lengths); ``codes`` the sorted, distinct codes
    ``first * width + second`` of the query bigrams made of known terms (``total`` counts
    all of the query's distinct bigrams, known or not).

    Time O(T log Q) for T tokens and Q codes (O(T) passes for at most ``FEW_BIGRAMS``
    codes): every adjacent pair of the rows is looked up once among the sorted codes, and
    the distinct (row, bigram) matches are counted with one sort.
    """
    out = np.zeros(ends.size, dtype=np.float64)
    if total == 0 or codes.size == 0 or tokens.size < 2:
        return out
    firsts, seconds = tokens[:-1], tokens[1:]
    if codes.size <= FEW_BIGRAMS:
        for code in codes.tolist():
            a, b = divmod(code, width)
            at = np.flatnonzero((firsts == a) & (seconds == b))
            if at.size == 0:
                continue
            rows = np.searchsorted(ends, at, side="right")
            # A pair made of the last token of a row and the first of the next is no bigram.
            inside = at + 1 < ends[rows]
            out[rows[inside]] += 1.0  # a row holding the bigram twice counts it once
        return out / float(total)
    # Only pairs whose first token starts a query bigram can match (one gather).
    starts = np.zeros(width, dtype=np.bool_)
    starts[codes // width] = True
    at = np.flatnonzero(starts[firsts])
    pairs = firsts[at].astype(np.int64)
    pairs *= width
    pairs += seconds[at]
    pos = np.searchsorted(codes, pairs)
    np.minimum(pos, codes.size - 1, out=pos)
    found = codes[pos] == pairs
    at, pos = at[found], pos[found]
    rows = np.searchsorted(ends, at, side="right")
    inside = at + 1 < ends[rows]  # not the last token of a row followed by the next row's first
    keys = unique(rows[inside] * codes.size + pos[inside])  # distinct (row, bigram)
    counts = np.bincount(keys // codes.size, minlength=ends.size)
    return counts / float(total)


def coverage_bound(n_tokens: IntArray, known: int, total: int) -> FloatArray:
    """An upper bound of :func:`bigram_coverage` for rows of ``n_tokens`` tokens.

    A row of ``n`` tokens holds at most ``n - 1`` distinct bigrams, and only the ``known``
    query bigrams made of known terms can be among them. The bound is computed like the
    coverage itself (a count divided by ``float(total)``), so it is never below it.
    """
    if total == 0:
        return np.zeros(n_tokens.size, dtype=np.float64)
    count = np.clip(n_tokens - 1, 0, known)
    return count / float(total)
