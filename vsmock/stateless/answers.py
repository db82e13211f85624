"""The stateless backend: every operation answers from the contract, nothing is stored.

Each answer starts from the schema's example (``openapi.yaml``) and takes from the
request whatever the request determines: ids in the path, names, metadata,
attributes, chunking, counts of the files named, the query, an upload's name,
size and purpose. Timestamps come from the runtime clock; ids come from the id
source only where the request names none. Values the request sends that break
the contract are never echoed (the schema's example is used instead), so every
answer conforms to ``openapi.yaml`` whatever was asked.

Rules the schema cannot express are checked here, as the stateful backend checks
them, and reported (recorded, or refused with ``--strict-requests``) rather than
raised. No input makes an operation fail.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO, TypeGuard

from vsmock.backend.files import BATCH_DEFAULT_EXPIRY, REPORTED_PURPOSE
from vsmock.backend.interface import Operations, operation_id
from vsmock.backend.limits import AUTO_CHUNKING, check_chunking, check_map, chunking_object
from vsmock.backend.pagination import list_object
from vsmock.backend.processing import Processing
from vsmock.backend.responses import (
    DEFAULT_MAX_NUM_RESULTS,
    answer,
    file_search_tool,
    input_items,
    last_user_text,
    rendered,
    uses_tool,
)
from vsmock.backend.store_search import ChunkHit, search_queries
from vsmock.contract.json_types import JsonObject
from vsmock.control.clock import Clock
from vsmock.control.ids import IdSource
from vsmock.control.replies import ScriptedReplies
from vsmock.control.violations import Violations
from vsmock.errors import APIError, InvalidRequest
from vsmock.search.filters import FilterError, validate_filter
from vsmock.settings import Settings
from vsmock.stateless.reporting import report
from vsmock.stateless.schemas import Contract, contract

DAY = 86_400
FILE_ID = re.compile(r"file-[A-Za-z0-9_-]*")  # as the live API checks ids (whole value)


class StatelessBackend:
    """The operations of :class:`vsmock.backend.Backend`, answered from the contract."""

    def __init__(self, settings: Settings, clock: Clock, ids: IdSource, violations: Violations):
        self.settings = settings
        self.clock = clock
        self.ids = ids
        self.violations = violations
        self.lock = threading.RLock()
        self.processing = Processing(settings.processing_polls, settings.processing_seconds)
        self.replies = ScriptedReplies()
        self.contract: Contract = contract()
        self._sample = _download_example(self.contract)

    # -- what the runtime and the admin API use ---------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.processing = Processing(
                self.settings.processing_polls, self.settings.processing_seconds
            )
            self.replies.clear()

    def close(self) -> None:
        """Nothing to release: nothing is stored."""

    def runs_long(self, operation: str, arguments: Mapping[str, Any]) -> bool:
        """Answers from the contract are quick, but an upload is still read from disk."""
        return operation == "create_file"

    # -- helpers ----------------------------------------------------------------------------
    def _report(self, error: APIError | None, value: Any = None) -> None:
        report(error, strict=self.settings.strict_requests, violations=self.violations, value=value)

    def _checked(self, check: Callable[[], Any], value: Any = None) -> bool:
        """Run one of the stateful backend's checks; report its failure. True if it passed."""
        try:
            check()
        except APIError as error:
            self._report(error, value)
            return False
        return True

    def _conforms(self, schema: JsonObject | str, value: Any) -> bool:
        return self.contract.conforms(schema, value)

    def _property(self, schema: str, name: str) -> JsonObject:
        prop: JsonObject = self.contract.schema(schema)["properties"][name]
        return prop

    def _map(self, param: str, value: Any, schema: str, *, strings_only: bool) -> Any:
        """Metadata or attributes to echo: as sent when the schema allows it, else None."""
        if value is None or not self._conforms(schema, value):
            return None
        self._checked(lambda: check_map(param, value, strings_only=strings_only), value)
        return value

    def _chunking(self, param: str, value: Any) -> JsonObject:
        """How a file's chunking is reported: static, ``auto`` and anything invalid as 800/400."""
        if value is None or not self._conforms("ChunkingStrategyRequestParam", value):
            return chunking_object(*AUTO_CHUNKING)
        if not self._checked(lambda: check_chunking(param, value), value):
            return chunking_object(*AUTO_CHUNKING)
        return chunking_object(*check_chunking(param, value))

    # -- files --------------------------------------------------------------------------------
    def _file(self, file_id: str) -> JsonObject:
        obj: JsonObject = self.contract.example("OpenAIFile")
        obj.update(id=file_id, bytes=len(self._sample), created_at=self.clock.now())
        obj["expires_at"] = None
        return obj

    def create_file(
        self,
        *,
        content: BinaryIO,
        filename: str,
        purpose: str | None,
        expires_after: JsonObject | None = None,
    ) -> JsonObject:
        obj = self._file(self.ids.new("file"))
        now = obj["created_at"]
        reported = REPORTED_PURPOSE.get(purpose or "", purpose)
        if self._conforms(self._property("OpenAIFile", "purpose"), reported):
            obj["purpose"] = reported
        obj["bytes"] = _size(content)
        if isinstance(filename, str) and filename:
            obj["filename"] = filename
        if expires_after is not None and self._conforms("FileExpirationAfter", expires_after):
            obj["expires_at"] = now + int(expires_after["seconds"])
        elif purpose == "batch":
            obj["expires_at"] = now + BATCH_DEFAULT_EXPIRY
        return obj

    def list_files(
        self,
        *,
        purpose: str | None = None,
        limit: Any = 10_000,
        order: Any = "desc",
        after: Any = None,
    ) -> JsonObject:
        data = [self._file(self.ids.new("file")) for _ in range(_page_size(limit))]
        reported = REPORTED_PURPOSE.get(purpose or "", purpose)
        if purpose is not None and self._conforms(
            self._property("OpenAIFile", "purpose"), reported
        ):
            for item in data:
                item["purpose"] = reported
        return list_object(data, False)

    def retrieve_file(self, *, file_id: str) -> JsonObject:
        return self._file(file_id)

    def delete_file(self, *, file_id: str) -> JsonObject:
        return {"id": file_id, "object": "file", "deleted": True}

    def download_file(self, *, file_id: str) -> tuple[BinaryIO, int]:
        return io.BytesIO(self._sample), len(self._sample)

    # -- vector stores --------------------------------------------------------------------------
    def _store(self, vs_id: str, total: int | None = None) -> JsonObject:
        obj: JsonObject = self.contract.example("VectorStoreObject")
        now = self.clock.now()
        obj.update(id=vs_id, created_at=now, last_active_at=now)
        if total is not None:
            obj["file_counts"] = _counts(total)
            obj["usage_bytes"] = total * self._usage_per_file()
            obj["metadata"] = {}
            obj.pop("expires_after", None)
        self._set_expiry(obj, obj.get("expires_after"))
        return obj

    def _usage_per_file(self) -> int:
        usage: int = self.contract.example("VectorStoreFileObject")["usage_bytes"]
        return usage

    @staticmethod
    def _set_expiry(obj: JsonObject, expires_after: JsonObject | None) -> None:
        obj["expires_after"] = expires_after
        obj["expires_at"] = (
            obj["last_active_at"] + int(expires_after["days"]) * DAY
            if expires_after is not None
            else None
        )

    def _echo_store(self, obj: JsonObject, body: JsonObject) -> JsonObject:
        if "name" in body:
            obj["name"] = body["name"] if isinstance(body["name"], str) else ""
        if isinstance(body.get("description"), str):
            obj["description"] = body["description"]
        if "metadata" in body:
            obj["metadata"] = self._map("metadata", body["metadata"], "Metadata", strings_only=True)
        if "expires_after" in body:
            value = body["expires_after"]
            valid = self._conforms("NullableVectorStoreExpirationAfter", value)
            self._set_expiry(obj, value if valid else None)
        return obj

    def create_vector_store(self, *, body: Any) -> JsonObject:
        body = _mapping(body)
        file_ids = list(dict.fromkeys(filter(_is_id, _strings(body.get("file_ids")))))
        obj = self._store(self.ids.new("vector_store"), total=len(file_ids))
        obj["name"] = ""
        if file_ids:
            self._chunking("chunking_strategy", body.get("chunking_strategy"))
        return self._echo_store(obj, body)

    def list_vector_stores(
        self, *, limit: Any = 20, order: Any = "desc", after: Any = None, before: Any = None
    ) -> JsonObject:
        data = [self._store(self.ids.new("vector_store")) for _ in range(_page_size(limit))]
        return list_object(data, False)

    def get_vector_store(self, *, vector_store_id: str) -> JsonObject:
        return self._store(vector_store_id)

    def modify_vector_store(self, *, vector_store_id: str, body: Any) -> JsonObject:
        return self._echo_store(self._store(vector_store_id), _mapping(body))

    def delete_vector_store(self, *, vector_store_id: str) -> JsonObject:
        return {"id": vector_store_id, "object": "vector_store.deleted", "deleted": True}

    def search_vector_store(self, *, vector_store_id: str, body: Any) -> JsonObject:
        body = _mapping(body)
        query = body.get("query")
        queries = _strings(query) if isinstance(query, list) else [query]
        if not isinstance(query, (str, list)):
            queries = []
        elif isinstance(query, list) and query == queries:
            self._checked(lambda: search_queries(body), query)
        filters = body.get("filters")
        if filters is not None and self._conforms(
            self._property("VectorStoreSearchRequest", "filters"), filters
        ):
            self._checked(lambda: _check_filter(filters), filters)
        page: JsonObject = self.contract.example("VectorStoreSearchResultsPage")
        page["search_query"] = queries
        limit = body.get("max_num_results")
        ranking = body.get("ranking_options")
        threshold = ranking.get("score_threshold") if isinstance(ranking, dict) else None
        keep = []
        for item in page["data"][: _page_size(limit, default=10)]:
            if _number(threshold) and item["score"] < threshold:
                continue
            keep.append(item)
        page["data"] = keep
        page["has_more"] = False
        page["next_page"] = None
        return page

    # -- vector store files ---------------------------------------------------------------------
    def _vsf(self, vs_id: str, file_id: str, status: Any = None) -> JsonObject:
        obj: JsonObject = self.contract.example("VectorStoreFileObject")
        obj.update(id=file_id, vector_store_id=vs_id, created_at=self.clock.now())
        obj["chunking_strategy"] = chunking_object(*AUTO_CHUNKING)
        if status is not None and self._conforms(
            self._property("VectorStoreFileObject", "status"), status
        ):
            obj["status"] = status
        if obj["status"] == "failed":
            obj["last_error"] = {"code": "server_error", "message": "The file failed to process."}
        return obj

    def _attached(self, vs_id: str, item: JsonObject, param: str) -> JsonObject:
        file_id = item.get("file_id")
        obj = self._vsf(vs_id, file_id if _is_id(file_id) else self.ids.new("file"))
        obj["attributes"] = self._map(
            f"{param}attributes",
            item.get("attributes"),
            "VectorStoreFileAttributes",
            strings_only=False,
        )
        obj["chunking_strategy"] = self._chunking(
            f"{param}chunking_strategy", item.get("chunking_strategy")
        )
        return obj

    def create_vector_store_file(self, *, vector_store_id: str, body: Any) -> JsonObject:
        return self._attached(vector_store_id, _mapping(body), "")

    def list_vector_store_files(
        self,
        *,
        vector_store_id: str,
        limit: Any = 20,
        order: Any = "desc",
        after: Any = None,
        before: Any = None,
        filter: Any = None,
    ) -> JsonObject:
        data = [
            self._vsf(vector_store_id, self.ids.new("file"), filter)
            for _ in range(_page_size(limit))
        ]
        return list_object(data, False)

    def get_vector_store_file(self, *, vector_store_id: str, file_id: str) -> JsonObject:
        return self._vsf(vector_store_id, file_id)

    def update_vector_store_file_attributes(
        self, *, vector_store_id: str, file_id: str, body: Any
    ) -> JsonObject:
        obj = self._vsf(vector_store_id, file_id)
        obj["attributes"] = self._map(
            "attributes",
            _mapping(body).get("attributes"),
            "VectorStoreFileAttributes",
            strings_only=False,
        )
        return obj

    def delete_vector_store_file(self, *, vector_store_id: str, file_id: str) -> JsonObject:
        return {"id": file_id, "object": "vector_store.file.deleted", "deleted": True}

    def retrieve_vector_store_file_content(
        self, *, vector_store_id: str, file_id: str
    ) -> JsonObject:
        page: JsonObject = self.contract.example("VectorStoreFileContentResponse")
        return page

    # -- file batches ---------------------------------------------------------------------------
    def _batch(self, vs_id: str, batch_id: str, total: int | None = None) -> JsonObject:
        obj: JsonObject = self.contract.example("VectorStoreFileBatchObject")
        obj.update(id=batch_id, vector_store_id=vs_id, created_at=self.clock.now())
        if total is not None:
            obj["file_counts"] = _counts(total)
        return obj

    def create_vector_store_file_batch(self, *, vector_store_id: str, body: Any) -> JsonObject:
        body = _mapping(body)
        file_ids = [f for f in _strings(body.get("file_ids")) if _is_id(f)]
        files = body.get("files") if isinstance(body.get("files"), list) else []
        if body.get("file_ids") is not None and body.get("files") is not None:
            self._report(
                InvalidRequest(
                    "Exactly one of 'file_ids' or 'files' must be provided.",
                    param="file_ids",
                    code="invalid_value",
                ),
                {"file_ids": body.get("file_ids"), "files": body.get("files")},
            )
        if file_ids:
            self._attached(vector_store_id, {**body, "file_id": file_ids[0]}, "")
        for i, item in enumerate(files):
            if isinstance(item, dict):
                self._attached(vector_store_id, item, f"files[{i}].")
                if _is_id(item.get("file_id")):
                    file_ids.append(item["file_id"])
        total = len(dict.fromkeys(file_ids))
        return self._batch(vector_store_id, self.ids.new("batch"), total=total)

    def get_vector_store_file_batch(self, *, vector_store_id: str, batch_id: str) -> JsonObject:
        return self._batch(vector_store_id, batch_id)

    def cancel_vector_store_file_batch(self, *, vector_store_id: str, batch_id: str) -> JsonObject:
        obj = self._batch(vector_store_id, batch_id)
        obj["status"] = "cancelled"
        return obj

    def list_files_in_vector_store_batch(
        self,
        *,
        vector_store_id: str,
        batch_id: str,
        limit: Any = 20,
        order: Any = "desc",
        after: Any = None,
        before: Any = None,
        filter: Any = None,
    ) -> JsonObject:
        return self.list_vector_store_files(
            vector_store_id=vector_store_id, limit=limit, filter=filter
        )

    # -- responses ------------------------------------------------------------------------------
    def _example_hits(self, limit: int) -> list[ChunkHit]:
        """The search results of the contract's example, as the file_search tool finds them."""
        page = self.contract.example("VectorStoreSearchResultsPage")
        hits = [
            ChunkHit(
                file_id=item["file_id"],
                filename=item["filename"],
                score=item["score"],
                attributes=item.get("attributes") or {},
                text=part["text"],
            )
            for item in page["data"]
            for part in item["content"]
        ]
        return hits[:limit]

    def _answer(self, body: JsonObject) -> JsonObject:
        """The response to a request that conforms to the contract: the stateful backend's
        rules, with the contract's example search results; no store is searched."""
        tools = body.get("tools") or []
        tool: JsonObject | None = None
        searching = False

        def check_tools() -> None:
            nonlocal tool, searching
            tool = file_search_tool(tools)
            searching = uses_tool(tool, body.get("tool_choice"), body.get("max_tool_calls"))

        if not self._checked(check_tools, tools):
            tool, searching = None, False
        items: list[JsonObject] = []

        def check_input() -> None:
            items.extend(input_items(body.get("input"), lambda: self.ids.new("message")))

        self._checked(check_input, body.get("input"))
        query = last_user_text(items)
        limit = (tool or {}).get("max_num_results", DEFAULT_MAX_NUM_RESULTS)
        return answer(
            body,
            items=items,
            query=query,
            hits=self._example_hits(limit) if tool is not None and searching else None,
            tool=tool,
            scripted=self.replies.take(),
            new_id=self.ids.new,
            now=self.clock.now(),
            metadata=self._map("metadata", body.get("metadata"), "Metadata", strings_only=True),
        )

    def _example_request(self) -> JsonObject:
        example: JsonObject = self.contract.example("CreateResponse")
        return example

    def create_response(self, *, body: Any) -> JsonObject:
        body = _mapping(body)
        if not self._conforms("CreateResponse", body):  # reported by request validation
            body = {**self._example_request(), "stream": body.get("stream") is True}
        return rendered(self._answer(body), body.get("include"))

    def get_response(self, *, response_id: str, include: Any = None) -> JsonObject:
        response = self._answer(self._example_request())
        response["id"] = response_id
        shown = (
            include
            if self._conforms(self._property("CreateResponse", "include"), include)
            else None
        )
        return rendered(response, shown)

    def delete_response(self, *, response_id: str) -> JsonObject:
        return {"id": response_id, "object": "response", "deleted": True}

    def list_input_items(
        self,
        *,
        response_id: str,
        limit: Any = 20,
        order: Any = "desc",
        after: Any = None,
        include: Any = None,
    ) -> JsonObject:
        items = input_items(self._example_request()["input"], lambda: self.ids.new("message"))
        return list_object(items[: _page_size(limit, default=20)], False)


