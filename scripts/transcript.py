"""One-line summaries of requests and answers, for transcripts (``scripts/demo.py``)."""

from __future__ import annotations

import json
import re
from typing import Any

from vsmock.scenarios.format import Request
from vsmock.scenarios.replay import clip, describe_body

_ID = re.compile(r"\b(vs_|file-|vsfb_|resp_|msg_|fs_)([A-Za-z0-9]{6})[A-Za-z0-9]{2,}")
_DATA = re.compile(r"^data: (.*)$", re.M)


def short_ids(text: str) -> str:
    """``vs_a74125ef01ea71a8…`` → ``vs_a74125…``: transcripts stay readable."""
    return _ID.sub(lambda match: match.group(1) + match.group(2) + "…", text)


def request_line(request: Request) -> str:
    body = describe_body(request.body, request.body_encoding)
    line = f"{request.method} {request.target}" + (f"  {body}" if body else "")
    return short_ids(line)


def answer_lines(status: int, body: Any) -> list[str]:
    """A short account of an answer: its status and what it holds."""
    if isinstance(body, bytes) and body.startswith(b"event: "):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, dict):
        if isinstance(body, str) and body.startswith("event: "):
            return [short_ids(line) for line in _stream_lines(status, body)]
        if isinstance(body, bytes | str):
            return [f"{status}  {len(body)} bytes"]
        return [f"{status}"]
    return [short_ids(line) for line in _lines(status, body)]


def _lines(status: int, body: dict[str, Any]) -> list[str]:
    if "error" in body and isinstance(body["error"], dict):
        error = body["error"]
        return [f"{status}  error {error.get('type')}/{error.get('code')}: {error.get('message')}"]
    kind = body.get("object")
    if kind == "vector_store.search_results.page":
        query = body.get("search_query")
        shown = query[0] if isinstance(query, list) and len(query) == 1 else query
        count = len(body["data"])
        lines = [f"{status}  {count} result{'' if count == 1 else 's'} for {_quote(shown)}"]
        for item in body["data"]:
            text = " ".join(part.get("text", "") for part in item.get("content", []))
            attributes = item.get("attributes") or {}
            tags = " " + _pairs(attributes) if attributes else ""
            lines.append(
                f"       {item['score']:.3f}  {item['filename']}{tags}: "
                f"{_quote(clip(' '.join(text.split()), 70))}"
            )
        return lines
    if kind == "list":
        items = body.get("data", [])
        described = ", ".join(_item(item) for item in items[:6])
        more = f", … {len(items) - 6} more" if len(items) > 6 else ""
        return [f"{status}  list of {len(items)}: {described}{more}"]
    if kind == "vector_store.file_content.page":
        text = " ".join(part.get("text", "") for part in body.get("data", []))
        return [f"{status}  content: {_quote(clip(' '.join(text.split()), 90))}"]
    if str(kind).endswith(".deleted") or body.get("deleted") is True:
        return [f"{status}  deleted {kind} {body.get('id')}"]
    if kind == "response":
        return [f"{status}  response {body['id']} {body.get('status')}", *_response_lines(body)]
    return [f"{status}  {_object(body)}"]


def _stream_lines(status: int, text: str) -> list[str]:
    """A stream of server-sent events: how many, then the response it completes."""
    events = [json.loads(data) for data in _DATA.findall(text)]
    last = events[-1] if events else {}
    lines = [f"{status}  {len(events)} server-sent events, ending with {last.get('type')}"]
    if isinstance(last.get("response"), dict):
        lines += _response_lines(last["response"])
    return lines


def _response_lines(body: dict[str, Any]) -> list[str]:
    """The output of a response: its search, its answer and the files the answer cites."""
    lines = []
    for item in body.get("output") or []:
        if item.get("type") == "file_search_call":
            results = item.get("results")
            found = "results not included" if results is None else f"{len(results)} results"
            lines.append(f"       file_search {_quote(' '.join(item['queries']))}: {found}")
        elif item.get("type") == "message":
            for part in item.get("content") or []:
                cited = sorted({a.get("filename") for a in part.get("annotations") or []})
                lines.append(f"       answer: {_quote(clip(part.get('text', ''), 90))}")
                if cited:
                    lines.append(f"       cites: {', '.join(cited)}")
    return lines


def _object(body: dict[str, Any]) -> str:
    kind = body.get("object")
    if kind == "file":
        return (
            f"file {body['id']} {_quote(body.get('filename'))}, {body.get('bytes')} bytes, "
            f"{body.get('status')}"
        )
    if kind == "vector_store":
        return (
            f"vector_store {body['id']} {_quote(body.get('name'))} {body.get('status')}, "
            f"files: {_counts(body.get('file_counts'))}"
        )
    if kind == "vector_store.file":
        extra = ""
        if body.get("attributes"):
            extra += " " + _pairs(body["attributes"])
        if body.get("last_error"):
            extra += f" ({body['last_error'].get('code')})"
        return f"vector_store.file {body['id']} {body.get('status')}{extra}"
    if kind == "vector_store.files_batch":
        return (
            f"file batch {body['id']} {body.get('status')}, files: "
            f"{_counts(body.get('file_counts'))}"
        )
    return f"{kind} {body.get('id', '')}".strip()


def _item(item: Any) -> str:
    if not isinstance(item, dict):
        return clip(repr(item), 30)
    status = item.get("status")
    name = item.get("filename") or item.get("name")
    label = f"{item.get('id')}"
    if name:
        label += f" {_quote(name)}"
    return f"{label} ({status})" if status else label


def _counts(counts: Any) -> str:
    if not isinstance(counts, dict):
        return "?"
    shown = [
        f"{counts[k]} {k}"
        for k in ("in_progress", "completed", "failed", "cancelled")
        if counts.get(k)
    ]
    return ", ".join(shown) or "none"


def _pairs(attributes: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in attributes.items()) + "}"


def _quote(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
