"""Cursor pagination: limit, order, after, before, has_more, first/last ids, auto-paging."""

from __future__ import annotations

import httpx
import openai
import pytest
from helpers import upload


@pytest.fixture
def seven_stores(client: openai.OpenAI) -> list[str]:
    return [client.vector_stores.create(name=f"s{i}").id for i in range(7)]


def test_default_order_is_newest_first(client: openai.OpenAI, seven_stores: list[str]) -> None:
    page = client.vector_stores.list()
    assert [s.id for s in page.data] == seven_stores[::-1]
    assert page.has_more is False


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_pages_in_both_orders(client: openai.OpenAI, seven_stores: list[str], order: str) -> None:
    expected = seven_stores if order == "asc" else seven_stores[::-1]
    seen: list[str] = []
    after = None
    while True:
        kwargs = {"after": after} if after else {}
        page = client.vector_stores.list(limit=3, order=order, **kwargs)  # type: ignore[arg-type]
        seen += [s.id for s in page.data]
        if not page.has_more:
            break
        after = page.data[-1].id
    assert seen == expected
    # the SDK's auto-pagination walks every page and terminates
    assert [s.id for s in client.vector_stores.list(limit=2, order=order)] == expected  # type: ignore[arg-type]


def test_before_cursor_returns_the_page_nearest_it(
    api: httpx.Client, seven_stores: list[str]
) -> None:
    body = api.get(
        "/vector_stores", params={"order": "asc", "before": seven_stores[5], "limit": 2}
    ).json()
    assert [s["id"] for s in body["data"]] == seven_stores[3:5]
    assert body["has_more"] is True
    assert (body["first_id"], body["last_id"]) == (seven_stores[3], seven_stores[4])
    body = api.get("/vector_stores", params={"order": "desc", "before": seven_stores[1]}).json()
    assert [s["id"] for s in body["data"]] == list(reversed(seven_stores[2:]))


def test_after_and_before_bound_both_sides(api: httpx.Client, seven_stores: list[str]) -> None:
    body = api.get(
        "/vector_stores",
        params={"order": "asc", "after": seven_stores[1], "before": seven_stores[5]},
    ).json()
    assert [s["id"] for s in body["data"]] == seven_stores[2:5]


def test_empty_page_has_null_ids(api: httpx.Client) -> None:
    body = api.get("/vector_stores").json()
    assert body == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }


def test_unknown_cursor_is_404_naming_it(api: httpx.Client) -> None:
    response = api.get("/vector_stores", params={"after": "vs_unknown"})
    assert response.status_code == 404
    assert response.json()["error"]["param"] == "after"


def test_vector_store_files_paginate(client: openai.OpenAI) -> None:
    files = [upload(client, f"f{i}.txt", f"text number {i}") for i in range(5)]
    store = client.vector_stores.create(file_ids=[f.id for f in files])
    listed = [f.id for f in client.vector_stores.files.list(store.id, limit=2, order="asc")]
    assert sorted(listed) == sorted(f.id for f in files) and len(listed) == 5


@pytest.mark.parametrize("param", ["after", "before"])
def test_an_unknown_cursor_is_404_resource_not_found_on_every_list(
    client: openai.OpenAI, api: httpx.Client, param: str
) -> None:
    """As a third-party measurement of the live /files reports: 404 "Resource not found."
    naming the cursor. A cursor is an id of the listed kind that is still there."""
    f = upload(client, "a.txt", "alpha")
    store = client.vector_stores.create(file_ids=[f.id])
    batch = client.vector_stores.file_batches.create(store.id, file_ids=[f.id])
    lists = [
        "/vector_stores",
        f"/vector_stores/{store.id}/files",
        f"/vector_stores/{store.id}/file_batches/{batch.id}/files",
    ]
    if param == "after":
        lists.append("/files")  # the Files list has no ``before``
    gone = client.vector_stores.create(name="gone").id
    client.vector_stores.delete(gone)
    for path in lists:
        for cursor in ("unknown", gone):
            response = api.get(path, params={param: cursor})
            assert response.status_code == 404, (path, cursor, response.text)
            assert response.json()["error"] == {
                "message": "Resource not found.",
                "type": "invalid_request_error",
                "param": param,
                "code": None,
            }, path
        # a cursor that is there pages as usual
        first = api.get(path, params={"limit": 1}).json()["data"][0]["id"]
        assert api.get(path, params={param: first}).status_code == 200, path
