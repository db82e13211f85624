"""Relevance evaluation of the search engine on a small labelled set.

A relevance set is a directory holding ``docs/<slug>.md`` (one document per file) and
``queries.json``: ``[{"query": "...", "expected": "<slug>.md"}, ...]``. Each document is
split into paragraph chunks (:func:`split_paragraphs`), indexed in a fresh
:class:`~vsmock.search.index.SearchIndex` (file name = doc id, documents added in file-name
order), and every query is searched over all chunks. Documents are ranked by their best
chunk (the order of first appearance in the hit list); a query's reciprocal rank is
``1 / rank`` of its expected document (0 when it is not found).

* precision@1 = fraction of queries whose top document is the expected one;
* MRR = mean reciprocal rank.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vsmock.search.index import Hit, SearchIndex
from vsmock.search.rewrite import rewrite_query

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "relevance"


@dataclass(frozen=True)
class RelevanceCase:
    query: str
    expected: str  # document name, e.g. "return-policy.md"


@dataclass(frozen=True)
class RelevanceResult:
    precision_at_1: float
    mrr: float
    ranks: tuple[int | None, ...]  # rank of the expected document per case (None: not found)
    misses: tuple[tuple[str, str, str | None], ...]  # (query, expected, top document) if wrong


def load_relevance_set(
    directory: Path | str = DEFAULT_DIR,
) -> tuple[dict[str, str], list[RelevanceCase]]:
    """(document name -> text, cases) of the relevance set in ``directory``."""
    root = Path(directory)
    docs = {p.name: p.read_text(encoding="utf-8") for p in sorted((root / "docs").glob("*.md"))}
    raw = json.loads((root / "queries.json").read_text(encoding="utf-8"))
    cases = [RelevanceCase(str(c["query"]), str(c["expected"])) for c in raw]
    return docs, cases


def split_paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs of ``text`` (blocks separated by blank lines).

    A block made only of Markdown heading lines (``# ...``) is glued to the next block, so a
    title is indexed with the paragraph it introduces rather than as a tiny chunk of its own.
    """
    chunks: list[str] = []
    heading = ""
    for block in (b.strip() for b in re.split(r"\n\s*\n", text)):
        if not block:
            continue
        if all(line.lstrip().startswith("#") for line in block.splitlines()):
            heading = f"{heading}\n{block}" if heading else block
            continue
        chunks.append(f"{heading}\n{block}" if heading else block)
        heading = ""
    if heading:
        chunks.append(heading)
    return chunks


def rank_documents(hits: Sequence[Hit]) -> list[str]:
    """Distinct document ids in order of their best hit."""
    return list(dict.fromkeys(h.doc_id for h in hits))


def precision_and_mrr(
    rankings: Sequence[Sequence[str]], expected: Sequence[str]
) -> tuple[float, float]:
    """(precision@1, MRR) of document rankings against the expected documents."""
    if not expected:
        return 0.0, 0.0
    p1 = sum(1 for r, e in zip(rankings, expected, strict=True) if r and r[0] == e)
    rr = sum(
        1.0 / (list(r).index(e) + 1) if e in r else 0.0
        for r, e in zip(rankings, expected, strict=True)
    )
    return p1 / len(expected), rr / len(expected)


def build_index(docs: Mapping[str, str]) -> SearchIndex:
    index = SearchIndex()
    for order, name in enumerate(sorted(docs)):
        index.add(name, split_paragraphs(docs[name]), order)
    return index


def evaluate(
    docs: Mapping[str, str],
    cases: Sequence[RelevanceCase],
    *,
    ranker: str = "auto",
    rewrite: bool = False,
) -> RelevanceResult:
    """Precision@1 and MRR of the engine on ``cases`` (see the module docstring)."""
    index = build_index(docs)
    limit = max(len(index), 1)
    rankings = []
    for case in cases:
        query = rewrite_query(case.query) if rewrite else case.query
        hits = index.search([query], allowed=None, limit=limit, ranker=ranker)
        rankings.append(rank_documents(hits))
    expected = [c.expected for c in cases]
    p1, mrr = precision_and_mrr(rankings, expected)
    ranks = tuple(
        r.index(e) + 1 if e in r else None for r, e in zip(rankings, expected, strict=True)
    )
    misses = tuple(
        (c.query, c.expected, r[0] if r else None)
        for c, r in zip(cases, rankings, strict=True)
        if not r or r[0] != c.expected
    )
    return RelevanceResult(p1, mrr, ranks, misses)
