"""POST /vector_stores/{id}/search through the official SDK (and raw HTTP where bytes matter).

Covers every request parameter: filters (each operator, type-aware comparisons, the
missing-key rule, nested compounds), ``max_num_results``, ``ranking_options`` (threshold and
each ranker), query arrays, ``rewrite_query`` / ``search_query``, determinism to the byte,
chunk-level hits, which files are searchable, the 400s, and expired stores.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx
import openai
import pytest
from conftest import ServeProcess
from helpers import upload
from relevance import load_relevance_set

Attributes = dict[str, str | float | bool]

STATIC_100: Any = {
    "type": "static",
    "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 0},
}

# -------------------------------------------------------------------------------- helpers


def make_store(
    client: openai.OpenAI,
    docs: Mapping[str, tuple[str, Attributes | None]],
    chunking: Any = None,
) -> tuple[str, dict[str, str]]:
    """A store holding ``docs`` ({filename: (text, attributes)}), attached in that order.

    Returns (vector store id, {filename: file id}).
    """
    store = client.vector_stores.create(name="search tests")
    ids: dict[str, str] = {}
    for name, (text, attributes) in docs.items():
        file_id = upload(client, name, text).id
        extra: dict[str, Any] = {}
        if attributes is not None:
            extra["attributes"] = attributes
        if chunking is not None:
            extra["chunking_strategy"] = chunking
        vsf = client.vector_stores.files.create(vector_store_id=store.id, file_id=file_id, **extra)
        assert vsf.status == "completed", vsf
        ids[name] = file_id
    return store.id, ids


def check_page(results: Sequence[Any]) -> None:
    """What every search answer must satisfy: scores in (0, 1], sorted descending, and each
    item's content made of text chunks."""
    scores = [r.score for r in results]
    assert all(0 < s <= 1 for s in scores), scores
    assert scores == sorted(scores, reverse=True), scores
    for r in results:
        assert r.content and all(c.type == "text" and c.text for c in r.content), r


def found(client: openai.OpenAI, store_id: str, query: str | list[str], **params: Any) -> list[Any]:
    page = client.vector_stores.search(store_id, query=query, max_num_results=50, **params)
    check_page(page.data)
    return page.data


def names_of(results: Iterable[Any], ids: Mapping[str, str]) -> set[str]:
    by_id = {v: k for k, v in ids.items()}
    return {by_id[r.file_id] for r in results}


def bad_request(excinfo: pytest.ExceptionInfo[openai.BadRequestError]) -> dict[str, Any]:
    body = excinfo.value.body
    assert isinstance(body, dict), body
    assert excinfo.value.status_code == 400
    assert body["type"] == "invalid_request_error", body
    assert set(body) == {"message", "type", "param", "code"}, body
    return body


def filler_words(count: int, start: int = 0) -> list[str]:
    """Distinct-looking, deterministic filler (letters only, one token per word)."""
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    syllables = [c + v for c in consonants for v in vowels]
    return [
        syllables[(start + i) % len(syllables)] + syllables[(start + 3 * i + 1) % len(syllables)]
        for i in range(count)
    ]


# -------------------------------------------------------------------------------- filters

# One shared phrase so that every file matches the query; attributes differ.
FILTER_DOCS: dict[str, tuple[str, Attributes | None]] = {
    "a.md": ("The travel policy for the American office.", {"region": "us", "year": 2023,
                                                            "public": True, "score": 1.5}),
    "b.md": ("The travel policy for the European office.", {"region": "eu", "year": 2024,
                                                            "public": False}),
    "c.md": ("The travel policy for the Asian office.", {"region": "apac", "year": 2025,
                                                         "public": True, "tag": "x"}),
    "d.md": ("The travel policy for contractors.", None),  # no attributes at all
    "e.md": ("The travel policy for the Boston office.", {"region": "us", "year": "2024"}),
}  # fmt: skip


@pytest.fixture
def filter_store(client: openai.OpenAI) -> tuple[str, dict[str, str]]:
    return make_store(client, FILTER_DOCS)


