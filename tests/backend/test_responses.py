"""The Responses API with the file_search tool, driven through the unmodified Python SDK.

Every response made is read back: retrieved (with and without ``include``), streamed
again, and its input items listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from conftest import ServeProcess, start_serve
from helpers import FAQ, upload, upload_faq

from vsmock.backend.grounding import NO_RESULTS_TEXT, NO_TOOL_TEXT
from vsmock.ingest.tokens import count_tokens

RETURN_QUESTION = "How long do I have to return an item?"
RETURN_ANSWER = "You can return any unused item within 30 days of delivery for a full refund."
RESULTS = ["file_search_call.results"]
EVENT_ORDER = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.file_search_call.in_progress",
    "response.file_search_call.searching",
    "response.file_search_call.completed",
    "response.output_item.done",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.annotation.added",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
]


def faq_store(client: openai.OpenAI, name: str = "faq") -> Any:
    files = upload_faq(client)
    store = client.vector_stores.create(name=name, file_ids=[f.id for f in files.values()])
    assert store.file_counts.completed == len(files)
    return store


def file_search(*store_ids: str, **options: Any) -> list[Any]:
    return [{"type": "file_search", "vector_store_ids": list(store_ids), **options}]


def dump(response: Any) -> dict[str, Any]:
    """A response as JSON, without what the SDK adds when it parses a stream."""
    data: dict[str, Any] = response.model_dump(mode="json", exclude_none=False)
    data.pop("output_parsed", None)
    for item in data["output"]:
        for part in item.get("content") or []:
            part.pop("parsed", None)
    return data


def collapse(types: list[str]) -> list[str]:
    """Event types with runs of deltas and of annotations written once."""
    out: list[str] = []
    for kind in types:
        if out and out[-1] == kind and kind.endswith((".delta", ".annotation.added")):
            continue
        out.append(kind)
    return out


# -- a grounded answer ----------------------------------------------------------------------------
def test_a_grounded_answer_quotes_and_cites_the_best_file(client: openai.OpenAI) -> None:
    store = faq_store(client)
    response = client.responses.create(
        model="gpt-4.1-mini",
        input=RETURN_QUESTION,
        tools=file_search(store.id),
        include=RESULTS,
    )
    assert response.status == "completed"
    assert response.output_text == RETURN_ANSWER
    call, message = response.output
    assert call.type == "file_search_call" and call.id.startswith("fs_")
    assert call.status == "completed"
    assert call.queries == [RETURN_QUESTION]
    assert call.results and call.results[0].filename == "return-policy.md"
    scores = [r.score for r in call.results]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert len(call.results) <= 10
    assert message.type == "message" and message.id.startswith("msg_")
    assert message.role == "assistant" and message.status == "completed"
    (part,) = message.content
    (citation,) = part.annotations
    assert citation.type == "file_citation"
    assert (citation.file_id, citation.filename) == (call.results[0].file_id, "return-policy.md")
    assert citation.index == len(RETURN_ANSWER)
    assert response.id.startswith("resp_") and response.model == "gpt-4.1-mini"
    # the results are those of the vector-store search, chunk for chunk
    search = client.vector_stores.search(store.id, query=RETURN_QUESTION)
    assert [r.file_id for r in call.results][: len(search.data)] == [
        item.file_id for item in search.data
    ]
    assert call.results[0].text == search.data[0].content[0].text

    # read back: the same response, results shown only when asked for
    with_results = client.responses.retrieve(response.id, include=RESULTS)
    assert dump(with_results) == dump(response)
    without = client.responses.retrieve(response.id)
    assert without.output[0].results is None
    assert without.output_text == RETURN_ANSWER
    assert {**dump(without), "output": None} == {**dump(response), "output": None}


def test_results_are_null_unless_included(client: openai.OpenAI) -> None:
    store = faq_store(client)
    response = client.responses.create(
        model="gpt-4.1-mini", input=RETURN_QUESTION, tools=file_search(store.id)
    )
    assert response.output[0].results is None
    assert response.output_text == RETURN_ANSWER  # the answer does not depend on include
    shown = client.responses.retrieve(response.id, include=RESULTS)
    assert shown.output[0].results and shown.output[0].results[0].filename == "return-policy.md"
    assert client.responses.retrieve(response.id).output[0].results is None


def test_usage_counts_instructions_input_chunks_and_the_answer(client: openai.OpenAI) -> None:
    store = faq_store(client)
    response = client.responses.create(
        model="m",
        instructions="Answer from the files.",
        input=RETURN_QUESTION,
        tools=file_search(store.id),
        include=RESULTS,
    )
    usage = response.usage
    assert usage is not None
    chunks = sum(count_tokens(r.text or "") for r in response.output[0].results or [])
    expected_input = count_tokens("Answer from the files.") + count_tokens(RETURN_QUESTION) + chunks
    assert usage.input_tokens == expected_input
    assert usage.output_tokens == count_tokens(RETURN_ANSWER)
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.input_tokens_details.cached_tokens == 0
    assert usage.output_tokens_details.reasoning_tokens == 0


def test_max_output_tokens_cuts_the_answer(client: openai.OpenAI) -> None:
    store = faq_store(client)
    response = client.responses.create(
        model="m", input=RETURN_QUESTION, tools=file_search(store.id), max_output_tokens=16
    )
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.completed_at is None
    assert response.output[1].status == "incomplete"
    assert RETURN_ANSWER.startswith(response.output_text) and response.output_text != RETURN_ANSWER
    assert response.usage is not None and response.usage.output_tokens == 16
    assert response.output[1].content[0].annotations == []  # the citation was cut off
    assert dump(client.responses.retrieve(response.id)) == dump(response)


# -- retrieval options ----------------------------------------------------------------------------
def test_filters_and_max_num_results(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="tagged")
    for path in sorted(FAQ.glob("*.md")):
        uploaded = client.files.create(file=path.open("rb"), purpose="assistants")
        topic = "returns" if "return" in path.name else "other"
        client.vector_stores.files.create(
            store.id, file_id=uploaded.id, attributes={"topic": topic}
        )
    only_other = client.responses.create(
        model="m",
        input=RETURN_QUESTION,
        tools=file_search(store.id, filters={"type": "eq", "key": "topic", "value": "other"}),
        include=RESULTS,
    )
    results = only_other.output[0].results or []
    assert results and all(r.attributes == {"topic": "other"} for r in results)
    assert "return-policy.md" not in {r.filename for r in results}
    assert only_other.tools[0].filters is not None  # echoed

    one = client.responses.create(
        model="m", input=RETURN_QUESTION, tools=file_search(store.id, max_num_results=1)
    )
    shown = client.responses.retrieve(one.id, include=RESULTS)
    assert [r.filename for r in shown.output[0].results or []] == ["return-policy.md"]
    assert shown.tools[0].max_num_results == 1

    strict = client.responses.create(
        model="m",
        input=RETURN_QUESTION,
        tools=file_search(store.id, ranking_options={"score_threshold": 0.99}),
        include=RESULTS,
    )
    assert strict.output[0].results == []
    assert strict.output_text == NO_RESULTS_TEXT
    assert strict.output[1].content[0].annotations == []


def test_two_stores_are_searched_and_merged(client: openai.OpenAI, server: ServeProcess) -> None:
    # a frozen clock: on a real one, a busy machine can cross a second between the reads
    assert server.admin("POST", "/reset", json={"now": 1_700_000_000}).status_code == 200
    faq = faq_store(client)
    other = client.vector_stores.create(name="extra")
    extra = upload(client, "refunds.md", "To return an item bought in a shop, bring the receipt.")
    client.vector_stores.files.create(other.id, file_id=extra.id)
    before = client.vector_stores.retrieve(other.id).last_active_at
    server.admin("POST", "/clock", json={"advance_seconds": 60})
    response = client.responses.create(
        model="m", input=RETURN_QUESTION, tools=file_search(faq.id, other.id), include=RESULTS
    )
    results = response.output[0].results or []
    names = [r.filename for r in results]
    assert "refunds.md" in names and "return-policy.md" in names
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    # a later file is cited when its quoted sentence holds a query word
    cited = [a.filename for a in response.output[1].content[0].annotations]
    assert cited[0] == names[0] and "refunds.md" in cited
    # searching marks both stores active
    assert before == 1_700_000_000
    assert client.vector_stores.retrieve(other.id).last_active_at == before + 60
    assert client.vector_stores.retrieve(faq.id).last_active_at == before + 60


# -- without a search -----------------------------------------------------------------------------
def test_no_tool_answers_a_fixed_text(client: openai.OpenAI) -> None:
    response = client.responses.create(model="m", input="Hello?")
    assert [item.type for item in response.output] == ["message"]
    assert response.output_text == NO_TOOL_TEXT
    assert response.tools == []
    assert client.responses.retrieve(response.id).output_text == NO_TOOL_TEXT


@pytest.mark.parametrize("options", [{"tool_choice": "none"}, {"max_tool_calls": 0}])
def test_tool_choice_none_or_no_tool_calls_skip_the_search(
    client: openai.OpenAI, options: dict[str, Any]
) -> None:
    store = client.vector_stores.create(name="s")
    response = client.responses.create(
        model="m", input=RETURN_QUESTION, tools=file_search(store.id), **options
    )
    assert [item.type for item in response.output] == ["message"]
    assert response.output_text == NO_TOOL_TEXT


def test_forced_file_search_searches(client: openai.OpenAI) -> None:
    store = faq_store(client)
    for choice in ("required", {"type": "file_search"}):
        response = client.responses.create(
            model="m",
            input=RETURN_QUESTION,
            tools=file_search(store.id),
            tool_choice=choice,  # type: ignore[arg-type]
        )
        assert response.output_text == RETURN_ANSWER
        assert client.responses.retrieve(response.id).tool_choice == response.tool_choice


# -- errors ---------------------------------------------------------------------------------------
def bad_request(call: Any) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(
    ("options", "status", "param", "code"),
    [
        ({"tools": [{"type": "web_search"}]}, 400, "tools[0].type", "invalid_value"),
        (
            {"tools": [{"type": "function", "name": "f", "parameters": {}}]},
            400,
            "tools[0].type",
            "invalid_value",
        ),
        ({"tools": [{"type": "file_search", "vector_store_ids": []}]}, 400, None, None),
        ({"tools": [{"type": "file_search"}]}, 400, None, None),
        ({"tool_choice": "required"}, 400, "tool_choice", "invalid_value"),
        ({"tool_choice": {"type": "file_search"}}, 400, "tool_choice", "invalid_value"),
        ({"background": True}, 400, "background", "invalid_value"),
        (
            {"previous_response_id": "resp_unknown"},
            400,
            "previous_response_id",
            "previous_response_not_found",
        ),
        ({"max_output_tokens": 3}, 400, None, None),
        ({"temperature": 3}, 400, None, None),
        (
            {"input": [{"role": "user", "content": [{"type": "output_text", "text": "x"}]}]},
            400,
            "input[0].content[0].type",
            "invalid_value",
        ),
        ({"input": [{"role": "user", "content": [{"type": "input_image"}]}]}, 400, None, None),
    ],
)
def test_invalid_requests_get_the_envelope(
    client: openai.OpenAI,
    options: dict[str, Any],
    status: int,
    param: str | None,
    code: str | None,
) -> None:
    body = {"model": "m", "input": "x", **options}
    error = bad_request(lambda: client.responses.create(**body))
    assert error.status_code == status
    assert isinstance(error.body, dict) and error.body.get("message")
    if param is not None:
        assert (error.body["param"], error.body["code"]) == (param, code)
    if param is not None and param.startswith("tools"):
        assert "file_search" in error.body["message"]


def test_missing_model_is_refused(api: httpx.Client) -> None:
    answer = api.post("/responses", json={"input": "x"})
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == "model"


def test_unknown_deleted_and_expired_stores(client: openai.OpenAI, server: ServeProcess) -> None:
    unknown = bad_request(
        lambda: client.responses.create(model="m", input="x", tools=file_search("vs_missing"))
    )
    assert unknown.status_code == 404 and "vs_missing" in unknown.message
    gone = client.vector_stores.create(name="gone")
    client.vector_stores.delete(gone.id)
    deleted = bad_request(
        lambda: client.responses.create(model="m", input="x", tools=file_search(gone.id))
    )
    assert deleted.status_code == 404
    foreign = bad_request(
        lambda: client.responses.create(model="m", input="x", tools=file_search("file-abc"))
    )
    assert foreign.status_code in (400, 404)
    expiring = client.vector_stores.create(
        name="brief", expires_after={"anchor": "last_active_at", "days": 1}
    )
    server.admin("POST", "/clock", json={"advance_seconds": 2 * 86_400})
    expired = bad_request(
        lambda: client.responses.create(model="m", input="x", tools=file_search(expiring.id))
    )
    assert expired.status_code == 400
    assert isinstance(expired.body, dict) and expired.body["code"] == "vector_store_expired"
    # nothing was stored by the failures, and the expired store was not revived
    assert client.vector_stores.retrieve(expiring.id).status == "expired"


def test_unknown_responses(client: openai.OpenAI, api: httpx.Client) -> None:
    for call in (
        lambda: client.responses.retrieve("resp_missing"),
        lambda: client.responses.delete("resp_missing"),
        lambda: client.responses.input_items.list("resp_missing"),
    ):
        error = bad_request(call)
        assert error.status_code == 404
        assert isinstance(error.body, dict)
        assert error.body["message"] == "Response with id 'resp_missing' not found."
    malformed = api.get("/responses/vs_123")
    assert malformed.status_code == 400
    assert malformed.json()["error"]["param"] == "response_id"


# -- streaming ------------------------------------------------------------------------------------
def test_a_stream_sends_the_live_event_order(client: openai.OpenAI) -> None:
    store = faq_store(client)
    stream = client.responses.create(
        model="m", input=RETURN_QUESTION, tools=file_search(store.id), stream=True
    )
    events = list(stream)
    types = [event.type for event in events]
    assert collapse(types) == EVENT_ORDER
    assert [event.sequence_number for event in events] == list(range(len(events)))
    created, completed = events[0], events[-1]
    assert created.response.status == "in_progress" and created.response.output == []
    assert created.response.usage is None
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) > 1 and "".join(deltas) == RETURN_ANSWER
    final = completed.response
    assert final.output_text == RETURN_ANSWER
    # the stored response is the completed event's, and a replay is the same stream
    assert dump(client.responses.retrieve(final.id)) == dump(final)
    replay = list(client.responses.retrieve(final.id, stream=True))
    assert [e.model_dump() for e in replay] == [e.model_dump() for e in events]
    with client.responses.stream(response_id=final.id, starting_after=10) as resumed:
        later = list(resumed)
    assert [e.sequence_number for e in later] == list(range(11, len(events)))


def test_the_stream_helper_final_response_is_the_stored_one(client: openai.OpenAI) -> None:
    store = faq_store(client)
    with client.responses.stream(
        model="m", input=RETURN_QUESTION, tools=file_search(store.id), include=RESULTS
    ) as stream:
        snapshots = [e.snapshot for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert snapshots[-1] == RETURN_ANSWER
    assert final.output_text == RETURN_ANSWER
    assert dump(client.responses.retrieve(final.id, include=RESULTS)) == dump(final)


def test_a_stream_on_the_wire(api: httpx.Client, server: ServeProcess) -> None:
    """``event:`` lines, one JSON ``data:`` line each, no ``[DONE]``; chosen by the body."""
    answer = api.post("/responses", json={"model": "m", "input": "hi", "stream": True})
    (entry,) = server.admin("GET", "/requests").json()["data"]
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/v1/responses", 200)
    assert entry["response_body"]["bytes"] == len(answer.content)  # the journal saw it all
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    blocks = answer.text.split("\n\n")
    assert blocks[-1] == "" and "[DONE]" not in answer.text
    numbers = []
    for block in blocks[:-1]:
        event_line, data_line = block.split("\n")
        data = json.loads(data_line.removeprefix("data: "))
        assert event_line == f"event: {data['type']}"
        numbers.append(data["sequence_number"])
    response_id = json.loads(blocks[0].split("\n")[1].removeprefix("data: "))["response"]["id"]
    replayed = api.get(f"/responses/{response_id}", params={"stream": "true"})
    assert replayed.text == answer.text  # the same bytes
    resumed = api.get(f"/responses/{response_id}", params={"stream": "true", "starting_after": 3})
    assert resumed.text == "\n\n".join(blocks[4:])
    assert numbers == list(range(len(numbers)))


def test_served_at_the_root_too(server: ServeProcess) -> None:
    headers = {"Authorization": "Bearer sk-test"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as root:
        made = root.post("/responses", json={"model": "m", "input": "hi"}).json()
        assert root.get(f"/responses/{made['id']}").json() == made
        items = root.get(f"/responses/{made['id']}/input_items").json()
        assert [item["role"] for item in items["data"]] == ["user"]
        assert root.delete(f"/responses/{made['id']}").json()["deleted"] is True
        assert root.get(f"/responses/{made['id']}").status_code == 404


def test_a_failed_stream_request_is_a_plain_error(client: openai.OpenAI) -> None:
    error = bad_request(
        lambda: client.responses.create(
            model="m", input="x", tools=file_search("vs_missing"), stream=True
        )
    )
    assert error.status_code == 404


# -- state: delete, chains, store:false, scripted replies, restarts -------------------------------
def test_delete_is_read_back(client: openai.OpenAI, api: httpx.Client) -> None:
    response = client.responses.create(model="m", input="hi")
    answer = api.delete(f"/responses/{response.id}")
    assert answer.json() == {"id": response.id, "object": "response", "deleted": True}
    for call in (
        lambda: client.responses.retrieve(response.id),
        lambda: client.responses.input_items.list(response.id),
        lambda: client.responses.delete(response.id),
    ):
        assert bad_request(call).status_code == 404


def test_previous_response_id_chains_the_input(client: openai.OpenAI) -> None:
    store = faq_store(client)
    first = client.responses.create(model="m", input=RETURN_QUESTION, tools=file_search(store.id))
    second = client.responses.create(
        model="m",
        input="How long does standard shipping take?",
        previous_response_id=first.id,
        tools=file_search(store.id),
    )
    assert second.previous_response_id == first.id
    assert second.output[0].queries == ["How long does standard shipping take?"]
    assert "3 to 5 business days" in second.output_text
    items = client.responses.input_items.list(second.id, order="asc").data
    first_items = client.responses.input_items.list(first.id, order="asc").data
    assert [i.id for i in items] == [
        *[i.id for i in first_items],
        *[o.id for o in first.output],
        items[-1].id,
    ]
    assert items[-1].type == "message" and items[-1].role == "user"
    assert items[-1].content[0].text == "How long does standard shipping take?"
    newest_first = client.responses.input_items.list(second.id).data
    assert [i.id for i in newest_first] == [i.id for i in reversed(items)]
    # pages of two, with the SDK's auto-pagination
    paged = [i.id for i in client.responses.input_items.list(second.id, limit=2, order="asc")]
    assert paged == [i.id for i in items]
    page = client.responses.input_items.list(second.id, limit=2, order="asc")
    assert page.has_more is True
    # results of the earlier file_search_call follow include
    calls = [i for i in items if i.type == "file_search_call"]
    assert calls and calls[0].results is None
    shown = client.responses.input_items.list(second.id, order="asc", include=RESULTS).data
    assert [i for i in shown if i.type == "file_search_call"][0].results


def test_list_input_messages_of_every_role(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="m",
        input=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "input_text", "text": "First question"}]},
            {"role": "assistant", "content": "An earlier answer."},
            {"role": "user", "content": "Second question"},
        ],
    )
    items = client.responses.input_items.list(response.id, order="asc").data
    assert [(i.type, i.role) for i in items] == [  # type: ignore[union-attr]
        ("message", "developer"),
        ("message", "user"),
        ("message", "assistant"),
        ("message", "user"),
    ]
    assert items[2].content[0].type == "output_text"  # type: ignore[union-attr]
    assert len({i.id for i in items}) == 4
    error = bad_request(lambda: client.responses.input_items.list(response.id, after="msg_x"))
    assert error.status_code == 404


def test_store_false_is_answered_but_not_kept(client: openai.OpenAI) -> None:
    response = client.responses.create(model="m", input="hi", store=False)
    assert response.output_text == NO_TOOL_TEXT
    assert bad_request(lambda: client.responses.retrieve(response.id)).status_code == 404
    chained = bad_request(
        lambda: client.responses.create(model="m", input="x", previous_response_id=response.id)
    )
    assert chained.status_code == 400


def test_scripted_replies_keep_the_retrievals_citations(
    client: openai.OpenAI, server: ServeProcess
) -> None:
    store = faq_store(client)
    queued = server.admin("POST", "/responses", json={"text": "Thirty days.", "count": 2})
    assert queued.json() == {"data": [{"text": "Thirty days.", "count": 2}]}
    replies = [
        client.responses.create(model="m", input=RETURN_QUESTION, tools=file_search(store.id))
        for _ in range(3)
    ]
    assert [r.output_text for r in replies] == ["Thirty days.", "Thirty days.", RETURN_ANSWER]
    (citation,) = replies[0].output[1].content[0].annotations
    assert (citation.filename, citation.index) == ("return-policy.md", len("Thirty days."))
    assert server.admin("GET", "/responses").json() == {"data": []}
    assert client.responses.retrieve(replies[0].id).output_text == "Thirty days."
    # a reset forgets the queue; a queue can be emptied
    server.admin("POST", "/responses", json={"text": "x"})
    server.admin("POST", "/reset", json={})
    assert server.admin("GET", "/responses").json() == {"data": []}
    server.admin("POST", "/responses", json={"text": "y", "count": 3})
    assert server.admin("DELETE", "/responses").json() == {"data": []}
    assert server.admin("POST", "/responses", json={"count": 1}).status_code == 400
    assert server.admin("POST", "/responses", json={"text": "z", "count": 0}).status_code == 400


def test_responses_survive_a_restart(tmp_path: Path) -> None:
    def sdk(proc: ServeProcess) -> openai.OpenAI:
        return openai.OpenAI(api_key="sk", base_url=proc.base_url, max_retries=0)

    proc = start_serve("--data-dir", str(tmp_path), "--seed", "3")
    try:
        client = sdk(proc)
        store = faq_store(client)
        first = client.responses.create(
            model="m", input=RETURN_QUESTION, tools=file_search(store.id), include=RESULTS
        )
        unkept = client.responses.create(model="m", input="x", store=False)
        items = client.responses.input_items.list(first.id).model_dump()
    finally:
        proc.stop()
    proc = start_serve("--data-dir", str(tmp_path), "--seed", "3")
    try:
        client = sdk(proc)
        assert dump(client.responses.retrieve(first.id, include=RESULTS)) == dump(first)
        assert client.responses.input_items.list(first.id).model_dump() == items
        assert bad_request(lambda: client.responses.retrieve(unkept.id)).status_code == 404
        second = client.responses.create(model="m", input="more", previous_response_id=first.id)
        assert second.id not in (first.id, unkept.id)  # the id source went on
        client.responses.delete(first.id)
    finally:
        proc.stop()
    proc = start_serve("--data-dir", str(tmp_path), "--seed", "3")
    try:
        client = sdk(proc)
        assert bad_request(lambda: client.responses.retrieve(first.id)).status_code == 404
        assert client.responses.retrieve(second.id).previous_response_id == first.id
    finally:
        proc.stop()


def test_a_seed_and_a_frozen_clock_replay_byte_for_byte() -> None:
    def session() -> list[bytes]:
        proc = start_serve("--seed", "11", "--now", "1700000000")
        try:
            with httpx.Client(base_url=proc.base_url, headers={"Authorization": "Bearer k"}) as api:
                sent = []
                path = sorted(FAQ.glob("*.md"))[0]
                file_id = api.post(
                    "/files",
                    files={"file": (path.name, path.read_bytes())},
                    data={"purpose": "assistants"},
                ).json()["id"]
                store = api.post("/vector_stores", json={"file_ids": [file_id]}).json()
                body = {
                    "model": "m",
                    "input": "What is in this file?",
                    "tools": file_search(store["id"]),
                }
                for extra in ({}, {"stream": True}):
                    answer = api.post("/responses", json={**body, **extra})
                    sent.append(answer.content)
                response_id = json.loads(sent[0])["id"]
                sent.append(api.get(f"/responses/{response_id}/input_items").content)
                return sent
        finally:
            proc.stop()

    assert session() == session()
