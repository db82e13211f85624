"""Small numpy helpers.

``np.unique`` (hash-based in recent numpy) is an order of magnitude slower than a sort for
the small integer arrays handled on the write path, so these use a sort and a diff.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]


def unique(values: NDArray[np.integer]) -> IntArray:
    """Sorted distinct values of ``values`` (as int64)."""
    s = np.sort(values.astype(np.int64, copy=False))
    if s.size == 0:
        return s
    return s[_run_starts(s)]


def unique_counts(values: NDArray[np.integer]) -> tuple[IntArray, IntArray]:
    """Sorted distinct values of ``values`` and how many times each occurs."""
    s = np.sort(values.astype(np.int64, copy=False))
    if s.size == 0:
        return s, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(_run_starts(s))
    counts = np.diff(starts, append=s.size).astype(np.int64)
    return s[starts], counts


def _run_starts(s: IntArray) -> NDArray[np.bool_]:
    """Mask of the positions of a non-empty sorted array where a new value starts."""
    out = np.empty(s.size, dtype=np.bool_)
    out[0] = True
    np.not_equal(s[1:], s[:-1], out=out[1:])
    return out
