"""Vector-store files: /vector_stores/{vector_store_id}/files[/{file_id}[/content]]."""

from __future__ import annotations

from typing import Any

from vsmock.http.handlers._context import backend, reply


def list_vector_store_files(
    vector_store_id: str,
    limit: int = 20,
    order: str = "desc",
    after: str | None = None,
    before: str | None = None,
    filter_: str | None = None,
) -> Any:
    return reply(
        backend().list_vector_store_files(
            vector_store_id=vector_store_id,
            limit=limit,
            order=order,
            after=after,
            before=before,
            filter=filter_,
        )
    )


def create_vector_store_file(vector_store_id: str, body: dict[str, Any]) -> Any:
    return reply(backend().create_vector_store_file(vector_store_id=vector_store_id, body=body))


def get_vector_store_file(vector_store_id: str, file_id: str) -> Any:
    return reply(backend().get_vector_store_file(vector_store_id=vector_store_id, file_id=file_id))


def update_vector_store_file_attributes(
    vector_store_id: str, file_id: str, body: dict[str, Any]
) -> Any:
    return reply(
        backend().update_vector_store_file_attributes(
            vector_store_id=vector_store_id,
            file_id=file_id,
            body=body,
        )
    )


def delete_vector_store_file(vector_store_id: str, file_id: str) -> Any:
    return reply(
        backend().delete_vector_store_file(vector_store_id=vector_store_id, file_id=file_id)
    )


def retrieve_vector_store_file_content(vector_store_id: str, file_id: str) -> Any:
    return reply(
        backend().retrieve_vector_store_file_content(
            vector_store_id=vector_store_id,
            file_id=file_id,
        )
    )