def test_no_filter_finds_every_file(
    client: openai.OpenAI, filter_store: tuple[str, dict[str, str]]
) -> None:
    store_id, ids = filter_store
    results = found(client, store_id, "travel policy")
    assert names_of(results, ids) == set(FILTER_DOCS)
    by_name = {r.filename: r for r in results}
    assert by_name["a.md"].attributes == {"region": "us", "year": 2023, "public": True,
                                          "score": 1.5}  # fmt: skip
    assert by_name["d.md"].attributes == {}


COMPARISON_CASES: list[tuple[Any, set[str]]] = [
    # strings
    ({"type": "eq", "key": "region", "value": "us"}, {"a.md", "e.md"}),
    ({"type": "ne", "key": "region", "value": "us"}, {"b.md", "c.md", "d.md"}),
    ({"type": "gt", "key": "region", "value": "eu"}, {"a.md", "e.md"}),
    ({"type": "gte", "key": "region", "value": "eu"}, {"a.md", "b.md", "e.md"}),
    ({"type": "lt", "key": "region", "value": "eu"}, {"c.md"}),
    ({"type": "lte", "key": "region", "value": "eu"}, {"b.md", "c.md"}),
    ({"type": "in", "key": "region", "value": ["us", "eu"]}, {"a.md", "b.md", "e.md"}),
    ({"type": "nin", "key": "region", "value": ["us", "eu"]}, {"c.md", "d.md"}),
    # numbers (e.md's year is the STRING "2024": never equal to, nor ordered with, 2024)
    ({"type": "eq", "key": "year", "value": 2024}, {"b.md"}),
    ({"type": "eq", "key": "year", "value": 2024.0}, {"b.md"}),
    ({"type": "ne", "key": "year", "value": 2024}, {"a.md", "c.md", "d.md", "e.md"}),
    ({"type": "gt", "key": "year", "value": 2023}, {"b.md", "c.md"}),
    ({"type": "gte", "key": "year", "value": 2024}, {"b.md", "c.md"}),
    ({"type": "lt", "key": "year", "value": 2024}, {"a.md"}),
    ({"type": "lte", "key": "year", "value": 2024}, {"a.md", "b.md"}),
    ({"type": "lt", "key": "score", "value": 1.75}, {"a.md"}),
    ({"type": "in", "key": "year", "value": [2023, 2025]}, {"a.md", "c.md"}),
    ({"type": "nin", "key": "year", "value": [2023, 2024]}, {"c.md", "d.md", "e.md"}),
    ({"type": "eq", "key": "year", "value": "2024"}, {"e.md"}),
    ({"type": "in", "key": "year", "value": ["2024"]}, {"e.md"}),
    # booleans: equality only
    ({"type": "eq", "key": "public", "value": True}, {"a.md", "c.md"}),
    ({"type": "eq", "key": "public", "value": False}, {"b.md"}),
    ({"type": "ne", "key": "public", "value": True}, {"b.md", "d.md", "e.md"}),
    ({"type": "gte", "key": "public", "value": False}, set()),
    ({"type": "lt", "key": "public", "value": True}, set()),
    # a number never equals a boolean, nor a string that looks like it
    ({"type": "eq", "key": "public", "value": 1}, set()),
    ({"type": "eq", "key": "region", "value": 1}, set()),
    # missing key: only ne / nin match
    ({"type": "eq", "key": "missing", "value": "x"}, set()),
    ({"type": "gt", "key": "missing", "value": 0}, set()),
    ({"type": "in", "key": "missing", "value": ["x", 1]}, set()),
    ({"type": "ne", "key": "tag", "value": "x"}, {"a.md", "b.md", "d.md", "e.md"}),
    ({"type": "nin", "key": "tag", "value": ["y"]}, set(FILTER_DOCS)),
]


def mismatches(
    client: openai.OpenAI, store_id: str, ids: Mapping[str, str], cases: Sequence[Any]
) -> list[str]:
    """The filter cases whose results differ from what is expected (one store, many cases)."""
    wrong = []
    for filters, expected in cases:
        got = names_of(found(client, store_id, "travel policy", filters=filters), ids)
        if got != expected:
            wrong.append(f"{json.dumps(filters)}: got {sorted(got)}, expected {sorted(expected)}")
    return wrong


