"""The request journal's bounds: entries and bytes of bodies, oldest dropped and counted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from vsmock.control.journal import RAW_BODY_CAP, Journal
from vsmock.http.app import create_app
from vsmock.http.uvicorn_adapter import running
from vsmock.scenarios import ScenarioIncomplete, export

KEY = {"Authorization": "Bearer sk-test"}


def opened(journal: Journal, n: int) -> Any:
    return journal.open(method="POST", path=f"/v1/x/{n}", query="", request_headers={}, time=0)


def complete(journal: Journal, entry: Any, request: bytes, response: bytes) -> None:
    journal.complete(entry, request, response, (len(request), len(response)))


def test_the_oldest_entries_go_past_the_bytes_bound_and_are_counted() -> None:
    journal = Journal(size=100, max_bytes=1000)
    for n in range(10):
        complete(journal, opened(journal, n), b"q" * 100, b"a" * 200)  # 300 bytes each
    kept = journal.entries()
    assert [e.path for e in kept] == ["/v1/x/7", "/v1/x/8", "/v1/x/9"]  # 900 bytes
    assert journal.dropped == 7
    # the newest stays even when it alone is past the bound
    complete(journal, opened(journal, 10), b"q" * 2000, b"")
    assert [e.path for e in journal.entries()] == ["/v1/x/10"]
    assert journal.dropped == 10
    journal.restart()  # as a reset does
    assert (journal.entries(), journal.dropped, journal.cleared) == ([], 0, False)
    complete(journal, opened(journal, 11), b"q" * 900, b"")  # the count of bytes restarted
    assert len(journal.entries()) == 1 and journal.dropped == 0
    journal.clear()  # as DELETE /__admin/requests does: emptied, and it says so
    assert (journal.entries(), journal.cleared) == ([], True)
    complete(journal, opened(journal, 12), b"q" * 900, b"")
    assert len(journal.entries()) == 1


def test_an_entry_dropped_before_it_completes_is_not_counted_twice() -> None:
    """A request still running when the bound drops its entry: its bodies, once it
    completes, are not added to the journal's bytes (which would then drop kept entries)."""
    journal = Journal(size=2, max_bytes=10_000)
    slow = opened(journal, 0)
    for n in (1, 2):
        complete(journal, opened(journal, n), b"", b"x" * 100)
    assert slow not in journal.entries() and journal.dropped == 1
    complete(journal, slow, b"q" * 9_900, b"")  # would be past the bound if it counted
    assert [e.path for e in journal.entries()] == ["/v1/x/1", "/v1/x/2"]
    assert journal.dropped == 1
    assert slow.request_body == b"q" * 9_900  # its own record is still whole


def test_the_count_bound_alone() -> None:
    journal = Journal(size=3)
    for n in range(5):
        complete(journal, opened(journal, n), b"", b"{}")
    assert [e.path for e in journal.entries()] == ["/v1/x/2", "/v1/x/3", "/v1/x/4"]
    assert journal.dropped == 2


def test_a_server_keeps_its_journal_within_its_bytes_and_says_when_it_dropped() -> None:
    """Through the app: uploads fill the bytes bound, the oldest go; the journal keeps
    whole entries; and a scenario cannot be exported from a journal that lost its start,
    while a full journal that lost nothing can."""
    app = create_app(journal_size=1_000, journal_bytes=1_000_000)
    with running(app) as server, httpx.Client(base_url=server.url, headers=KEY) as client:
        for n in range(8):
            files = {"file": (f"f{n}.txt", b"words " * 50_000)}  # 300 KB each
            reply = client.post("/v1/files", files=files, data={"purpose": "assistants"})
            assert reply.status_code == 200, reply.text
        logged = client.get("/__admin/requests").json()["data"]
    assert 2 <= len(logged) <= 4  # about 1 MB of the 2.4 MB sent, the newest last
    assert logged[-1]["request_body"]["bytes"] > 300_000
    with pytest.raises(ScenarioIncomplete, match="dropped its oldest .* interactions"):
        export(app.runtime)
    full = create_app(journal_size=3)
    with running(full) as server, httpx.Client(base_url=server.url, headers=KEY) as client:
        for _ in range(3):
            assert client.get("/v1/vector_stores").status_code == 200
    assert len(export(full.runtime).interactions) == 3  # full, but nothing was dropped


def test_an_export_after_the_journal_was_emptied_is_refused_until_a_reset() -> None:
    """Emptying the journal loses the start of what a scenario would replay: the export says
    so instead of recording a scenario that cannot replay (a store made with a File it
    never uploaded)."""
    with running(create_app()) as server, httpx.Client(base_url=server.url, headers=KEY) as api:
        files = {"file": ("notes.txt", b"some notes")}
        file_id = api.post("/v1/files", files=files, data={"purpose": "assistants"}).json()["id"]
        assert api.delete("/__admin/requests").status_code == 200
        assert api.post("/v1/vector_stores", json={"file_ids": [file_id]}).status_code == 200
        refused = api.get("/__admin/scenario")
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "scenario_incomplete"
        assert "emptied" in refused.json()["error"]["message"]
        assert api.post("/__admin/reset").status_code == 200
        assert api.post("/v1/vector_stores", json={"name": "fresh"}).status_code == 200
        exported = api.get("/__admin/scenario")
        assert exported.status_code == 200
        assert len(exported.json()["interactions"]) == 1


def test_a_body_kept_in_part_shows_its_whole_size() -> None:
    with running(create_app()) as server, httpx.Client(base_url=server.url, headers=KEY) as api:
        big = b"x" * (RAW_BODY_CAP + 1_000_000)
        reply = api.post(
            "/v1/files", files={"file": ("big.bin", big)}, data={"purpose": "assistants"}
        )
        assert reply.status_code == 200
        logged = api.get("/__admin/requests").json()["data"][-1]
    body = logged["request_body"]
    assert body["truncated"] is True
    assert body["bytes"] > len(big)  # the whole multipart body, not the part kept
    assert body["content_type"].startswith("multipart/form-data")
    assert logged["response_body"]["bytes"] == len(big)  # the File's own answer, whole
