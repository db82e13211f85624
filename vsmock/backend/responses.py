"""The Responses API with the ``file_search`` tool: create, retrieve, delete, input items.

vsmock has no model. A response is made by fixed rules a test can predict:

* **The query** is the text of the last ``user`` message of the input (its text parts
  joined by a line break), the chain of ``previous_response_id`` included. It is the
  ``file_search_call``'s only entry in ``queries``.
* **Retrieval** runs the search of ``POST /vector_stores/{id}/search`` on each store of the
  tool's ``vector_store_ids`` (with its ``filters`` and ``ranking_options``), merges the
  chunks found, best score first (ties: the store listed first, then that store's own
  order), and keeps the best ``max_num_results`` (default 10, as the store search).
  Searching marks each store active.
* **The message** quotes the results (``backend/grounding.py`` gives the rule), or is the
  next scripted reply (``POST /__admin/responses``).
* **No search** is made when the request has no ``file_search`` tool, when ``tool_choice``
  is ``"none"`` (or allows other tools only), or when ``max_tool_calls`` is 0.
* ``results`` are kept with the response and shown only when the read's ``include`` has
  ``file_search_call.results`` (null otherwise), as the live API does.
* **Usage** counts tokens with the project's approximation (``ingest/tokens.py``): input is
  the instructions, the input items' texts and the retrieved chunks; output is the message.
  ``max_output_tokens`` cuts the message: the response is then ``incomplete``.

A response made with ``store: false`` is answered but not kept: a retrieve answers 404 and
``previous_response_id`` naming it answers 400, as the live API does. A stored response keeps
its input items: those of the response it continues, that response's output, then its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from vsmock.backend.changes import clone
from vsmock.backend.grounding import (
    NO_TOOL_TEXT,
    Message,
    grounded_message,
    scripted_message,
)
from vsmock.backend.limits import check_map
from vsmock.backend.pagination import list_object
from vsmock.backend.records import RESPONSES
from vsmock.backend.state import operation
from vsmock.backend.store_search import ChunkHit, SearchMixin, checked_filters
from vsmock.contract.json_types import JsonObject
from vsmock.errors import (
    CursorNotFound,
    InvalidRequest,
    PreviousResponseNotFound,
    ResponseNotFound,
)
from vsmock.ingest.tokens import count_tokens, token_ends

RESULTS = "file_search_call.results"
DEFAULT_MAX_NUM_RESULTS = 10  # as POST /vector_stores/{id}/search
TOOL_TYPE = "file_search"


class ResponsesMixin(SearchMixin):
    # -- create ----------------------------------------------------------------------------
    @operation
    def create_response(self, *, body: JsonObject) -> JsonObject:
        if body.get("background"):
            raise InvalidRequest(
                "vsmock answers responses at once: 'background' must be false.",
                param="background",
                code="invalid_value",
            )
        tools = body.get("tools") or []
        tool = file_search_tool(tools)
        searching = uses_tool(tool, body.get("tool_choice"), body.get("max_tool_calls"))
        metadata = check_map("metadata", body.get("metadata"), strings_only=True)
        items = self._chain(body.get("previous_response_id"))
        items += input_items(body.get("input"), lambda: self.new_id("message", _never_taken))
        query = last_user_text(items)
        hits = None
        if tool is not None and searching:
            hits = self._file_search(tool, query, f"tools[{tools.index(tool)}]")
        response = answer(
            body,
            items=items,
            query=query,
            hits=hits,
            tool=tool,
            scripted=self.replies.take(),
            new_id=self._new_response_id,
            now=self.clock.now(),
            metadata=metadata,
        )
        if body.get("store") is not False:
            record = {
                "id": response["id"],
                "seq": self.next_seq(),
                "response": response,
                "input_items": items,
            }
            self.changes.add(RESPONSES, record)
        return rendered(response, body.get("include"))

    def _new_response_id(self, kind: str) -> str:
        """A fresh id for a response or one of its output items (those are never stored
        apart, so their ids need no check)."""
        if kind != "response":
            return self.new_id(kind, _never_taken)
        return self.new_id(kind, lambda i: self.db.table(RESPONSES).peek(i) is not None)

    def _chain(self, previous_id: str | None) -> list[JsonObject]:
        """The items a response continuing ``previous_id`` starts from."""
        if previous_id is None:
            return []
        record = self.db.table(RESPONSES).peek(previous_id)
        if record is None:
            raise PreviousResponseNotFound(previous_id)
        return [*clone(record["input_items"]), *clone(record["response"]["output"])]

    def _file_search(self, tool: JsonObject, query: str, where: str) -> list[ChunkHit]:
        """Search every store of the tool; the best ``max_num_results`` chunks of them all."""
        store_ids = list(dict.fromkeys(tool["vector_store_ids"]))
        stores = [self._live_store(vs_id) for vs_id in store_ids]
        filters = tool.get("filters")
        if filters is not None:
            checked_filters(filters, f"{where}.filters")
        self.commit()  # files that time has finished are searched
        limit = tool.get("max_num_results", DEFAULT_MAX_NUM_RESULTS)
        ranking = tool.get("ranking_options") or {}
        ranked: list[tuple[float, int, int, ChunkHit]] = []
        for position, vs_id in enumerate(store_ids):
            found = self._search_chunks(
                vs_id, [query], filters=filters, limit=limit, ranking=ranking
            )
            ranked += [(-hit.score, position, rank, hit) for rank, hit in enumerate(found)]
        for store in stores:
            self._touch(store)
        ranked.sort(key=lambda entry: entry[:3])
        return [entry[3] for entry in ranked[:limit]]

    # -- read, delete ----------------------------------------------------------------------
    def _stored_response(self, response_id: str) -> Mapping[str, Any]:
        record = self.db.table(RESPONSES).peek(response_id)
        if record is None:
            raise ResponseNotFound(response_id)
        return record

    @operation
    def get_response(self, *, response_id: str, include: list[str] | None = None) -> JsonObject:
        return rendered(self._stored_response(response_id)["response"], include)

    @operation
    def delete_response(self, *, response_id: str) -> JsonObject:
        self._stored_response(response_id)
        self.changes.remove(RESPONSES, response_id)
        return {"id": response_id, "object": "response", "deleted": True}

    @operation
    def list_input_items(
        self,
        *,
        response_id: str,
        limit: int = 20,
        order: str = "desc",
        after: str | None = None,
        include: list[str] | None = None,
    ) -> JsonObject:
        items = list(self._stored_response(response_id)["input_items"])
        if order == "desc":
            items.reverse()
        start = 0
        if after is not None:
            positions = [i for i, item in enumerate(items) if item["id"] == after]
            if not positions:
                raise CursorNotFound("after")
            start = positions[0] + 1
        page = items[start : start + limit]
        shown = [rendered_item(item, include) for item in page]
        return list_object(shown, start + limit < len(items))


# -- the request's tool ------------------------------------------------------------------------
def file_search_tool(tools: Sequence[JsonObject]) -> JsonObject | None:
    """The request's ``file_search`` tool (at most one); any other type is refused."""
    found: JsonObject | None = None
    for i, tool in enumerate(tools):
        if tool["type"] != TOOL_TYPE:
            raise InvalidRequest(
                f"Invalid value: '{tool['type']}'. vsmock serves the 'file_search' tool only.",
                param=f"tools[{i}].type",
                code="invalid_value",
            )
        if found is not None:
            raise InvalidRequest(
                "Invalid 'tools': give at most one 'file_search' tool (list every vector "
                "store in its 'vector_store_ids').",
                param=f"tools[{i}]",
                code="invalid_value",
            )
        found = tool
    return found