def test_comparison_filters(
    client: openai.OpenAI, filter_store: tuple[str, dict[str, str]]
) -> None:
    """Every operator on strings, numbers and booleans; types never mix; missing keys."""
    store_id, ids = filter_store
    assert mismatches(client, store_id, ids, COMPARISON_CASES) == []


NESTED_OR_AND_OR: Any = {
    "type": "or",
    "filters": [
        {
            "type": "and",
            "filters": [
                {"type": "eq", "key": "region", "value": "us"},
                {
                    "type": "or",
                    "filters": [
                        {"type": "eq", "key": "year", "value": 2023},
                        {"type": "eq", "key": "public", "value": False},
                    ],
                },
            ],
        },
        {
            "type": "and",
            "filters": [
                {"type": "eq", "key": "region", "value": "apac"},
                {"type": "ne", "key": "tag", "value": "y"},
            ],
        },
    ],
}

NESTED_AND_OR_AND: Any = {
    "type": "and",
    "filters": [
        {
            "type": "or",
            "filters": [
                {
                    "type": "and",
                    "filters": [
                        {"type": "gte", "key": "year", "value": 2023},
                        {"type": "lte", "key": "year", "value": 2025},
                    ],
                },
                {"type": "eq", "key": "region", "value": "us"},
            ],
        },
        {"type": "nin", "key": "region", "value": ["apac"]},
    ],
}

DEPTH_FOUR: Any = {
    "type": "and",
    "filters": [
        {
            "type": "or",
            "filters": [
                {
                    "type": "and",
                    "filters": [
                        {
                            "type": "or",
                            "filters": [
                                {"type": "eq", "key": "public", "value": True},
                                {"type": "eq", "key": "year", "value": "2024"},
                            ],
                        },
                        {"type": "ne", "key": "region", "value": "apac"},
                    ],
                },
                {"type": "eq", "key": "missing", "value": 1},
            ],
        },
        {"type": "eq", "key": "region", "value": "us"},
    ],
}


COMPOUND_CASES: list[tuple[Any, set[str]]] = [
    (NESTED_OR_AND_OR, {"a.md", "c.md"}),
    (NESTED_AND_OR_AND, {"a.md", "b.md", "e.md"}),
    (DEPTH_FOUR, {"a.md", "e.md"}),
    ({"type": "and", "filters": [{"type": "eq", "key": "region", "value": "us"}]},
     {"a.md", "e.md"}),
    ({"type": "or", "filters": [{"type": "eq", "key": "region", "value": "xx"},
                                {"type": "eq", "key": "region", "value": "yy"}]}, set()),
]  # fmt: skip


def test_compound_filters(client: openai.OpenAI, filter_store: tuple[str, dict[str, str]]) -> None:
    """and / or nested three and four levels deep."""
    store_id, ids = filter_store
    assert mismatches(client, store_id, ids, COMPOUND_CASES) == []


def test_filters_run_before_ranking(client: openai.OpenAI) -> None:
    """A filter keeps the limit full: the best chunks AMONG the matching files are returned,
    even when files that fail the filter would have ranked higher."""
    docs: dict[str, tuple[str, Attributes | None]] = {
        f"hot-{i}.md": ("Zebra zebra zebra stripes.", {"kind": "hot"}) for i in range(5)
    }
    docs["cold.md"] = ("A single zebra among many other animals in the park.", {"kind": "cold"})
    store_id, ids = make_store(client, docs)
    filters: Any = {"type": "eq", "key": "kind", "value": "cold"}
    page = client.vector_stores.search(store_id, query="zebra", max_num_results=1, filters=filters)
    assert [r.file_id for r in page.data] == [ids["cold.md"]]


