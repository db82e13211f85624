"""A response as the live API streams it: the events, derived from the finished response.

The order (each event carries a ``sequence_number``, 0, 1, 2, …)::

    response.created, response.in_progress          (status in_progress, no output)
    for a file_search_call item:
        response.output_item.added                   (status in_progress, no queries yet)
        response.file_search_call.in_progress, .searching, .completed
        response.output_item.done                    (the item as finished)
    for a message item:
        response.output_item.added                   (status in_progress, no content)
        response.content_part.added                  (an output_text part with empty text)
        response.output_text.delta                   (one per word, with its trailing space)
        response.output_text.annotation.added        (one per citation)
        response.output_text.done, response.content_part.done, response.output_item.done
    response.completed                               (response.incomplete if it was cut)

Both SDKs' stream helpers check this order (a content event before its item, an item done
twice, a lifecycle event of another response are errors there), and accumulate the deltas
into exactly the final text. A stream replayed by ``GET /responses/{id}?stream=true`` is the
same list of events, so it is byte for byte the stream ``POST /responses`` sent.
"""

from __future__ import annotations

import re

from vsmock.backend.changes import clone
from vsmock.contract.json_types import JsonObject

_WORDS = re.compile(r"\s*\S+\s*|\s+")


def deltas(text: str) -> list[str]:
    """The pieces of ``text`` sent as ``response.output_text.delta`` events (joined, they
    are ``text``): a word with the white space around it."""
    return _WORDS.findall(text)


def _opening(response: JsonObject) -> JsonObject:
    """The response as it looks before any output: in progress, no output, no usage."""
    opening = {k: [] if k == "output" else clone(v) for k, v in response.items()}
    opening.update(status="in_progress", completed_at=None, usage=None)
    opening["incomplete_details"] = None
    return opening


def _item_events(index: int, item: JsonObject) -> list[JsonObject]:
    item_id = item["id"]
    if item["type"] == "file_search_call":
        started = {**clone(item), "status": "in_progress", "queries": [], "results": None}
        where = {"output_index": index, "item_id": item_id}
        return [
            {"type": "response.output_item.added", "output_index": index, "item": started},
            {"type": "response.file_search_call.in_progress", **where},
            {"type": "response.file_search_call.searching", **where},
            {"type": "response.file_search_call.completed", **where},
            {"type": "response.output_item.done", "output_index": index, "item": clone(item)},
        ]
    started = {**clone(item), "status": "in_progress", "content": []}
    events: list[JsonObject] = [
        {"type": "response.output_item.added", "output_index": index, "item": started}
    ]
    for content_index, part in enumerate(item["content"]):
        where = {"item_id": item_id, "output_index": index, "content_index": content_index}
        empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        events.append({"type": "response.content_part.added", **where, "part": empty})
        for piece in deltas(part["text"]):
            events.append(
                {"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []}
            )
        for annotation_index, annotation in enumerate(part["annotations"]):
            events.append(
                {
                    "type": "response.output_text.annotation.added",
                    **where,
                    "annotation_index": annotation_index,
                    "annotation": clone(annotation),
                }
            )
        events.append(
            {"type": "response.output_text.done", **where, "text": part["text"], "logprobs": []}
        )
        events.append({"type": "response.content_part.done", **where, "part": clone(part)})
    events.append({"type": "response.output_item.done", "output_index": index, "item": clone(item)})
    return events


def response_events(response: JsonObject) -> list[JsonObject]:
    """Every event of ``response``'s stream, numbered from 0."""
    opening = _opening(response)
    events: list[JsonObject] = [
        {"type": "response.created", "response": opening},
        {"type": "response.in_progress", "response": clone(opening)},
    ]
    for index, item in enumerate(response["output"]):
        events += _item_events(index, item)
    last = "response.incomplete" if response.get("status") == "incomplete" else "response.completed"
    events.append({"type": last, "response": clone(response)})
    return [
        {"type": event["type"], "sequence_number": number, **event}
        for number, event in enumerate(events)
    ]