def uses_tool(tool: JsonObject | None, choice: Any, max_tool_calls: Any) -> bool:
    """Whether the response searches: ``tool_choice`` and ``max_tool_calls`` decide."""
    wanted: str | None = None  # a tool type the choice insists on
    if choice in (None, "auto"):
        allowed = True
    elif choice == "none":
        allowed = False
    elif choice == "required":
        allowed, wanted = True, "required"
    elif choice.get("type") == "allowed_tools":
        allowed = any(t.get("type") == TOOL_TYPE for t in choice["tools"])
        if choice["mode"] == "required":
            wanted = TOOL_TYPE if allowed else "required"
    else:
        wanted = choice.get("name") if choice["type"] == "function" else choice["type"]
        allowed = choice["type"] == TOOL_TYPE
    if wanted == "required" and (tool is None or not allowed):
        raise InvalidRequest(
            "Invalid 'tool_choice': 'required' needs a tool it allows in 'tools'.",
            param="tool_choice",
            code="invalid_value",
        )
    if wanted is not None and (tool is None or not allowed):
        raise InvalidRequest(
            f"Tool choice '{wanted}' not found in 'tools' parameter.",
            param="tool_choice",
            code="invalid_value",
        )
    return tool is not None and allowed and max_tool_calls != 0


def _never_taken(_: str) -> bool:
    """Output item ids: drawn from their own seeded stream, never stored apart."""
    return False