def test_filters_follow_attribute_updates(client: openai.OpenAI) -> None:
    store_id, ids = make_store(client, {"x.md": ("Travel policy.", {"region": "us"})})
    eu: Any = {"type": "eq", "key": "region", "value": "eu"}
    assert found(client, store_id, "travel", filters=eu) == []
    client.vector_stores.files.update(
        file_id=ids["x.md"], vector_store_id=store_id, attributes={"region": "eu"}
    )
    results = found(client, store_id, "travel", filters=eu)
    assert [r.file_id for r in results] == [ids["x.md"]]
    assert results[0].attributes == {"region": "eu"}


# -------------------------------------------------------------------------------- 400s


def _comparison(**fields: Any) -> Any:
    return fields


BAD_PARAMETERS: list[tuple[dict[str, Any], str]] = [
    ({"filters": _comparison(type="near", key="region", value="us")}, "filters"),
    ({"filters": {"type": "and", "filters": [_comparison(type="like", key="a", value=1)]}},
     "filters.filters[0]"),
    ({"filters": _comparison(type="eq", value="us")}, "filters"),  # missing key
    ({"filters": _comparison(type="eq", key="region")}, "filters"),  # missing value
    ({"filters": _comparison(type="in", key="region", value="us")}, "filters.value"),
    ({"filters": _comparison(type="nin", key="region", value=1)}, "filters.value"),
    ({"filters": _comparison(type="eq", key="region", value=["us"])}, "filters.value"),
    ({"filters": {"type": "or", "filters": [{"type": "and", "filters": [
        _comparison(type="in", key="region", value="us")]}]}},
     "filters.filters[0].filters[0].value"),
    ({"filters": {"type": "and", "filters": []}}, "filters.filters"),
    ({"filters": {"type": "and", "filters": "nope"}}, "filters"),
    ({"filters": "region = us"}, "filters"),
    ({"ranking_options": {"ranker": "bm25"}}, "ranking_options.ranker"),
    ({"ranking_options": {"score_threshold": 1.01}}, "ranking_options.score_threshold"),
    ({"ranking_options": {"score_threshold": -0.1}}, "ranking_options.score_threshold"),
    ({"ranking_options": {"hybrid_search": {"embedding_weight": 1}}},
     "ranking_options.hybrid_search"),
    ({"max_num_results": 0}, "max_num_results"),
    ({"max_num_results": 51}, "max_num_results"),
    ({"max_num_results": -3}, "max_num_results"),
    ({"query": []}, "query"),
    ({"extra_body": {"unknown_field": 1}}, "unknown_field"),
]  # fmt: skip


def test_bad_parameters_are_400s_naming_the_param(
    client: openai.OpenAI, filter_store: tuple[str, dict[str, str]]
) -> None:
    store_id, _ = filter_store
    wrong = []
    for params, param in BAD_PARAMETERS:
        call: dict[str, Any] = {"query": "travel policy", **params}
        with pytest.raises(openai.BadRequestError) as excinfo:
            client.vector_stores.search(store_id, **call)
        body = bad_request(excinfo)
        # param names the offending part of the request (a filter's part within "filters")
        if (
            not (body["param"] == param or body["param"].startswith(param + "."))
            or not body["code"]
        ):
            wrong.append(f"{json.dumps(params)}: {body}")
    assert wrong == []


def test_max_num_results_out_of_range_wording(
    client: openai.OpenAI, filter_store: tuple[str, dict[str, str]]
) -> None:
    store_id, _ = filter_store
    with pytest.raises(openai.BadRequestError) as excinfo:
        client.vector_stores.search(store_id, query="travel", max_num_results=51)
    body = bad_request(excinfo)
    assert body["param"] == "max_num_results"
    assert body["code"] == "integer_above_max_value"
    assert "50" in body["message"]


# -------------------------------------------------------------------------------- limits


def long_document(paragraphs: int = 60, needle_at: int | None = 30) -> str:
    """Filler paragraphs (each with the word 'report'); the needle phrase in the middle."""
    out = []
    for p in range(paragraphs):
        words = filler_words(40, start=7 * p)
        words.insert(20, "report")
        if p == needle_at:
            words[10:10] = ["the", "quantum", "marmalade", "protocol", "applies"]
        out.append(" ".join(words).capitalize() + ".")
    return "\n\n".join(out)


