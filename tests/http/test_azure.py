"""Azure OpenAI clients: every operation through the unmodified ``openai.AzureOpenAI``.

``AzureOpenAI(azure_endpoint=URL, api_version=V, api_key=K)`` sends
``URL/openai/<path>?api-version=V`` with an ``api-key: K`` header (vector stores, files,
file batches, search and responses are never under ``/deployments/{name}``). vsmock
serves those paths as the API's own, requires ``api-version`` there (a 400 otherwise,
except under Azure's ``/openai/v1/``), and takes the key from ``api-key`` or ``Bearer``.
Every write is read back through the same client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from conftest import DOCS, ServeProcess, start_serve

API_VERSION = "2024-10-21"
KEY = "sk-azure-test"
FAQ = DOCS / "support-faq"
QUESTION = "How long do I have to return an item?"
ANSWER = "You can return any unused item within 30 days of delivery for a full refund."
MISSING_VERSION = {
    "message": "The api-version query parameter (?api-version=) is required for all requests.",
    "type": "invalid_request_error",
    "param": "api-version",
    "code": "MissingApiVersionParameter",
}


@pytest.fixture
def azure(server: ServeProcess) -> Iterator[openai.AzureOpenAI]:
    with openai.AzureOpenAI(
        azure_endpoint=server.url, api_version=API_VERSION, api_key=KEY, max_retries=0
    ) as sdk:
        yield sdk


def journal(server: ServeProcess) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = server.admin("GET", "/requests").json()["data"]
    return entries


def upload(azure: openai.AzureOpenAI, name: str, text: str) -> Any:
    return azure.files.create(file=(name, text.encode()), purpose="assistants")


# -- what the SDK sends, and how vsmock serves it -------------------------------------------------
def test_the_sdk_sends_openai_paths_with_api_version_and_api_key(
    azure: openai.AzureOpenAI, server: ServeProcess
) -> None:
    store = azure.vector_stores.with_raw_response.create(name="azure")
    request = store.http_request
    assert request.url.path == "/openai/vector_stores"
    assert request.url.params["api-version"] == API_VERSION
    assert request.headers["api-key"] == KEY and "authorization" not in request.headers
    assert store.status_code == 200 and store.headers["x-request-id"].startswith("req_")
    # the journal lists it at the API path it was served at, api-version in its query,
    # and never the key
    (entry,) = journal(server)
    assert (entry["method"], entry["path"]) == ("POST", "/vector_stores")
    assert entry["query"] == f"api-version={API_VERSION}"
    assert entry["status"] == 200
    assert "api-key" not in entry["request_headers"]


# -- files ----------------------------------------------------------------------------------------
def test_files_create_list_retrieve_content_delete(
    azure: openai.AzureOpenAI, server: ServeProcess
) -> None:
    text = "Azure clients upload files like everyone else."
    file = upload(azure, "azure.txt", text)
    assert file.id.startswith("file-") and file.filename == "azure.txt"
    assert file.bytes == len(text) and file.purpose == "assistants"

    assert azure.files.retrieve(file.id) == file
    assert [f.id for f in azure.files.list()] == [file.id]
    assert [f.id for f in azure.files.list(purpose="assistants")] == [file.id]
    assert azure.files.content(file.id).read() == text.encode()

    deleted = azure.files.delete(file.id)
    assert (deleted.id, deleted.deleted) == (file.id, True)
    with pytest.raises(openai.NotFoundError) as info:
        azure.files.retrieve(file.id)
    assert info.value.body["message"] == f"No such File object: {file.id}"  # type: ignore[index]
    assert list(azure.files.list()) == []
    paths = [e["path"] for e in journal(server)]
    assert paths[:2] == ["/files", f"/files/{file.id}"]
    assert all(e["query"].startswith(f"api-version={API_VERSION}") for e in journal(server))


# -- vector stores --------------------------------------------------------------------------------
def test_vector_stores_create_retrieve_update_list_search_delete(
    azure: openai.AzureOpenAI,
) -> None:
    star = upload(azure, "star.txt", "Alpha Centauri is the closest star system to the sun.")
    fruit = upload(azure, "fruit.txt", "Bananas are berries, botanically speaking.")
    store = azure.vector_stores.create(
        name="azure store", file_ids=[star.id, fruit.id], metadata={"team": "azure"}
    )
    assert store.status == "completed" and store.file_counts.completed == 2
    assert azure.vector_stores.retrieve(store.id) == store

    updated = azure.vector_stores.update(store.id, name="renamed", metadata={"team": "blue"})
    assert (updated.name, updated.metadata) == ("renamed", {"team": "blue"})
    again = azure.vector_stores.retrieve(store.id)
    assert (again.name, again.metadata) == ("renamed", {"team": "blue"})
    other = azure.vector_stores.create(name="other")
    listed = azure.vector_stores.list(order="asc", limit=1)
    assert [s.id for s in listed.data] == [store.id] and listed.has_more
    following = listed.get_next_page()  # the cursor, sent with api-version too
    assert [s.id for s in following.data] == [other.id] and not following.has_more
    assert [s.id for s in azure.vector_stores.list(order="asc")] == [store.id, other.id]

    hits = azure.vector_stores.search(store.id, query="closest star", max_num_results=1)
    (hit,) = hits.data
    assert (hit.file_id, hit.filename) == (star.id, "star.txt")
    assert "closest star" in hit.content[0].text
    assert hits.search_query == ["closest star"]

    deleted = azure.vector_stores.delete(store.id)
    assert (deleted.id, deleted.deleted) == (store.id, True)
    with pytest.raises(openai.NotFoundError):
        azure.vector_stores.retrieve(store.id)
    assert [s.id for s in azure.vector_stores.list()] == [other.id]


# -- vector-store files ---------------------------------------------------------------------------
def test_vector_store_files_attach_read_attributes_content_detach(
    azure: openai.AzureOpenAI, server: ServeProcess
) -> None:
    server.admin("POST", "/processing", json={"polls": 2})
    text = "Gamma rays have the smallest wavelengths of all light."
    file = upload(azure, "gamma.txt", text)
    store = azure.vector_stores.create(name="files")
    attached = azure.vector_stores.files.create_and_poll(
        file_id=file.id, vector_store_id=store.id, attributes={"topic": "physics"}
    )
    assert attached.status == "completed" and attached.attributes == {"topic": "physics"}
    polls = [e for e in journal(server) if e["path"].endswith(f"/files/{file.id}")]
    assert [e["response_body"]["status"] for e in polls] == ["in_progress", "completed"]
    assert polls[0]["request_headers"]["x-stainless-poll-helper"] == "true"
    assert azure.vector_stores.files.retrieve(file.id, vector_store_id=store.id) == attached
    assert [f.id for f in azure.vector_stores.files.list(vector_store_id=store.id)] == [file.id]

    updated = azure.vector_stores.files.update(
        file.id, vector_store_id=store.id, attributes={"topic": "optics", "year": 2024}
    )
    assert updated.attributes == {"topic": "optics", "year": 2024}
    read = azure.vector_stores.files.retrieve(file.id, vector_store_id=store.id)
    assert read.attributes == {"topic": "optics", "year": 2024}
    hits = azure.vector_stores.search(
        store.id,
        query="smallest wavelengths",
        filters={"type": "eq", "key": "topic", "value": "optics"},
    )
    assert [h.file_id for h in hits.data] == [file.id]
    assert hits.data[0].attributes == {"topic": "optics", "year": 2024}

    parts = list(azure.vector_stores.files.content(file.id, vector_store_id=store.id))
    assert parts and all(p.type == "text" for p in parts)
    assert text in "".join(p.text or "" for p in parts)

    detached = azure.vector_stores.files.delete(file.id, vector_store_id=store.id)
    assert (detached.id, detached.deleted) == (file.id, True)
    assert list(azure.vector_stores.files.list(vector_store_id=store.id)) == []
    with pytest.raises(openai.NotFoundError):
        azure.vector_stores.files.retrieve(file.id, vector_store_id=store.id)
    assert azure.files.retrieve(file.id).id == file.id  # detaching keeps the File


# -- file batches ---------------------------------------------------------------------------------
def test_file_batches_create_retrieve_cancel_list_files(
    azure: openai.AzureOpenAI, server: ServeProcess
) -> None:
    files = [
        upload(azure, f"doc{i}.txt", f"Document number {i} talks about topic {i}.")
        for i in range(3)
    ]
    ids = [f.id for f in files]
    store = azure.vector_stores.create(name="batches")

    done = azure.vector_stores.file_batches.create_and_poll(
        vector_store_id=store.id, file_ids=ids[:2]
    )
    assert done.status == "completed" and done.file_counts.completed == 2
    assert azure.vector_stores.file_batches.retrieve(done.id, vector_store_id=store.id) == done
    members = azure.vector_stores.file_batches.list_files(done.id, vector_store_id=store.id)
    assert sorted(f.id for f in members) == sorted(ids[:2])

    server.admin("POST", "/processing", json={"polls": 100})
    slow = azure.vector_stores.file_batches.create(vector_store_id=store.id, file_ids=ids[2:])
    assert slow.status == "in_progress"
    cancelled = azure.vector_stores.file_batches.cancel(slow.id, vector_store_id=store.id)
    assert cancelled.status == "cancelled" and cancelled.file_counts.cancelled == 1
    read = azure.vector_stores.file_batches.retrieve(slow.id, vector_store_id=store.id)
    assert read.status == "cancelled" and read.file_counts == cancelled.file_counts
    (member,) = azure.vector_stores.file_batches.list_files(slow.id, vector_store_id=store.id)
    assert (member.id, member.status) == (ids[2], "cancelled")
    counts = azure.vector_stores.retrieve(store.id).file_counts
    assert (counts.completed, counts.cancelled, counts.total) == (2, 1, 3)


# -- responses ------------------------------------------------------------------------------------
def faq_store(azure: openai.AzureOpenAI) -> Any:
    files = [
        azure.files.create(file=path.open("rb"), purpose="assistants")
        for path in sorted(FAQ.glob("*.md"))
    ]
    return azure.vector_stores.create(name="faq", file_ids=[f.id for f in files])


def test_responses_create_stream_retrieve_input_items_delete(azure: openai.AzureOpenAI) -> None:
    store = faq_store(azure)
    tools: Any = [{"type": "file_search", "vector_store_ids": [store.id]}]
    response = azure.responses.create(
        model="gpt-4.1-mini", input=QUESTION, tools=tools, include=["file_search_call.results"]
    )
    assert response.status == "completed" and response.output_text == ANSWER
    call, message = response.output
    assert call.type == "file_search_call" and call.results
    assert call.results[0].filename == "return-policy.md"
    assert message.type == "message"
    (citation,) = message.content[0].annotations  # type: ignore[union-attr]
    assert citation.type == "file_citation" and citation.filename == "return-policy.md"

    read = azure.responses.retrieve(response.id, include=["file_search_call.results"])
    assert read.model_dump() == response.model_dump()
    items = list(azure.responses.input_items.list(response.id))
    assert [(i.type, i.role) for i in items] == [("message", "user")]  # type: ignore[union-attr]

    # streamed: raw events, then the SDK's accumulating helper
    events = list(
        azure.responses.create(model="gpt-4.1-mini", input=QUESTION, tools=tools, stream=True)
    )
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    streamed = events[-1].response  # type: ignore[union-attr]
    assert streamed.output_text == ANSWER
    assert azure.responses.retrieve(streamed.id).output_text == ANSWER
    with azure.responses.stream(model="gpt-4.1-mini", input=QUESTION, tools=tools) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == ANSWER == final.output_text

    follow = azure.responses.create(
        model="gpt-4.1-mini",
        input="And the warranty?",
        tools=tools,
        previous_response_id=response.id,
    )
    assert follow.previous_response_id == response.id

    deleted = azure.responses.delete(response.id)
    assert deleted is None
    with pytest.raises(openai.NotFoundError):
        azure.responses.retrieve(response.id)
    with pytest.raises(openai.NotFoundError):
        azure.responses.input_items.list(response.id)


# -- api-version ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/openai/vector_stores"),
        ("POST", "/openai/vector_stores"),
        ("GET", "/openai/files?purpose=assistants"),
        ("GET", "/openai/vector_stores/vs_x/files?api-version="),
        ("POST", "/openai/responses?version=2024-10-21"),
    ],
)
def test_a_missing_api_version_is_a_400(server: ServeProcess, method: str, path: str) -> None:
    response = httpx.request(method, server.url + path, headers={"api-key": KEY}, json={})
    assert response.status_code == 400, response.text
    assert response.json() == {"error": MISSING_VERSION}
    assert response.headers["x-request-id"].startswith("req_")


def test_the_sdk_surfaces_a_missing_api_version_as_bad_request(server: ServeProcess) -> None:
    # an OpenAI client pointed at the Azure routes: it sends no api-version
    with (
        openai.OpenAI(
            base_url=server.url + "/openai", api_key=KEY, default_headers={"api-key": KEY}
        ) as plain,
        pytest.raises(openai.BadRequestError) as info,
    ):
        plain.vector_stores.create(name="never")
    error = info.value
    assert (error.status_code, error.code, error.param) == (
        400,
        MISSING_VERSION["code"],
        "api-version",
    )
    assert error.message == f"Error code: 400 - {MISSING_VERSION['message']}"
    # nothing was created
    with openai.AzureOpenAI(
        azure_endpoint=server.url, api_version=API_VERSION, api_key=KEY
    ) as azure:
        assert list(azure.vector_stores.list()) == []


def test_any_api_version_is_accepted_and_a_per_request_one_wins(
    azure: openai.AzureOpenAI, server: ServeProcess
) -> None:
    with openai.AzureOpenAI(
        azure_endpoint=server.url, api_version="2025-04-01-preview", api_key=KEY
    ) as preview:
        store = preview.vector_stores.create(name="preview")
    read = azure.vector_stores.retrieve(store.id, extra_query={"api-version": "2099-01-01"})
    assert read.id == store.id
    assert [e["query"] for e in journal(server)] == [
        "api-version=2025-04-01-preview",
        "api-version=2099-01-01",
    ]


def test_the_azure_v1_api_needs_no_api_version(server: ServeProcess) -> None:
    # Azure's v1 API, as Microsoft documents it: the OpenAI client at {endpoint}/openai/v1/
    with openai.OpenAI(base_url=server.url + "/openai/v1/", api_key=KEY) as v1:
        store = v1.vector_stores.create(name="v1")
        assert v1.vector_stores.retrieve(store.id) == store
    # AzureOpenAI at the same base URL sends api-key and api-version=preview
    with openai.AzureOpenAI(
        base_url=server.url + "/openai/v1/", api_version="preview", api_key=KEY
    ) as azure_v1:
        assert [s.id for s in azure_v1.vector_stores.list()] == [store.id]
    assert [(e["path"], e["query"]) for e in journal(server)] == [
        ("/v1/vector_stores", ""),
        (f"/v1/vector_stores/{store.id}", ""),
        ("/v1/vector_stores", "api-version=preview"),
    ]


def test_a_deployment_client_is_served_too(server: ServeProcess) -> None:
    # azure_deployment only changes model-bound routes (chat, embeddings...), none of these
    with openai.AzureOpenAI(
        azure_endpoint=server.url,
        azure_deployment="gpt-4o-deployment",
        api_version=API_VERSION,
        api_key=KEY,
    ) as azure:
        file = upload(azure, "d.txt", "Deployments do not change vector store routes.")
        store = azure.vector_stores.create(name="deployed", file_ids=[file.id])
        assert azure.vector_stores.search(store.id, query="deployments").data[0].file_id == file.id
        response = azure.responses.create(model="gpt-4o-deployment", input="hello")
        assert azure.responses.retrieve(response.id).id == response.id
    assert all(e["query"] == f"api-version={API_VERSION}" for e in journal(server))


def test_unknown_azure_paths_are_404_and_the_admin_api_is_not_under_openai(
    server: ServeProcess,
) -> None:
    headers = {"api-key": KEY}
    query = f"?api-version={API_VERSION}"
    unknown = httpx.post(
        server.url + "/openai/deployments/gpt-4o/chat/completions" + query,
        headers=headers,
        json={},
    )
    assert unknown.status_code == 404 and set(unknown.json()["error"]) == {
        "message",
        "type",
        "param",
        "code",
    }
    admin = httpx.get(
        server.url + "/openai/__admin/requests" + query,
        headers={"authorization": f"Bearer {KEY}"},
    )
    assert admin.status_code == 404
    assert httpx.get(server.url + "/openai/" + query, headers=headers).status_code == 404


def test_faults_match_azure_requests_by_their_api_path(
    azure: openai.AzureOpenAI, server: ServeProcess
) -> None:
    fault = {"status": 503, "count": 1, "path_prefix": "/vector_stores", "method": "GET"}
    assert server.admin("POST", "/faults", json=fault).status_code == 200
    with pytest.raises(openai.InternalServerError) as info:
        azure.vector_stores.list()
    assert info.value.status_code == 503
    assert list(azure.vector_stores.list()) == []
    assert [e["fault"] for e in journal(server)] == [True, False]


# -- keys -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keyed() -> Iterator[ServeProcess]:
    process = start_serve("--api-key", KEY)
    yield process
    process.stop()


def keyed_client(url: str, **credentials: Any) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(
        azure_endpoint=url, api_version=API_VERSION, max_retries=0, **credentials
    )


def test_the_api_key_header_is_checked_against_api_key(keyed: ServeProcess) -> None:
    with keyed_client(keyed.url, api_key=KEY) as right:
        store = right.vector_stores.create(name="keyed")
        assert right.vector_stores.retrieve(store.id).id == store.id
    with (
        keyed_client(keyed.url, api_key="sk-wrong-key-12345") as wrong,
        pytest.raises(openai.AuthenticationError) as info,
    ):
        wrong.vector_stores.retrieve(store.id)
    assert info.value.status_code == 401 and info.value.code == "invalid_api_key"
    assert info.value.body["message"].startswith(  # type: ignore[index]
        "Incorrect API key provided: sk-wrong******2345."
    )


def test_bearer_is_accepted_on_azure_routes(keyed: ServeProcess) -> None:
    # azure_ad_token / azure_ad_token_provider send Authorization: Bearer, no api-key
    with keyed_client(keyed.url, azure_ad_token=KEY) as token:
        assert token.vector_stores.create(name="entra").name == "entra"
    with keyed_client(keyed.url, azure_ad_token_provider=lambda: KEY) as provider:
        assert provider.files.list().data is not None
    with (
        keyed_client(keyed.url, azure_ad_token="not-the-key") as wrong,
        pytest.raises(openai.AuthenticationError) as info,
    ):
        wrong.vector_stores.list()
    assert info.value.code == "invalid_api_key"


def test_a_missing_key_is_a_401(keyed: ServeProcess) -> None:
    url = keyed.url + f"/openai/vector_stores?api-version={API_VERSION}"
    for headers in (
        {},
        {"api-key": ""},
        {"authorization": "Bearer"},
        {"authorization": "Basic abc"},
    ):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401, headers
        error = response.json()["error"]
        assert error["message"].startswith("Access denied due to missing subscription key")
        assert set(error) == {"message", "type", "param", "code"}
    assert httpx.get(url, headers={"api-key": KEY}).status_code == 200


def test_the_openai_routes_still_take_only_bearer(keyed: ServeProcess) -> None:
    for prefix in ("/v1", ""):
        url = keyed.url + prefix + "/vector_stores"
        assert httpx.get(url, headers={"authorization": f"Bearer {KEY}"}).status_code == 200
        assert httpx.get(url, headers={"api-key": KEY}).status_code == 401
    with openai.OpenAI(base_url=keyed.base_url, api_key=KEY) as plain:
        assert plain.vector_stores.list().data is not None


def test_paths_under_openai_that_name_nothing_are_404s_whatever_the_key(
    server: ServeProcess,
) -> None:
    for path in ("/openai", "/openai/__admin/health"):
        for headers in ({"api-key": "k"}, {"authorization": "Bearer k"}):
            answer = httpx.get(server.url + path, headers=headers, timeout=30)
            assert answer.status_code in (400, 404), (path, headers, answer.text)
            assert answer.status_code != 401
    missing = httpx.get(server.url + "/openai/files", params={"api-version": "1"}, timeout=30)
    assert missing.status_code == 401
    assert "api-key" in missing.json()["error"]["message"]
