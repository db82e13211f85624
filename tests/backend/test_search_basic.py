"""Search over stored content, through the official SDK."""

from __future__ import annotations

import httpx
import openai
from helpers import upload_faq


def test_search_returns_the_relevant_file_first(client: openai.OpenAI) -> None:
    files = upload_faq(client)
    store = client.vector_stores.create(name="Support FAQ", file_ids=[f.id for f in files.values()])
    page = client.vector_stores.search(store.id, query="What is the return policy?")
    results = list(page)
    assert results, "expected at least one result"
    assert results[0].file_id == files["return-policy.md"].id
    assert results[0].filename == "return-policy.md"
    assert 0 < results[0].score <= 1
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert results[0].content[0].type == "text"
    assert "30 days" in results[0].content[0].text


def test_search_page_shape(api: httpx.Client, client: openai.OpenAI) -> None:
    files = upload_faq(client)
    store = client.vector_stores.create(file_ids=[f.id for f in files.values()])
    body = api.post(f"/vector_stores/{store.id}/search", json={"query": "shipping times"}).json()
    assert body["object"] == "vector_store.search_results.page"
    assert body["search_query"] == ["shipping times"]
    assert body["has_more"] is False and body["next_page"] is None
    assert body["data"][0]["file_id"] == files["shipping.md"].id


def test_max_num_results_and_no_match(client: openai.OpenAI) -> None:
    files = upload_faq(client)
    store = client.vector_stores.create(file_ids=[f.id for f in files.values()])
    assert (
        len(client.vector_stores.search(store.id, query="business days", max_num_results=1).data)
        == 1
    )
    assert client.vector_stores.search(store.id, query="zzzqqq").data == []


def test_search_unknown_store_is_404(client: openai.OpenAI) -> None:
    try:
        client.vector_stores.search("vs_" + "0" * 32, query="x")
    except openai.NotFoundError as exc:
        assert "No vector store found" in exc.body["message"]
    else:
        raise AssertionError("expected a 404")