def test_max_num_results_counts_chunks(client: openai.OpenAI) -> None:
    store_id, ids = make_store(
        client,
        {"long.txt": (long_document(needle_at=None), None), "note.txt": ("A short report.", None)},
        chunking=STATIC_100,
    )
    content = client.vector_stores.files.content(file_id=ids["long.txt"], vector_store_id=store_id)
    n_chunks = len(content.data)
    assert n_chunks > 20

    def chunks_returned(**params: Any) -> tuple[int, int]:
        page = client.vector_stores.search(store_id, query="report", **params)
        check_page(page.data)
        return len(page.data), sum(len(r.content) for r in page.data)

    items, chunks = chunks_returned()
    assert chunks == 10 and items <= 2  # default: the 10 best chunks
    items, chunks = chunks_returned(max_num_results=1)
    assert (items, chunks) == (1, 1)
    items, chunks = chunks_returned(max_num_results=50)
    matching = sum("report" in (c.text or "").lower() for c in content.data)
    assert chunks == matching + 1  # every chunk holding the word, in both files
    assert items == 2


def test_score_threshold_drops_results_below_it(client: openai.OpenAI) -> None:
    docs: dict[str, tuple[str, Attributes | None]] = {
        f"doc-{i}.md": (" ".join(["zebra"] * (i + 1) + filler_words(8 - i, start=5 * i)), None)
        for i in range(6)
    }
    store_id, _ = make_store(client, docs)
    everything = found(client, store_id, "zebra")
    scores = [r.score for r in everything]
    assert len(scores) == 6 and len(set(scores)) == 6, scores
    threshold = (scores[2] + scores[3]) / 2
    kept = found(client, store_id, "zebra", ranking_options={"score_threshold": threshold})
    assert [r.file_id for r in kept] == [r.file_id for r in everything[:3]]
    assert all(r.score >= threshold for r in kept)
    exact = found(client, store_id, "zebra", ranking_options={"score_threshold": scores[1]})
    assert [r.score for r in exact] == scores[:2]  # the threshold itself is kept
    assert found(client, store_id, "zebra", ranking_options={"score_threshold": 0}) == everything
    above_all = min(1.0, scores[0] + 1e-6)
    if above_all > scores[0]:
        assert (
            found(client, store_id, "zebra", ranking_options={"score_threshold": above_all}) == []
        )


# -------------------------------------------------------------------------------- queries

ANIMALS: dict[str, tuple[str, Attributes | None]] = {
    "zebra.md": ("Zebras have black and white stripes.", None),
    "quokka.md": ("The quokka is a small marsupial that smiles.", None),
    "otter.md": ("Sea otters hold hands while they sleep.", None),
}


def test_query_array_combines_scores_by_max(client: openai.OpenAI) -> None:
    store_id, ids = make_store(client, ANIMALS)
    single = {
        q: {r.file_id: r.score for r in found(client, store_id, q)} for q in ("stripes", "quokka")
    }
    both = found(client, store_id, ["stripes", "quokka"])
    assert names_of(both, ids) == {"zebra.md", "quokka.md"}
    for r in both:
        assert r.score == max(s.get(r.file_id, 0.0) for s in single.values())

    # a file matching only the SECOND query is found
    second_only = found(client, store_id, ["nothing matches this", "quokka"])
    assert [r.file_id for r in second_only] == [ids["quokka.md"]]
    assert second_only[0].score == single["quokka"][ids["quokka.md"]]


def test_search_query_echoes_the_queries_without_rewriting(
    api: httpx.Client, client: openai.OpenAI
) -> None:
    store_id, _ = make_store(client, ANIMALS)
    for query, echoed in [
        ("What is a Quokka?", ["What is a Quokka?"]),
        (["What is a Quokka?", "STRIPES!"], ["What is a Quokka?", "STRIPES!"]),
    ]:
        for extra in ({}, {"rewrite_query": False}):
            body = api.post(f"/vector_stores/{store_id}/search", json={"query": query, **extra})
            assert body.status_code == 200, body.text
            assert body.json()["search_query"] == echoed
    page = client.vector_stores.search(store_id, query="What is a Quokka?")
    assert page.search_query == ["What is a Quokka?"]  # type: ignore[attr-defined]


