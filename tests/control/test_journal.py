"""The request journal's bounds: entries and bytes of bodies, oldest dropped and counted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from vsmock.control.journal import Journal
from vsmock.http.app import create_app
from vsmock.http.uvicorn_adapter import running
from vsmock.scenarios import ScenarioIncomplete, export

KEY = {"Authorization": "Bearer sk-test"}


def opened(journal: Journal, n: int) -> Any:
    return journal.open(method="POST", path=f"/v1/x/{n}", query="", request_headers={}, time=0)


def test_the_oldest_entries_go_past_the_bytes_bound_and_are_counted() -> None:
    journal = Journal(size=100, max_bytes=1000)
    for n in range(10):
        journal.complete(opened(journal, n), b"q" * 100, b"a" * 200)  # 300 bytes each
    kept = journal.entries()
    assert [e.path for e in kept] == ["/v1/x/7", "/v1/x/8", "/v1/x/9"]  # 900 bytes
    assert journal.dropped == 7
    # the newest stays even when it alone is past the bound
    journal.complete(opened(journal, 10), b"q" * 2000, b"")
    assert [e.path for e in journal.entries()] == ["/v1/x/10"]
    assert journal.dropped == 10
    journal.clear()
    assert (journal.entries(), journal.dropped) == ([], 0)
    journal.complete(opened(journal, 11), b"q" * 900, b"")  # the count of bytes restarted
    assert len(journal.entries()) == 1 and journal.dropped == 0


def test_an_entry_dropped_before_it_completes_is_not_counted_twice() -> None:
    """A request still running when the bound drops its entry: its bodies, once it
    completes, are not added to the journal's bytes (which would then drop kept entries)."""
    journal = Journal(size=2, max_bytes=10_000)
    slow = opened(journal, 0)
    for n in (1, 2):
        journal.complete(opened(journal, n), b"", b"x" * 100)
    assert slow not in journal.entries() and journal.dropped == 1
    journal.complete(slow, b"q" * 9_900, b"")  # would be past the bound if it counted
    assert [e.path for e in journal.entries()] == ["/v1/x/1", "/v1/x/2"]
    assert journal.dropped == 1
    assert slow.request_body == b"q" * 9_900  # its own record is still whole


def test_the_count_bound_alone() -> None:
    journal = Journal(size=3)
    for n in range(5):
        journal.complete(opened(journal, n), b"", b"{}")
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
    with pytest.raises(ScenarioIncomplete, match="dropped its .* oldest interactions"):
        export(app.runtime)
    full = create_app(journal_size=3)
    with running(full) as server, httpx.Client(base_url=server.url, headers=KEY) as client:
        for _ in range(3):
            assert client.get("/v1/vector_stores").status_code == 200
    assert len(export(full.runtime).interactions) == 3  # full, but nothing was dropped
