"""File batches: /vector_stores/{vector_store_id}/file_batches[/{batch_id}[/cancel|/files]]."""

from __future__ import annotations

from typing import Any

from vsmock.http.handlers._context import backend, reply


def create_vector_store_file_batch(vector_store_id: str, body: dict[str, Any]) -> Any:
    return reply(
        backend().create_vector_store_file_batch(vector_store_id=vector_store_id, body=body or {})
    )


def get_vector_store_file_batch(vector_store_id: str, batch_id: str) -> Any:
    return reply(
        backend().get_vector_store_file_batch(vector_store_id=vector_store_id, batch_id=batch_id)
    )


def cancel_vector_store_file_batch(vector_store_id: str, batch_id: str) -> Any:
    return reply(
        backend().cancel_vector_store_file_batch(vector_store_id=vector_store_id, batch_id=batch_id)
    )


def list_files_in_vector_store_batch(
    vector_store_id: str,
    batch_id: str,
    limit: int = 20,
    order: str = "desc",
    after: str | None = None,
    before: str | None = None,
    filter_: str | None = None,
) -> Any:
    return reply(
        backend().list_files_in_vector_store_batch(
            vector_store_id=vector_store_id,
            batch_id=batch_id,
            limit=limit,
            order=order,
            after=after,
            before=before,
            filter=filter_,
        )
    )