def test_rewrite_query_returns_and_uses_the_rewritten_query(
    api: httpx.Client, client: openai.OpenAI
) -> None:
    docs = dict(ANIMALS)
    docs["wordy.md"] = ("What is it? It is what it is, and that is all there is to it.", None)
    store_id, ids = make_store(client, docs)
    query = "What is the quokka?"

    plain = found(client, store_id, query)
    assert ids["wordy.md"] in {r.file_id for r in plain}  # stop words match without rewriting

    page = client.vector_stores.search(store_id, query=query, rewrite_query=True)
    assert page.search_query == ["quokka"]  # type: ignore[attr-defined]
    assert [r.file_id for r in page.data] == [ids["quokka.md"]]

    # ranking used exactly the rewritten query: same bytes as searching it directly
    url = f"/vector_stores/{store_id}/search"
    rewritten = api.post(url, json={"query": query, "rewrite_query": True}).json()
    direct = api.post(url, json={"query": "quokka"}).json()
    assert rewritten == direct

    office = "I'd like to know the height of the main office building."
    many = client.vector_stores.search(store_id, query=[office, "Sea OTTERS?"], rewrite_query=True)
    assert many.search_query == [  # type: ignore[attr-defined]
        "like know height main office building",
        "sea otters",
    ]
    assert [r.file_id for r in many.data] == [ids["otter.md"]]


# -------------------------------------------------------------------------------- rankers


def test_each_ranker_is_accepted_and_deterministic(
    api: httpx.Client, client: openai.OpenAI
) -> None:
    docs: dict[str, tuple[str, Attributes | None]] = {
        "phrase.md": ("Our return policy allows returns within 30 days.", None),
        "apart.md": ("The policy on a return of goods is strict.", None),
        "other.md": ("Shipping is free for orders over 50 dollars.", None),
    }
    store_id, ids = make_store(client, docs)
    url = f"/vector_stores/{store_id}/search"
    scores: dict[str, dict[str, float]] = {}
    for ranker in ("none", "auto", "default-2024-11-15"):
        body = {"query": "return policy", "ranking_options": {"ranker": ranker}}
        first, second = api.post(url, json=body), api.post(url, json=body)
        assert first.status_code == 200, first.text
        assert first.content == second.content
        page = client.vector_stores.search(
            store_id, query="return policy", ranking_options={"ranker": ranker}
        )
        check_page(page.data)
        scores[ranker] = {r.filename: r.score for r in page.data}
    assert set(scores["none"]) == {"phrase.md", "apart.md"}
    # auto (= default-2024-11-15) adds a phrase boost: the exact phrase gains, the rest not
    assert scores["auto"] == scores["default-2024-11-15"]
    assert scores["auto"]["phrase.md"] > scores["none"]["phrase.md"]
    assert scores["auto"]["apart.md"] == scores["none"]["apart.md"]
    # no ranker given means auto
    default = {r.filename: r.score for r in found(client, store_id, "return policy")}
    assert default == scores["auto"]


# -------------------------------------------------------------------------------- determinism

DETERMINISM_BODIES: list[dict[str, Any]] = [
    {"query": "travel policy office"},
    {"query": ["american office", "european travel"], "max_num_results": 3},
    {"query": "What is the travel policy?", "rewrite_query": True,
     "ranking_options": {"ranker": "none", "score_threshold": 0.05},
     "filters": {"type": "ne", "key": "region", "value": "eu"}},
]  # fmt: skip


def test_identical_searches_give_identical_bytes(
    api: httpx.Client, filter_store: tuple[str, dict[str, str]]
) -> None:
    store_id, _ = filter_store
    for body in DETERMINISM_BODIES:
        answers = [api.post(f"/vector_stores/{store_id}/search", json=body) for _ in range(3)]
        assert answers[0].status_code == 200, answers[0].text
        assert answers[0].content == answers[1].content == answers[2].content
        assert json.loads(answers[0].content)["data"], body


