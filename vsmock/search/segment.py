"""Immutable index segments (the unit of the log-structured index in :mod:`.index`).

A segment holds a batch of chunks in two forms:

* ``matrix``: a :class:`Postings` (scipy's compressed-sparse-column layout, in numpy
  arrays) of shape (rows, terms) whose data are the *squared* raw term counts. Column ``t``
  is the postings list of term ``t`` (row ids ascending), so a query reads only the column
  slices of its own terms; the count itself is recovered exactly with ``sqrt`` (counts are
  small integers; ``counts`` keeps them once a search needs them). ``matrix @ idf**2``
  gives every row's squared TF-IDF norm in one vectorised pass, summed in term-id order.
* ``tokens``/``tok_ptr``: the token-id sequence of every row (CSR-like), used for phrase
  (bigram) matching by the re-ranker and for document-frequency bookkeeping on removal.

Apart from the ``alive`` mask (tombstones), the ``dead`` counter and the ``docs`` table,
a segment is never modified: merging or compacting builds a new one in time linear in the
input (no sorting of postings: columns are concatenated with a counting scatter).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from vsmock.search.arrays import unique, unique_counts

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Postings:
    """A sparse (rows, terms) matrix in scipy's compressed-sparse-column layout: column ``t``
    holds the rows ``indices[indptr[t]:indptr[t + 1]]`` (ascending) with values
    ``data[indptr[t]:indptr[t + 1]]``. The index needs the layout and one product, not
    scipy: loading ``scipy.sparse`` would cost the first search of a server 60 ms."""

    data: FloatArray
    indices: NDArray[np.int32]
    indptr: IntArray
    shape: tuple[int, int]

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1])

    def __matmul__(self, vector: FloatArray) -> FloatArray:
        """Each row's sum of value × ``vector[term]``, accumulated entry by entry in storage
        order, from zero: exactly the sums (bit for bit) of scipy's ``csc_matvec``."""
        n_rows, n_cols = self.shape
        per_entry = self.data * np.repeat(vector[:n_cols], np.diff(self.indptr))
        sums = np.bincount(self.indices, weights=per_entry, minlength=n_rows)
        return np.asarray(sums, dtype=np.float64)  # already float64 (weights): no copy


@dataclass(frozen=True)
class PendingDoc:
    """The chunks of one document waiting to be sealed into a segment."""

    doc_num: int
    order: int
    tokens: NDArray[np.int32]  # token ids of all chunks, concatenated
    lens: IntArray  # number of tokens of each chunk

    @property
    def n_chunks(self) -> int:
        return int(self.lens.size)