# -- the items and the response ------------------------------------------------------------------
def input_items(given: Any, new_message_id: Callable[[], str]) -> list[JsonObject]:
    """A request's ``input`` as stored items, each with an id."""
    if given is None:
        return []
    if isinstance(given, str):
        given = [{"role": "user", "content": given}]
    items: list[JsonObject] = []
    for i, item in enumerate(given):
        if item.get("type") == "file_search_call":
            items.append(clone(item))
        else:
            items.append(message_item(item, f"input[{i}]", new_message_id))
    return items


def message_item(
    item: Mapping[str, Any], where: str, new_message_id: Callable[[], str]
) -> JsonObject:
    """A message of the input as stored: its parts as objects, an id, a status."""
    role = item["role"]
    part_type = "output_text" if role == "assistant" else "input_text"
    content = item["content"]
    if isinstance(content, str):
        content = [{"type": part_type, "text": content}]
    parts: list[JsonObject] = []
    for j, part in enumerate(content):
        if part["type"] != part_type:
            raise InvalidRequest(
                f"Invalid value: '{part['type']}'. Supported values are: '{part_type}'.",
                param=f"{where}.content[{j}].type",
                code="invalid_value",
            )
        if role == "assistant":
            parts.append(
                {"type": "output_text", "annotations": [], "logprobs": [], "text": part["text"]}
            )
        else:
            parts.append({"type": "input_text", "text": part["text"]})
    return {
        "id": item.get("id") or new_message_id(),
        "type": "message",
        "role": role,
        "content": parts,
        "status": item.get("status") or "completed",
    }


def answer(
    body: JsonObject,
    *,
    items: Sequence[JsonObject],
    query: str,
    hits: Sequence[ChunkHit] | None,
    tool: JsonObject | None,
    scripted: str | None,
    new_id: Callable[[str], str],
    now: int,
    metadata: Any,
) -> JsonObject:
    """The response to ``body``: a ``file_search_call`` with ``hits`` (None: no search was
    made), then the message (``scripted``, or quoting the hits)."""
    results = [_result(hit) for hit in hits or ()]
    output: list[JsonObject] = []
    if hits is not None:
        output.append(
            {
                "id": new_id("file_search_call"),
                "type": "file_search_call",
                "status": "completed",
                "queries": [query],
                "results": results,  # fresh dicts: the message only reads them
            }
        )
    if scripted is not None:
        message = scripted_message(scripted, query, results)
    elif hits is not None:
        message = grounded_message(query, results)
    else:
        message = Message(NO_TOOL_TEXT, [])
    text, annotations, cut = _bounded(
        message.text, message.annotations, body.get("max_output_tokens")
    )
    output.append(
        {
            "id": new_id("message"),
            "type": "message",
            "status": "incomplete" if cut else "completed",
            "content": [
                {"type": "output_text", "annotations": annotations, "logprobs": [], "text": text}
            ],
            "role": "assistant",
        }
    )
    input_tokens = count_tokens(body.get("instructions") or "")
    input_tokens += sum(count_tokens(t) for item in items for t in _texts(item))
    input_tokens += sum(count_tokens(hit.text) for hit in hits or ())
    return _response_object(
        body,
        response_id=new_id("response"),
        now=now,
        output=output,
        tool=tool,
        metadata=metadata,
        usage=_usage(input_tokens, count_tokens(text)),
        cut=cut,
    )


