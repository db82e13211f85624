"""The Azure OpenAI routes through the official Node SDK's ``AzureOpenAI`` (npm ``openai``).

tests/system/node/azure.mjs uploads the support FAQ, files it in a vector store through a
polled batch, searches it, asks a grounded question through the Responses API and reads
it back, meets a fault armed on the API path, and sends an OpenAI client at the Azure
routes without ``api-version``. It prints one JSON object; this side checks it and the
journal. Without node/npm the test is skipped with a warning (see test_node_polling.py,
whose helpers it shares).
"""

from __future__ import annotations

from conftest import DOCS, ServeProcess
from test_node_polling import run_node

FAQ = DOCS / "support-faq"
API_VERSION = "2024-10-21"
ANSWER = "You can return any unused item within 30 days of delivery for a full refund."


def test_node_sdk_azure_openai(server: ServeProcess) -> None:
    result = run_node("azure.mjs", server.url, str(FAQ))

    files = {f["filename"]: f for f in result["files"]}
    assert sorted(files) == sorted(p.name for p in FAQ.glob("*.md"))
    for name, file in files.items():
        assert file["bytes"] == (FAQ / name).stat().st_size
    counts = {"in_progress": 0, "completed": 4, "failed": 0, "cancelled": 0, "total": 4}
    assert result["batch"] == {"status": "completed", "file_counts": counts}
    assert result["store"]["status"] == "completed" and result["store"]["file_counts"] == counts
    returns = files["return-policy.md"]["id"]
    assert result["hits"][0] == {"file_id": returns, "filename": "return-policy.md"}
    assert result["attached"]["status"] == "completed"

    response = result["response"]
    assert response["status"] == "completed" and response["output_text"] == ANSWER
    assert response["types"] == ["file_search_call", "message"]
    assert result["retrieved"] == {"id": response["id"], "output_text": ANSWER}
    assert result["input_items"] == [{"type": "message", "role": "user"}]

    assert result["fault"]["class"] == "InternalServerError" and result["fault"]["status"] == 503
    assert result["after_fault"]["id"] == result["store"]["id"]
    assert result["missing_version"] == {
        "class": "BadRequestError",
        "status": 400,
        "param": "api-version",
        "code": "MissingApiVersionParameter",
        "type": "invalid_request_error",
        "message": "400 The api-version query parameter (?api-version=) is required for all "
        "requests.",
    }

    # every request the Node client sent was served at its API path, api-version kept in
    # the query, the api-key header never journaled (the refused one is not journaled)
    entries = server.admin("GET", "/requests").json()["data"]
    assert len(entries) >= 15
    for entry in entries:
        assert not entry["path"].startswith("/openai"), entry["path"]
        assert entry["query"] == f"api-version={API_VERSION}", entry
        assert entry["request_headers"]["x-stainless-lang"] == "js"
        assert "api-key" not in entry["request_headers"]
        assert "authorization" not in entry["request_headers"]
    store_id = result["store"]["id"]
    assert [(e["path"], e["status"], e["fault"]) for e in entries[-2:]] == [
        (f"/vector_stores/{store_id}", 503, True),
        (f"/vector_stores/{store_id}", 200, False),
    ]
    assert [e["path"] for e in entries if e["method"] == "POST"][-2:] == [
        f"/vector_stores/{store_id}/search",
        "/responses",
    ]