def test_same_state_rebuilt_gives_identical_bytes(
    server: ServeProcess, api: httpx.Client, client: openai.OpenAI
) -> None:
    """Reset with a seed and a frozen clock, build the same state twice: same bytes."""

    def build_and_search() -> list[bytes]:
        reset = server.admin("POST", "/reset", json={"seed": 7, "now": 1_760_000_000})
        assert reset.status_code == 200, reset.text
        store_id, _ = make_store(client, FILTER_DOCS)
        return [
            api.post(f"/vector_stores/{store_id}/search", json=body).content
            for body in DETERMINISM_BODIES
        ]

    assert build_and_search() == build_and_search()


def test_ties_break_by_store_order_then_chunk_position(client: openai.OpenAI) -> None:
    """Chunks with identical term counts tie exactly; they come in the order the files were
    added to the store, then by chunk position (ranker none: no phrase boost)."""
    words = filler_words(99, start=3)
    blocks = [words[k:] + ["zebra"] + words[:k] for k in (0, 33, 66)]  # same bag, new order
    text = " ".join(itertools.chain.from_iterable(blocks))
    store = client.vector_stores.create(name="ties")
    uploads = [upload(client, f"copy-{i}.txt", text) for i in range(2)]
    for f in reversed(uploads):  # added to the store in the opposite of upload order
        client.vector_stores.files.create(
            vector_store_id=store.id, file_id=f.id, chunking_strategy=STATIC_100
        )
    chunks = client.vector_stores.files.content(file_id=uploads[0].id, vector_store_id=store.id)
    texts = [c.text for c in chunks.data]
    assert len(texts) == 3 and len(set(texts)) == 3

    page = client.vector_stores.search(
        store.id, query="zebra", max_num_results=4, ranking_options={"ranker": "none"}
    )
    check_page(page.data)
    assert [r.file_id for r in page.data] == [uploads[1].id, uploads[0].id]
    assert len({r.score for r in page.data}) == 1
    assert [c.text for c in page.data[0].content] == texts
    assert [c.text for c in page.data[1].content] == texts[:1]


# -------------------------------------------------------------------------------- chunks


def test_phrase_in_a_long_document_returns_its_chunk(client: openai.OpenAI) -> None:
    document = long_document()
    store_id, ids = make_store(
        client,
        {"long.txt": (document, None), "short.txt": ("A protocol for physics.", None)},
        chunking=STATIC_100,
    )
    page = client.vector_stores.search(store_id, query="quantum marmalade protocol")
    check_page(page.data)
    top = page.data[0]
    assert top.file_id == ids["long.txt"]
    best = top.content[0].text
    assert "quantum marmalade protocol" in best
    assert best in document
    assert len(best) * 10 < len(document)
    assert all(len(c.text) * 10 < len(document) for r in page.data for c in r.content)


def test_default_chunking_also_cuts_long_documents(client: openai.OpenAI) -> None:
    """auto = 800/400 tokens: a long document still answers with a chunk, not all of it."""
    document = long_document(paragraphs=150, needle_at=75)
    store_id, ids = make_store(client, {"long.txt": (document, None)})
    page = client.vector_stores.search(store_id, query="quantum marmalade protocol")
    best = page.data[0].content[0].text
    assert "quantum marmalade protocol" in best and best in document
    assert len(best) * 3 < len(document)


# -------------------------------------------------------------------------------- which files


