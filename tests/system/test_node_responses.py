"""The Responses API (file_search) through the official Node SDK (npm ``openai``).

tests/system/node/responses.mjs uploads the support FAQ, asks a question grounded in it
(with and without ``file_search_call.results``), streams the answer through the SDK's
strict accumulator (``responses.stream``) and as a raw ``Stream``, lists input items,
continues the conversation, deletes a response and sends a tool vsmock does not serve.
It prints one JSON object; this side checks it, and checks it against what the Python
SDK reads for the same responses. Without node/npm the test is skipped with a warning
(see test_node_polling.py, whose helpers it shares).
"""

from __future__ import annotations

from itertools import groupby, pairwise
from typing import Any

import openai
import pytest
from conftest import DOCS, ServeProcess
from test_node_polling import run_node
from test_responses import EVENT_ORDER as STREAM_ORDER
from test_responses import RETURN_QUESTION as QUESTION

FAQ = DOCS / "support-faq"
INCLUDE = ["file_search_call.results"]


def without_sdk_fields(response: dict[str, Any]) -> dict[str, Any]:
    """A response as the server sent it: without what the Node SDK adds (``output_text``,
    ``output_parsed``, each output_text part's ``parsed``)."""
    plain = {k: v for k, v in response.items() if k not in ("output_text", "output_parsed")}
    plain["output"] = []
    for item in response["output"]:
        if "content" in item:
            parts = [{k: v for k, v in part.items() if k != "parsed"} for part in item["content"]]
            item = {**item, "content": parts}
        plain["output"].append(item)
    return plain


def check_order(events: list[dict[str, Any]]) -> None:
    """The stream's events, in the live API's order, numbered 0, 1, 2, …"""
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    types = [e["type"] for e in events]
    assert [kind for kind, _ in groupby(types)] == STREAM_ORDER, types


@pytest.fixture
def node_run(server: ServeProcess) -> dict[str, Any]:
    result = run_node("responses.mjs", server.url, str(FAQ))
    return result


def test_node_sdk_responses_file_search(
    node_run: dict[str, Any], server: ServeProcess, client: openai.OpenAI
) -> None:
    result = node_run
    files = {f["filename"]: f["id"] for f in result["files"]}
    assert sorted(files) == sorted(p.name for p in FAQ.glob("*.md"))
    assert len(files) == 4
    assert result["batch"]["status"] == "completed"
    assert result["store"]["status"] == "completed"
    assert result["store"]["file_counts"]["completed"] == 4
    returns = files["return-policy.md"]
    policy = (FAQ / "return-policy.md").read_text()

    # grounded answer, quoting the return policy and citing it
    included = result["included"]
    assert included["status"] == "completed"
    assert included["types"] == ["file_search_call", "message"]
    assert included["queries"] == [QUESTION]
    text = included["output_text"]
    assert "30 days" in text and text in policy
    citations = [a for a in included["annotations"] if a["type"] == "file_citation"]
    assert citations, included["annotations"]
    assert citations[0]["file_id"] == returns
    assert citations[0]["filename"] == "return-policy.md"
    assert 0 <= citations[0]["index"] <= len(text)

    # results only with include
    results = included["results"]
    assert results and results[0]["file_id"] == returns
    assert results[0]["filename"] == "return-policy.md"
    assert {r["file_id"] for r in results} <= set(files.values())
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    plain = result["plain"]
    assert plain["results"] is None
    assert plain["queries"] == [QUESTION] and plain["types"] == included["types"]
    assert plain["output_text"] == text and plain["annotations"] == included["annotations"]

    # the strict accumulator: event order, snapshots, finalResponse == retrieve
    stream = result["stream"]
    check_order(stream["events"])
    final, retrieved = stream["final"], stream["retrieved"]
    assert final["status"] == "completed" and final["output_text"] == text
    deltas = [e for e in stream["events"] if e["type"] == "response.output_text.delta"]
    snapshots = stream["snapshots"]
    assert len(snapshots) == len(deltas) and snapshots[-1] == text
    assert all(b.startswith(a) and len(b) > len(a) for a, b in pairwise(snapshots))
    assert retrieved["output_text"] == final["output_text"]
    assert without_sdk_fields(final) == without_sdk_fields(retrieved)
    assert stream["summary"]["results"] == results
    assert stream["summary"]["annotations"] == included["annotations"]
    # … and the Python SDK reads the very same response
    python = client.responses.retrieve(final["id"], include=INCLUDE)  # type: ignore[list-item]
    assert python.output_text == text
    assert python.to_dict() == without_sdk_fields(final)

    # the raw Stream
    raw = result["raw"]
    check_order(raw["events"])
    completed = raw["completed"]
    assert completed["status"] == "completed"
    python = client.responses.retrieve(completed["id"])
    assert python.to_dict() == completed
    assert python.output_text == text

    # input items, a follow-up turn
    items = result["input_items"]
    assert len(items) == 1 and items[0]["type"] == "message" and items[0]["role"] == "user"
    assert items[0]["content"] == [{"type": "input_text", "text": QUESTION}]
    follow_up = result["follow_up"]
    assert follow_up["previous_response_id"] == included["id"]
    assert follow_up["status"] == "completed"
    assert any(a["filename"] == "warranty.md" for a in follow_up["annotations"])
    assert follow_up["output_text"] == client.responses.retrieve(follow_up["id"]).output_text
    newest = result["follow_up_items"][0]
    assert newest["role"] == "user"
    assert newest["content"] == [{"type": "input_text", "text": "And how long is the warranty?"}]

    # delete, then 404 for both SDKs
    deleted = result["deleted"]
    assert deleted == {"id": plain["id"], "object": "response", "deleted": True}
    gone = result["after_delete"]
    assert gone["status"] == 404 and gone["not_found"], gone
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(plain["id"])

    # a tool vsmock does not serve
    bad = result["bad_tool"]
    assert bad["status"] == 400 and bad["bad_request"], bad
    assert bad["param"] == "tools[0].type"

    # every Responses request came from the Node SDK; the helper says it streams
    entries = server.admin("GET", "/requests").json()["data"]
    calls = [e for e in entries if e["path"].startswith("/v1/responses")]
    node_calls = [e for e in calls if e["request_headers"].get("x-stainless-lang") == "js"]
    assert len(node_calls) == 11, [(e["method"], e["path"]) for e in node_calls]
    helper = [e for e in node_calls if e["request_headers"].get("x-stainless-helper-method")]
    assert [e["request_headers"]["x-stainless-helper-method"] for e in helper] == ["stream"]
    assert helper[0]["request_body"]["stream"] is True