def last_user_text(items: Sequence[JsonObject]) -> str:
    """The text of the last user message (its parts joined by a line break), or ""."""
    for item in reversed(items):
        if item.get("type") == "message" and item.get("role") == "user":
            return "\n".join(part["text"] for part in item["content"])
    return ""


def _texts(item: JsonObject) -> list[str]:
    if item.get("type") == "message":
        return [part["text"] for part in item["content"]]
    return list(item.get("queries") or [])


def _result(hit: ChunkHit) -> JsonObject:
    return {
        "file_id": hit.file_id,
        "filename": hit.filename,
        "score": hit.score,
        "text": hit.text,
        "attributes": dict(hit.attributes),
    }


def _bounded(
    text: str, annotations: list[JsonObject], max_output_tokens: int | None
) -> tuple[str, list[JsonObject], bool]:
    """The message cut to ``max_output_tokens`` tokens (and the citations inside it)."""
    if max_output_tokens is None or count_tokens(text) <= max_output_tokens:
        return text, annotations, False
    end = int(token_ends(text)[max_output_tokens - 1])
    return text[:end], [a for a in annotations if a["index"] <= end], True


def _usage(input_tokens: int, output_tokens: int) -> JsonObject:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def _echoed_tool(tool: JsonObject) -> JsonObject:
    """The tool as a response shows it: the defaults filled in."""
    ranking = tool.get("ranking_options") or {}
    echoed_ranking: JsonObject = {
        "ranker": ranking.get("ranker", "auto"),
        "score_threshold": ranking.get("score_threshold", 0.0),
    }
    if "hybrid_search" in ranking:
        echoed_ranking["hybrid_search"] = clone(ranking["hybrid_search"])
    return {
        "type": TOOL_TYPE,
        "filters": clone(tool.get("filters")),
        "max_num_results": tool.get("max_num_results", DEFAULT_MAX_NUM_RESULTS),
        "ranking_options": echoed_ranking,
        "vector_store_ids": list(tool["vector_store_ids"]),
    }


def _response_object(
    body: JsonObject,
    *,
    response_id: str,
    now: int,
    output: list[JsonObject],
    tool: JsonObject | None,
    metadata: Any,
    usage: JsonObject,
    cut: bool,
) -> JsonObject:
    """The response, its fields in the live API's order."""
    reasoning = body.get("reasoning") or {}
    text = body.get("text") or {}
    service_tier = body.get("service_tier")
    return {
        "id": response_id,
        "object": "response",
        "created_at": now,
        "status": "incomplete" if cut else "completed",
        "background": False,
        "completed_at": None if cut else now,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "model": body["model"],
        "output": output,
        "parallel_tool_calls": _given(body, "parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": "default" if service_tier in (None, "auto") else service_tier,
        "temperature": _given(body, "temperature", 1.0),
        "text": {
            "format": clone(text.get("format") or {"type": "text"}),
            "verbosity": text.get("verbosity") or "medium",
        },
        "tool_choice": clone(_given(body, "tool_choice", "auto")),
        "tools": [_echoed_tool(tool)] if tool is not None else [],
        "top_logprobs": _given(body, "top_logprobs", 0),
        "top_p": _given(body, "top_p", 1.0),
        "truncation": _given(body, "truncation", "disabled"),
        "usage": usage,
        "user": body.get("user"),
        "metadata": metadata if metadata is not None else {},
    }


def _given(body: JsonObject, name: str, default: Any) -> Any:
    value = body.get(name)
    return default if value is None else value


# -- what a read shows -------------------------------------------------------------------------
def rendered_item(item: Mapping[str, Any], include: Sequence[str] | None) -> JsonObject:
    """An output or input item as a read with ``include`` shows it (a copy, in its order;
    results that are not shown are not copied)."""
    hidden = item.get("type") == "file_search_call" and RESULTS not in (include or ())
    return {k: None if hidden and k == "results" else clone(v) for k, v in item.items()}


def rendered(response: Mapping[str, Any], include: Sequence[str] | None) -> JsonObject:
    """The response as a read with ``include`` shows it (a copy, in its order)."""
    return {
        k: [rendered_item(item, include) for item in v] if k == "output" else clone(v)
        for k, v in response.items()
    }
