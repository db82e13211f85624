"""Searching a vector store: filters on attributes, then TF-IDF ranking of chunks.

Result items are grouped per file, as the retrieval guide's example shows: the
``max_num_results`` best chunks (score above the threshold) are picked, then
grouped by file in the order of each file's best chunk; an item's ``score`` is
its best chunk's score and its ``content`` lists its picked chunks, best first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vsmock.backend.state import BackendState, operation
from vsmock.contract.json_types import JsonObject
from vsmock.errors import InvalidRequest
from vsmock.search.filters import FilterError, matches, validate_filter


def search_queries(body: JsonObject) -> tuple[list[str], list[str]]:
    """(queries as sent, queries to search with)."""
    query = body["query"]
    queries = [query] if isinstance(query, str) else list(query)
    if not queries:
        raise InvalidRequest(
            "Invalid 'query': empty array. Expected an array with minimum length 1.",
            param="query",
            code="empty_array",
        )
    if body.get("rewrite_query"):
        from vsmock.search.rewrite import rewrite_query  # scikit-learn's stop words: on first use

        return queries, [rewrite_query(q) for q in queries]
    return queries, queries


def checked_filters(filters: Any, param: str) -> None:
    """Refuse a filter the search cannot apply (400, naming where it is wrong)."""
    try:
        validate_filter(filters, param)
    except FilterError as exc:
        raise InvalidRequest(exc.message, param=exc.param, code="invalid_value") from None


@dataclass(frozen=True)
class ChunkHit:
    """One chunk a search found, with what a result shows of its file."""

    file_id: str
    filename: str
    score: float
    attributes: JsonObject
    text: str


class SearchMixin(BackendState):
    def _filtered_files(self, vs_id: str, filters: JsonObject) -> set[str] | None:
        """The completed files of ``vs_id`` whose attributes pass ``filters``; None if all do.

        The index holds exactly the store's completed files (state.py adds a file when it
        completes and removes it when it is dropped), so None means "no restriction" and
        spares the index the per-file lookups of an explicit allow-list.
        """
        allowed = {
            vsf["id"]
            for vsf in self.vsf_table(vs_id).values()
            if vsf["status"] == "completed" and matches(filters, vsf["attributes"] or {})
        }
        return None if len(allowed) == self.status_counts(vs_id)["completed"] else allowed

    def _search_chunks(
        self,
        vs_id: str,
        queries: list[str],
        *,
        filters: JsonObject | None,
        limit: int,
        ranking: JsonObject,
    ) -> list[ChunkHit]:
        """The ``limit`` best chunks of a live store's completed files, best first (filters
        already checked). The caller settles the store, and marks it active."""
        table = self.vsf_table(vs_id)
        allowed = None if filters is None else self._filtered_files(vs_id, filters)
        hits = self._index_of(vs_id).search(
            queries,
            allowed=allowed,
            limit=limit,
            score_threshold=float(ranking.get("score_threshold", 0.0)),
            ranker=ranking.get("ranker", "auto"),
        )
        found: list[ChunkHit] = []
        files = self.files_table
        for hit in hits:
            vsf = table.peek(hit.doc_id)
            if vsf is None or vsf["status"] != "completed":  # never, by the invariant above
                continue
            upload = files.peek(hit.doc_id)
            texts = self._chunks_of(vs_id, hit.doc_id)
            found.append(
                ChunkHit(
                    file_id=hit.doc_id,
                    filename=upload["filename"] if upload else "",
                    score=hit.score,
                    attributes=vsf.get("attributes") or {},
                    text=texts[hit.chunk],
                )
            )
        return found

    @operation
    def search_vector_store(self, *, vector_store_id: str, body: JsonObject) -> JsonObject:
        store = self._live_store(vector_store_id)
        self.commit()  # files that time has finished are searched
        filters = body.get("filters")
        if filters is not None:
            checked_filters(filters, "filters")
        _, searched = search_queries(body)
        hits = self._search_chunks(
            vector_store_id,
            searched,
            filters=filters,
            limit=body.get("max_num_results", 10),
            ranking=body.get("ranking_options") or {},
        )
        items: dict[str, JsonObject] = {}
        for hit in hits:
            item = items.get(hit.file_id)
            if item is None:
                item = items[hit.file_id] = {
                    "file_id": hit.file_id,
                    "filename": hit.filename,
                    "score": hit.score,
                    "attributes": hit.attributes,
                    "content": [],
                }
            item["content"].append({"type": "text", "text": hit.text})
        self._touch(store)
        return {
            "object": "vector_store.search_results.page",
            "search_query": searched,
            "data": list(items.values()),
            "has_more": False,
            "next_page": None,
        }