def test_only_completed_files_are_searched(server: ServeProcess, client: openai.OpenAI) -> None:
    text = "Pangolins are scaly mammals."
    store_id, ids = make_store(
        client, {"kept.md": (text, None), "detached.md": (text, None), "deleted.md": (text, None)}
    )
    client.vector_stores.files.delete(file_id=ids["detached.md"], vector_store_id=store_id)
    client.files.delete(ids["deleted.md"])

    # failed: forced by the admin API, and an unsupported file type
    fail = server.admin("POST", "/processing", json={"fail": {"count": 1, "code": "server_error"}})
    assert fail.status_code == 200, fail.text
    failed = upload(client, "failed.md", text)
    vsf = client.vector_stores.files.create(vector_store_id=store_id, file_id=failed.id)
    assert vsf.status == "failed"
    unsupported = upload(client, "pangolin.bin", text)
    vsf = client.vector_stores.files.create(vector_store_id=store_id, file_id=unsupported.id)
    assert vsf.status == "failed"

    # in progress: two status reads before it completes (searches are not status reads)
    slow = server.admin("POST", "/processing", json={"polls": 2})
    assert slow.status_code == 200, slow.text
    pending = upload(client, "pending.md", text)
    vsf = client.vector_stores.files.create(vector_store_id=store_id, file_id=pending.id)
    assert vsf.status == "in_progress"
    for _ in range(3):
        assert [r.file_id for r in found(client, store_id, "pangolins")] == [ids["kept.md"]]

    statuses = [
        client.vector_stores.files.retrieve(file_id=pending.id, vector_store_id=store_id).status
        for _ in range(2)
    ]
    assert statuses == ["in_progress", "completed"]
    results = found(client, store_id, "pangolins")
    assert [r.file_id for r in results] == [ids["kept.md"], pending.id]  # tie: store order

    # re-attaching a completed file while processing is slow hides it until it completes
    again = client.vector_stores.files.create(vector_store_id=store_id, file_id=ids["kept.md"])
    assert again.status == "in_progress"
    assert [r.file_id for r in found(client, store_id, "pangolins")] == [pending.id]


def test_files_of_other_stores_are_not_searched(client: openai.OpenAI) -> None:
    first, _ = make_store(client, {"a.md": ("Pangolins are scaly.", None)})
    second, ids = make_store(client, {"b.md": ("Pangolins eat ants.", None)})
    assert [r.file_id for r in found(client, second, "pangolins")] == [ids["b.md"]]
    assert len(found(client, first, "pangolins")) == 1


def test_expired_store_search_is_an_error(server: ServeProcess, client: openai.OpenAI) -> None:
    store = client.vector_stores.create(
        name="short-lived", expires_after={"anchor": "last_active_at", "days": 1}
    )
    f = upload(client, "a.md", "Pangolins are scaly.")
    client.vector_stores.files.create(vector_store_id=store.id, file_id=f.id)
    assert len(found(client, store.id, "pangolins")) == 1
    advanced = server.admin("POST", "/clock", json={"advance_seconds": 2 * 86_400})
    assert advanced.status_code == 200, advanced.text
    assert client.vector_stores.retrieve(store.id).status == "expired"
    with pytest.raises(openai.BadRequestError) as excinfo:
        client.vector_stores.search(store.id, query="pangolins")
    body = bad_request(excinfo)
    assert body["code"] == "vector_store_expired"
    assert store.id in body["message"]


def test_searching_keeps_a_store_alive(server: ServeProcess, client: openai.OpenAI) -> None:
    store = client.vector_stores.create(expires_after={"anchor": "last_active_at", "days": 1})
    f = upload(client, "a.md", "Pangolins are scaly.")
    client.vector_stores.files.create(vector_store_id=store.id, file_id=f.id)
    for _ in range(3):
        server.admin("POST", "/clock", json={"advance_seconds": 86_400 - 60})
        assert len(found(client, store.id, "pangolins")) == 1  # search bumps last_active_at


# -------------------------------------------------------------------------------- relevance


def test_relevance_set_through_http(client: openai.OpenAI) -> None:
    """The labelled set of fixtures/relevance, uploaded and searched through the API (default
    chunking): precision@1 >= 0.9 and MRR >= 0.95."""
    docs, cases = load_relevance_set()
    store_id, ids = make_store(client, {name: (text, None) for name, text in docs.items()})
    by_id = {v: k for k, v in ids.items()}
    reciprocal = []
    for case in cases:
        page = client.vector_stores.search(store_id, query=case.query)
        check_page(page.data)
        ranked = [by_id[r.file_id] for r in page.data]
        reciprocal.append(1 / (ranked.index(case.expected) + 1) if case.expected in ranked else 0)
    precision = sum(r == 1 for r in reciprocal) / len(cases)
    mrr = sum(reciprocal) / len(cases)
    assert precision >= 0.9, precision
    assert mrr >= 0.95, mrr
