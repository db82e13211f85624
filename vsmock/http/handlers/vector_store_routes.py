"""Vector stores: /vector_stores and /vector_stores/{vector_store_id}[/search]."""

from __future__ import annotations

from typing import Any

from vsmock.http.handlers._context import backend, reply


def list_vector_stores(
    limit: int = 20, order: str = "desc", after: str | None = None, before: str | None = None
) -> Any:
    return reply(backend().list_vector_stores(limit=limit, order=order, after=after, before=before))


def create_vector_store(body: dict[str, Any]) -> Any:
    return reply(backend().create_vector_store(body=body or {}))


def get_vector_store(vector_store_id: str) -> Any:
    return reply(backend().get_vector_store(vector_store_id=vector_store_id))


def modify_vector_store(vector_store_id: str, body: dict[str, Any]) -> Any:
    return reply(backend().modify_vector_store(vector_store_id=vector_store_id, body=body or {}))


def delete_vector_store(vector_store_id: str) -> Any:
    return reply(backend().delete_vector_store(vector_store_id=vector_store_id))


def search_vector_store(vector_store_id: str, body: dict[str, Any]) -> Any:
    return reply(backend().search_vector_store(vector_store_id=vector_store_id, body=body or {}))
