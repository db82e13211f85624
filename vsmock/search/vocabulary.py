"""Term ids and document frequencies of one index.

Term ids are dense integers handed out in order of first appearance. A term whose document
frequency (number of live chunks containing it) falls to zero is *dead*: it stays in the
table (so a re-added word gets its old id back) until :meth:`Vocabulary.compact` renumbers
the live terms. Compaction keeps the relative order of the surviving ids, so the order in
which per-term contributions are summed (and hence every float) is unchanged by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

import numpy as np
from numpy.typing import NDArray

from vsmock.search.arrays import unique_counts

IntArray = NDArray[np.int64]


class Vocabulary:
    """Mapping term -> id plus a document-frequency array, with live/dead bookkeeping."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._df: IntArray = np.zeros(1024, dtype=np.int64)
        self._live = 0

    def __len__(self) -> int:
        """Number of ids handed out (live and dead)."""
        return len(self._ids)

    @property
    def live(self) -> int:
        """Number of terms with a document frequency above zero."""
        return self._live

    @property
    def dead(self) -> int:
        """Number of ids whose document frequency is zero."""
        return len(self._ids) - self._live

    @property
    def df(self) -> IntArray:
        """Document frequencies indexed by term id (a view; do not modify)."""
        return self._df[: len(self._ids)]

    def assign(self, tokens: Sequence[str]) -> NDArray[np.int32]:
        """Ids of ``tokens`` (one per token, in order), adding unseen terms.

        New terms get ids in order of first appearance in ``tokens``, so ids (and the
        float summation orders that follow them) do not depend on string hashing.
        """
        ids = self._ids
        out = np.array(list(map(ids.get, tokens, repeat(-1))), dtype=np.int32)
        missing = np.flatnonzero(out < 0)
        if missing.size:
            for i in missing.tolist():
                out[i] = ids.setdefault(tokens[i], len(ids))
            if len(ids) > self._df.size:
                grown = np.zeros(max(len(ids), 2 * self._df.size), dtype=np.int64)
                grown[: self._df.size] = self._df
                self._df = grown
        return out

    def live_id(self, term: str) -> int | None:
        """Id of ``term`` if it occurs in at least one live chunk, else None."""
        i = self._ids.get(term)
        if i is None or self._df[i] == 0:
            return None
        return i

    def increment(self, ids: NDArray[np.integer]) -> None:
        """Count one more chunk for every entry of ``ids`` (one entry per (chunk, term))."""
        if ids.size == 0:
            return
        u, c = unique_counts(ids)
        self._live += int(np.count_nonzero(self._df[u] == 0))
        self._df[u] += c

    def decrement(self, ids: NDArray[np.integer]) -> None:
        """Inverse of :meth:`increment`."""
        if ids.size == 0:
            return
        u, c = unique_counts(ids)
        self._df[u] -= c
        self._live -= int(np.count_nonzero(self._df[u] == 0))

    def compact(self) -> tuple[IntArray, IntArray]:
        """Drop dead terms and renumber the live ones, keeping their relative order.

        Returns ``(keep, remap)``: ``keep`` lists the old ids that survive (ascending; new id
        ``j`` is old id ``keep[j]``) and ``remap[old] = new`` (-1 for dropped ids).
        """
        size = len(self._ids)
        df = self._df[:size]
        keep = np.flatnonzero(df > 0).astype(np.int64)
        remap = np.full(size, -1, dtype=np.int64)
        remap[keep] = np.arange(keep.size, dtype=np.int64)
        table = remap.tolist()
        self._ids = {t: table[i] for t, i in self._ids.items() if table[i] >= 0}
        new_df = np.zeros(max(1024, 2 * keep.size), dtype=np.int64)
        new_df[: keep.size] = df[keep]
        self._df = new_df
        return keep, remap
