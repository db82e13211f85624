"""The backend interface: one method per operation of ``openapi.yaml``, named after its
operationId in snake case, with the operation's path and query parameters (and ``body``)
as keyword arguments.

Both backends implement it and mypy checks that they do: the stateful one
(:class:`vsmock.backend.Backend`, state in TinyDB) and the stateless one
(:class:`vsmock.stateless.StatelessBackend`, answers from the contract). The HTTP layer
serves the contract's operations from this interface alone (``vsmock/http/handlers``), and
``tests/architecture/test_layout.py`` checks that the interface and the contract name the same
operations with the same parameters.

Objects cross it as JSON (:data:`vsmock.contract.json_types.JsonObject`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO, Protocol

from vsmock.backend.processing import Processing
from vsmock.contract.json_types import JsonObject
from vsmock.control.replies import ScriptedReplies


class Operations(Protocol):
    """What a server's backend does. Every operation may raise :mod:`vsmock.errors`."""

    lock: threading.RLock  # held while an operation runs
    processing: Processing  # how newly attached files are processed
    replies: ScriptedReplies  # the texts the next responses answer with

    # -- the Files API -------------------------------------------------------------------------
    def list_files(
        self,
        *,
        purpose: str | None = None,
        limit: int = 10_000,
        order: str = "desc",
        after: str | None = None,
    ) -> JsonObject: ...

    def create_file(
        self,
        *,
        content: BinaryIO,
        filename: str,
        purpose: str,
        expires_after: JsonObject | None = None,
    ) -> JsonObject: ...

    def retrieve_file(self, *, file_id: str) -> JsonObject: ...

    def delete_file(self, *, file_id: str) -> JsonObject: ...

    def download_file(self, *, file_id: str) -> tuple[BinaryIO, int]:
        """The File's bytes (an open file the caller closes) and their length."""
        ...

    # -- vector stores -------------------------------------------------------------------------
    def list_vector_stores(
        self,
        *,
        limit: int = 20,
        order: str = "desc",
        after: str | None = None,
        before: str | None = None,
    ) -> JsonObject: ...

    def create_vector_store(self, *, body: JsonObject) -> JsonObject: ...

    def get_vector_store(self, *, vector_store_id: str) -> JsonObject: ...

    def modify_vector_store(self, *, vector_store_id: str, body: JsonObject) -> JsonObject: ...

    def delete_vector_store(self, *, vector_store_id: str) -> JsonObject: ...

    def search_vector_store(self, *, vector_store_id: str, body: JsonObject) -> JsonObject: ...

    # -- vector-store files --------------------------------------------------------------------
    def list_vector_store_files(
        self,
        *,
        vector_store_id: str,
        limit: int = 20,
        order: str = "desc",
        after: str | None = None,
        before: str | None = None,
        filter: str | None = None,
    ) -> JsonObject: ...

    def create_vector_store_file(self, *, vector_store_id: str, body: JsonObject) -> JsonObject: ...

    def get_vector_store_file(self, *, vector_store_id: str, file_id: str) -> JsonObject: ...

    def update_vector_store_file_attributes(
        self, *, vector_store_id: str, file_id: str, body: JsonObject
    ) -> JsonObject: ...

    def delete_vector_store_file(self, *, vector_store_id: str, file_id: str) -> JsonObject: ...

    def retrieve_vector_store_file_content(
        self, *, vector_store_id: str, file_id: str
    ) -> JsonObject: ...

    # -- file batches --------------------------------------------------------------------------
    def create_vector_store_file_batch(
        self, *, vector_store_id: str, body: JsonObject
    ) -> JsonObject: ...

    def get_vector_store_file_batch(self, *, vector_store_id: str, batch_id: str) -> JsonObject: ...

    def cancel_vector_store_file_batch(
        self, *, vector_store_id: str, batch_id: str
    ) -> JsonObject: ...

    def list_files_in_vector_store_batch(
        self,
        *,
        vector_store_id: str,
        batch_id: str,
        limit: int = 20,
        order: str = "desc",
        after: str | None = None,
        before: str | None = None,
        filter: str | None = None,
    ) -> JsonObject: ...

    # -- the Responses API (the file_search tool) --------------------------------------------
    def create_response(self, *, body: JsonObject) -> JsonObject:
        """The response as made; with ``body["stream"]`` the HTTP layer streams it."""
        ...

    def get_response(self, *, response_id: str, include: list[str] | None = None) -> JsonObject:
        """(``stream``, ``starting_after`` and ``include_obfuscation`` are the HTTP layer's.)"""
        ...

    def delete_response(self, *, response_id: str) -> JsonObject: ...

    def list_input_items(
        self,
        *,
        response_id: str,
        limit: int = 20,
        order: str = "desc",
        after: str | None = None,
        include: list[str] | None = None,
    ) -> JsonObject: ...

    # -- the server's own ----------------------------------------------------------------------
    def runs_long(self, operation: str, arguments: Mapping[str, Any]) -> bool:
        """Whether ``operation`` (a method name above) with these arguments may take long
        enough to be kept off the event loop."""
        ...

    def reset(self) -> None:
        """Forget every object (and processing settings, and scripted replies)."""
        ...

    def close(self) -> None:
        """Release what the backend holds (files, the log)."""
        ...


OPERATION_NAMES = tuple(
    name
    for name, value in vars(Operations).items()
    if callable(value) and not name.startswith("_") and name not in ("runs_long", "reset", "close")
)


def method_name(operation_id: str) -> str:
    """The method answering an operation: its operationId in snake case."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def operation_id(method: Callable[..., Any]) -> str:
    """The operationId a method of :class:`Operations` answers (the inverse of
    :func:`method_name`)."""
    head, *rest = method.__name__.split("_")
    return head + "".join(word.capitalize() for word in rest)
