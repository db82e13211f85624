"""Testing code that uses OpenAI vector stores, against vsmock.

`pip install vsmock` registers the pytest plugin: no conftest.py needed. Each test
gets a freshly reset server; `openai_client` is the official SDK pointed at it.
"""

import openai
import pytest

FAQ = b"""# Returns
You can return any item within 30 days of delivery for a full refund.

# Shipping
Orders ship within two business days.
"""


def test_search_finds_the_answer(openai_client):
    faq = openai_client.files.create(file=("faq.md", FAQ), purpose="assistants")
    store = openai_client.vector_stores.create(name="Support", file_ids=[faq.id])

    results = openai_client.vector_stores.search(store.id, query="How long do I have to return it?")

    assert results.data[0].filename == "faq.md"
    assert "30 days" in results.data[0].content[0].text


def test_each_test_starts_empty(openai_client):
    assert openai_client.vector_stores.list().data == []


def test_polling_until_the_file_is_processed(vsmock, openai_client):
    vsmock.set_processing(polls=3)  # a file stays in_progress for its first 2 status reads
    store = openai_client.vector_stores.create(name="Support")

    vs_file = openai_client.vector_stores.files.upload_and_poll(
        vector_store_id=store.id, file=("faq.md", FAQ)
    )

    assert vs_file.status == "completed"
    polls = [r for r in vsmock.requests() if r["path"].endswith(f"/files/{vs_file.id}")]
    assert len(polls) == 3


@pytest.mark.vsmock(seed=42, now=1_750_000_000)  # same ids and timestamps on every run
def test_a_rate_limit_is_retried_by_the_sdk(vsmock, openai_client):
    vsmock.inject_fault(status=429, count=1, path_prefix="/v1/vector_stores", retry_after_ms=1)

    store = openai_client.vector_stores.create(name="Support")

    assert store.created_at == 1_750_000_000
    assert [r["status"] for r in vsmock.requests()] == [429, 200]


def test_an_outage_reaches_the_caller(vsmock, openai_client):
    vsmock.inject_fault(status=503, count=3, retry_after_ms=1)  # the SDK tries 3 times

    with pytest.raises(openai.InternalServerError):
        openai_client.vector_stores.create(name="Support")