@dataclass(eq=False)
class Segment:
    matrix: Postings
    tokens: NDArray[np.int32]
    tok_ptr: IntArray
    doc_num: IntArray
    chunk: IntArray
    order: IntArray
    alive: NDArray[np.bool_]
    docs: dict[int, tuple[int, int]] = field(default_factory=dict)  # doc_num -> (start, count)
    dead: int = 0

    @property
    def n_rows(self) -> int:
        return int(self.doc_num.size)

    @property
    def n_cols(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def live_rows(self) -> int:
        return self.n_rows - self.dead

    @functools.cached_property
    def counts(self) -> FloatArray:
        """The raw term counts, aligned with ``matrix.data`` (made on the first search)."""
        return np.sqrt(self.matrix.data)

    @property
    def nbytes(self) -> int:
        m = self.matrix
        arrays = (m.data, m.indices, m.indptr, self.tokens, self.tok_ptr, self.doc_num)
        rest = (
            self.chunk,
            self.order,
            self.alive,
            *([self.__dict__["counts"]] if "counts" in self.__dict__ else []),
        )
        return sum(int(a.nbytes) for a in arrays + rest)


ROW_BATCH_TOKENS = 1 << 20  # tokens per batch of rows in the per-token integer work


def row_batches(lens: IntArray) -> Iterator[tuple[int, int]]:
    """Consecutive row ranges ``[lo, hi)`` of about ``ROW_BATCH_TOKENS`` tokens (at least one
    row each) covering rows of ``lens`` tokens: intermediate arrays of one token each stay
    small however big a document is."""
    ends = np.cumsum(lens)
    n, lo, done = int(lens.size), 0, 0
    while lo < n:
        hi = int(np.searchsorted(ends, done + ROW_BATCH_TOKENS, side="right"))
        hi = min(max(hi, lo + 1), n)
        yield lo, hi
        lo, done = hi, int(ends[hi - 1])


def distinct_per_row(tokens: NDArray[np.integer], lens: IntArray) -> Iterator[IntArray]:
    """Term ids with one entry per (row, distinct term), rows given by consecutive ``lens``,
    in batches of rows (see :func:`row_batches`); each batch's ids are sorted by row."""
    if tokens.size == 0:
        return
    ptr = np.zeros(lens.size + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    for lo, hi in row_batches(lens):
        part = tokens[ptr[lo] : ptr[hi]]
        if part.size == 0:
            continue
        width = int(part.max()) + 1
        codes = np.repeat(np.arange(hi - lo, dtype=np.int64), lens[lo:hi])
        codes *= width
        codes += part
        codes = unique(codes)
        codes %= width
        yield codes


def _docs_table(doc_num: IntArray) -> dict[int, tuple[int, int]]:
    if doc_num.size == 0:
        return {}
    change = np.empty(doc_num.size, dtype=np.bool_)
    change[0] = True
    np.not_equal(doc_num[1:], doc_num[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    counts = np.diff(starts, append=doc_num.size)
    return {
        int(d): (int(s), int(c))
        for d, s, c in zip(doc_num[starts].tolist(), starts.tolist(), counts.tolist(), strict=True)
    }


def _make(
    indptr: IntArray,
    rows: NDArray[np.int32],
    data: FloatArray,
    n_rows: int,
    n_cols: int,
    tokens: NDArray[np.int32],
    lens: IntArray,
    doc_num: IntArray,
    chunk: IntArray,
    order: IntArray,
) -> Segment:
    matrix = Postings(data, rows, indptr, (n_rows, n_cols))
    tok_ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(lens, out=tok_ptr[1:])
    return Segment(
        matrix=matrix,
        tokens=tokens,
        tok_ptr=tok_ptr,
        doc_num=doc_num,
        chunk=chunk,
        order=order,
        alive=np.ones(n_rows, dtype=np.bool_),
        docs=_docs_table(doc_num),
    )


def build_segment(docs: Sequence[PendingDoc], n_cols: int) -> Segment:
    """A segment holding the chunks of ``docs``, in order.

    The (term, row) counts are found batch of rows by batch of rows (:func:`row_batches`),
    each batch sorted by (term, row); the batches are then placed column by column with a
    counting scatter (as :func:`merge_segments` does), so rows stay ascending in every
    column, exactly as if all the rows had been sorted at once.
    """
    if len(docs) == 1:
        lens, tokens = docs[0].lens, docs[0].tokens.astype(np.int32, copy=False)
    else:
        lens = np.concatenate([d.lens for d in docs])
        tokens = np.concatenate([d.tokens for d in docs]).astype(np.int32, copy=False)
    n_rows = int(lens.size)
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    # per batch: (column, row, count) of its distinct (term, row) pairs, by (column, row)
    parts: list[tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]] = []
    per_col = np.zeros(n_cols, dtype=np.int64)
    for lo, hi in row_batches(lens):
        width = hi - lo
        codes = tokens[ptr[lo] : ptr[hi]].astype(np.int64)
        codes *= width
        codes += np.repeat(np.arange(width, dtype=np.int64), lens[lo:hi])
        codes, counts = unique_counts(codes)
        cols = (codes // width).astype(np.int32)
        codes %= width
        codes += lo
        per_col += np.bincount(cols, minlength=n_cols)
        parts.append((cols, codes.astype(np.int32), counts.astype(np.int32)))
        del codes, counts, cols
    indptr = np.zeros(n_cols + 1, dtype=np.int64)
    np.cumsum(per_col, out=indptr[1:])
    if len(parts) == 1:  # one batch: already in column order
        _, rows, part_counts = parts[0]
        data = part_counts.astype(np.float64) ** 2
    else:
        nnz = int(indptr[-1])
        rows = np.empty(nnz, dtype=np.int32)
        data = np.empty(nnz, dtype=np.float64)
        running = indptr[:-1].copy()
        for part_cols, part_rows, part_counts in parts:
            cnt = np.bincount(part_cols, minlength=n_cols)
            first = np.cumsum(cnt) - cnt  # position of each column's first entry in the part
            dest = np.arange(part_cols.size, dtype=np.int64)
            dest -= first[part_cols]
            dest += running[part_cols]
            rows[dest] = part_rows
            data[dest] = part_counts.astype(np.float64) ** 2
            running += cnt
    parts.clear()
    sizes = [d.n_chunks for d in docs]
    return _make(
        indptr,
        rows,
        data,
        n_rows,
        n_cols,
        tokens,
        lens,
        np.repeat(np.array([d.doc_num for d in docs], dtype=np.int64), sizes),
        np.concatenate([np.arange(n, dtype=np.int64) for n in sizes]),
        np.repeat(np.array([d.order for d in docs], dtype=np.int64), sizes),
    )


def merge_segments(segments: Sequence[Segment], n_cols: int) -> Segment:
    """One segment with the live rows of ``segments`` (in order); tombstoned rows are dropped.

    Linear in the input: each column of the result is the concatenation of that column in
    every input segment (row ids shifted), placed with a counting scatter, so row ids stay
    ascending within every column.
    """
    parts: list[tuple[IntArray, NDArray[np.int32], FloatArray]] = []
    tok_parts: list[NDArray[np.int32]] = []
    len_parts: list[IntArray] = []
    meta: list[tuple[IntArray, IntArray, IntArray]] = []
    offset = 0
    for seg in segments:
        m = seg.matrix
        col_len = np.diff(m.indptr).astype(np.int64)
        cols = np.repeat(np.arange(seg.n_cols, dtype=np.int64), col_len)
        rows: NDArray[np.integer] = m.indices
        data = m.data
        lens = np.diff(seg.tok_ptr)
        toks = seg.tokens
        alive = seg.alive
        if seg.dead:
            new_row = np.cumsum(alive, dtype=np.int64) - 1
            keep = alive[rows]
            cols, rows, data = cols[keep], new_row[rows[keep]], data[keep]
            toks = toks[np.repeat(alive, lens)]
            lens = lens[alive]
            meta.append((seg.doc_num[alive], seg.chunk[alive], seg.order[alive]))
        else:
            meta.append((seg.doc_num, seg.chunk, seg.order))
        parts.append((cols, (rows + offset).astype(np.int32), data))
        tok_parts.append(toks)
        len_parts.append(lens)
        offset += int(lens.size)
    n_rows = offset
    counts = [np.bincount(c, minlength=n_cols) for c, _, _ in parts]
    indptr = np.zeros(n_cols + 1, dtype=np.int64)
    np.cumsum(np.sum(counts, axis=0) if counts else np.zeros(n_cols, np.int64), out=indptr[1:])
    nnz = int(indptr[-1])
    out_rows = np.empty(nnz, dtype=np.int32)
    out_data = np.empty(nnz, dtype=np.float64)
    running = indptr[:-1].copy()
    for (cols, rows, data), cnt in zip(parts, counts, strict=True):
        if cols.size:
            first = np.cumsum(cnt) - cnt  # position of each column's first entry in `cols`
            dest = running[cols] + (np.arange(cols.size, dtype=np.int64) - first[cols])
            out_rows[dest] = rows
            out_data[dest] = data
        running += cnt
    return _make(
        indptr,
        out_rows,
        out_data,
        n_rows,
        n_cols,
        np.concatenate(tok_parts) if tok_parts else np.zeros(0, dtype=np.int32),
        np.concatenate(len_parts) if len_parts else np.zeros(0, dtype=np.int64),
        np.concatenate([m[0] for m in meta]) if meta else np.zeros(0, dtype=np.int64),
        np.concatenate([m[1] for m in meta]) if meta else np.zeros(0, dtype=np.int64),
        np.concatenate([m[2] for m in meta]) if meta else np.zeros(0, dtype=np.int64),
    )


def renumber_terms(seg: Segment, keep: IntArray, remap: IntArray) -> Segment:
    """``seg`` with term ids renumbered after :meth:`Vocabulary.compact`.

    ``seg`` must have no tombstones, so the dropped (dead) terms have empty columns and the
    kept columns stay contiguous: only ``indptr`` is subset and the token ids mapped.
    """
    assert seg.dead == 0, "compact the segment before renumbering its terms"
    m = seg.matrix
    nnz = int(m.indptr[-1])
    full = np.full(remap.size + 1, nnz, dtype=np.int64)
    full[: seg.n_cols] = m.indptr[: seg.n_cols]
    indptr = np.append(full[keep], nnz)
    matrix = Postings(m.data, m.indices, indptr, (seg.n_rows, int(keep.size)))
    tokens = remap[seg.tokens].astype(np.int32)
    return Segment(
        matrix=matrix,
        tokens=tokens,
        tok_ptr=seg.tok_ptr,
        doc_num=seg.doc_num,
        chunk=seg.chunk,
        order=seg.order,
        alive=seg.alive,
        docs=seg.docs,
    )
