"""Record the demo scenarios in fixtures/scenarios/ against a fresh vsmock.

    python scripts/make_scenarios.py            # all of them
    python scripts/make_scenarios.py support-faq

Each demo drives a fresh in-process vsmock with the official SDK, exports what
it did (GET /__admin/scenario), checks that the export replays onto another
fresh server, and writes it. Run it again when the API changes on purpose; the
result is byte-identical when nothing changed (fixed seed, frozen clock,
fixed multipart boundaries).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai

from vsmock.http.app import create_app
from vsmock.http.uvicorn_adapter import running
from vsmock.scenarios import Scenario, load_scenario, replay

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "fixtures" / "documents"
SCENARIOS = ROOT / "fixtures" / "scenarios"
START = 1_750_000_000  # 2025-06-15 15:06:40 UTC


class Session:
    """The SDK client and the admin routes of the server a demo runs against."""

    def __init__(self, name: str, client: openai.OpenAI, admin_url: str):
        self.name = name
        self.client = client
        self.admin_url = admin_url
        self._uploads = 0

    def upload(self, path: Path) -> Any:
        """POST /files with a fixed multipart boundary, so re-recording is byte-identical."""
        self._uploads += 1
        boundary = f"vsmock-{self.name}-{self._uploads}"
        return self.client.files.create(
            file=(path.name, path.read_bytes()),
            purpose="assistants",
            extra_headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        answer = httpx.request(method, self.admin_url + path, json=body, timeout=30)
        answer.raise_for_status()
        return answer.json()


def support_faq(session: Session) -> None:
    """The store from the API documents: some FAQ files, then "What is the return policy?"."""
    client = session.client
    files = [session.upload(path) for path in sorted((DOCUMENTS / "support-faq").glob("*.md"))]
    store = client.vector_stores.create(name="Support FAQ", file_ids=[f.id for f in files])
    client.vector_stores.retrieve(store.id)
    client.vector_stores.files.list(vector_store_id=store.id, limit=10)
    results = client.vector_stores.search(store.id, query="What is the return policy?")
    best = results.data[0]
    client.vector_stores.files.content(best.file_id, vector_store_id=store.id)


def batch_ingest(session: Session) -> None:
    """Two file batches on slow processing: one polled until done, one cancelled."""
    client = session.client
    paths = sorted((DOCUMENTS / "batch-ingest").glob("*.md"))
    files = [session.upload(path) for path in paths]
    store = client.vector_stores.create(name="Router manuals")
    first = client.vector_stores.file_batches.create(
        vector_store_id=store.id, file_ids=[f.id for f in files[:4]]
    )
    session.admin("POST", "/clock", {"advance_seconds": 2})
    client.vector_stores.file_batches.poll(first.id, vector_store_id=store.id, poll_interval_ms=1)
    client.vector_stores.file_batches.list_files(first.id, vector_store_id=store.id, limit=10)
    second = client.vector_stores.file_batches.create(
        vector_store_id=store.id, file_ids=[f.id for f in files[4:]]
    )
    client.vector_stores.file_batches.cancel(second.id, vector_store_id=store.id)
    client.vector_stores.retrieve(store.id)
    client.vector_stores.files.list(vector_store_id=store.id, filter="cancelled")
    client.vector_stores.search(store.id, query="How do I update the firmware?", max_num_results=3)


FILTERED_ATTRIBUTES: dict[str, dict[str, str | float | bool]] = {
    "expense-reports.md": {"region": "global", "topic": "expenses", "year": 2023},
    "remote-work-eu.md": {"region": "eu", "topic": "remote-work", "year": 2023},
    "remote-work-us.md": {"region": "us", "topic": "remote-work", "year": 2024},
    "security-handbook.md": {"region": "global", "topic": "security", "year": 2025},
    "travel-policy-eu.md": {"region": "eu", "topic": "travel", "year": 2024},
    "travel-policy-us.md": {"region": "us", "topic": "travel", "year": 2024},
}


def filtered_search(session: Session) -> None:
    """Files attached with attributes, searched with comparison and compound filters."""
    client = session.client
    store = client.vector_stores.create(name="Company policies")
    ids = {}
    for path in sorted((DOCUMENTS / "filtered-search").glob("*.md")):
        uploaded = session.upload(path)
        ids[path.name] = uploaded.id
        client.vector_stores.files.create(
            vector_store_id=store.id, file_id=uploaded.id, attributes=FILTERED_ATTRIBUTES[path.name]
        )
    question = "How much is reimbursed for a hotel per night?"
    client.vector_stores.search(store.id, query=question, max_num_results=3)
    client.vector_stores.search(
        store.id, query=question, filters={"type": "eq", "key": "region", "value": "eu"}
    )
    client.vector_stores.search(
        store.id,
        query=question,
        filters={
            "type": "and",
            "filters": [
                {"type": "eq", "key": "topic", "value": "travel"},
                {"type": "in", "key": "region", "value": ["us", "global"]},
            ],
        },
    )
    allowance = "home office allowance"
    recent = {"type": "gte", "key": "year", "value": 2024}
    client.vector_stores.search(store.id, query=allowance, filters=recent)  # type: ignore[arg-type]
    client.vector_stores.files.update(
        ids["remote-work-eu.md"],
        vector_store_id=store.id,
        attributes={"region": "eu", "topic": "remote-work", "year": 2025},
    )
    client.vector_stores.search(store.id, query=allowance, filters=recent)  # type: ignore[arg-type]


def support_bot(session: Session) -> None:
    """A support bot answering from the FAQ through the Responses API, with citations: a
    grounded answer (results included), a streamed follow-up chained to it, its input items."""
    client = session.client
    files = [session.upload(path) for path in sorted((DOCUMENTS / "support-faq").glob("*.md"))]
    store = client.vector_stores.create(name="Support FAQ", file_ids=[f.id for f in files])
    tools: Any = [{"type": "file_search", "vector_store_ids": [store.id], "max_num_results": 3}]
    first = client.responses.create(
        model="gpt-4.1-mini",
        instructions="Answer from the support FAQ and cite the file.",
        input="How long do I have to return an item?",
        tools=tools,
        include=["file_search_call.results"],
    )
    with client.responses.stream(
        model="gpt-4.1-mini",
        input="And how long does standard shipping take?",
        previous_response_id=first.id,
        tools=tools,
    ) as stream:
        second = stream.get_final_response()
    client.responses.retrieve(second.id)
    client.responses.input_items.list(second.id, order="asc")


@dataclass
class Demo:
    run: Callable[[Session], None]
    seed: int
    processing: dict[str, Any] = field(default_factory=dict)


DEMOS = {
    "support-faq": Demo(support_faq, seed=7),
    "batch-ingest": Demo(batch_ingest, seed=11, processing={"polls": 3, "poll_after_ms": 50}),
    "filtered-search": Demo(filtered_search, seed=13),
    "support-bot": Demo(support_bot, seed=17),
}


def record(name: str) -> Scenario:
    demo = DEMOS[name]
    app = create_app(seed=demo.seed, now=START)
    with running(app) as server:
        session = Session(
            name,
            openai.OpenAI(api_key="sk-demo", base_url=server.base_url, max_retries=0),
            server.url + "/__admin",
        )
        if demo.processing:
            session.admin("POST", "/processing", demo.processing)
        demo.run(session)
        scenario = load_scenario(session.admin("GET", "/scenario"))
    scenario.source = f"scripts/make_scenarios.py {name}"
    check = replay(scenario, create_app())
    if not check.ok:
        raise SystemExit(f"{name}: the recording does not replay:\n{check.report()}")
    return scenario


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(DEMOS))
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(DEMOS))
    if unknown:
        parser.error(f"unknown demo(s) {', '.join(unknown)}; choose from {', '.join(DEMOS)}")
    SCENARIOS.mkdir(parents=True, exist_ok=True)
    for name in args.names or list(DEMOS):
        scenario = record(name)
        path = SCENARIOS / f"{name}.json"
        scenario.dump(path)
        print(f"{path.relative_to(ROOT)}: {len(scenario.interactions)} interactions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