# -- request values, read defensively (in lenient mode anything may arrive) --------------------
def _mapping(body: Any) -> JsonObject:
    return body if isinstance(body, dict) else {}


def _is_id(value: Any) -> TypeGuard[str]:
    """A File id worth echoing: one the live API would take (``file-``, then letters,
    digits, ``_`` or ``-``), which therefore fits the paths that take it back."""
    return isinstance(value, str) and FILE_ID.fullmatch(value) is not None


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _page_size(limit: Any, default: int = 1) -> int:
    """Pages hold one example item: none when the caller asked for fewer than one."""
    if limit is None:
        limit = default
    try:
        wanted = int(limit)
    except (TypeError, ValueError):
        return 1
    return 1 if wanted >= 1 else 0


def _counts(total: int) -> dict[str, int]:
    return {"in_progress": 0, "completed": total, "failed": 0, "cancelled": 0, "total": total}


def _size(content: Any) -> int:
    try:
        content.seek(0, io.SEEK_END)
        size = int(content.tell())
        content.seek(0)
    except (AttributeError, OSError, ValueError):
        return 0
    return size


def _check_filter(filters: Any) -> None:
    try:
        validate_filter(filters, "filters")
    except FilterError as exc:
        raise InvalidRequest(exc.message, param=exc.param, code="invalid_value") from None


def _download_example(spec: Contract) -> bytes:
    content = spec.response_definition(operation_id(Operations.download_file), 200).get(
        "content", {}
    )
    for media in content.values():
        example = media.get("schema", {}).get("example")
        if isinstance(example, str):
            return example.encode()
    return b""
