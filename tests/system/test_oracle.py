"""The model-based oracle: a Hypothesis state machine drives the unmodified SDK against a
real server, mirrors every call on a plain-Python model (``oracle_model.py``), and after
every step reads everything back and compares it with the model.

Rules cover every stateful operation: stores (create with and without name, metadata,
``expires_after`` and ``file_ids``; modify each field and clear it; delete), files
(upload text, markdown, JSON, an unsupported binary and an empty file, some expiring;
delete), vector-store files (attach with attributes, update attributes, detach), batches
(``file_ids`` and ``files``; cancel), search, the clock (0, 1, 60 s and a day), processing
(``polls`` on and off) and, on disk, a restart on the same data directory.

After every step: every File and its bytes; every store, retrieved and listed in both
orders across pages (and one page back with ``before``); every vector-store file, listed
in both orders, with each ``filter``, and retrieved, and its content; every batch and its
files; ``file_counts`` and ``usage_bytes`` sums; and one search per store, whose results
must be completed, attached files that honour ``max_num_results`` and an ``eq`` filter.

Profiles: ``ci`` (the default, about a minute) and ``deep`` (``scripts/oracle.sh``, or
``VSMOCK_ORACLE_PROFILE=deep``). The ``ci`` profile is derandomized (the same call
sequences on every run); a failure prints the minimal failing sequence of calls as code
and a ``@reproduce_failure`` blob, so it replays.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import httpx
import openai
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from oracle_model import DAY, Expected, Model, Store, StoredResponse

from vsmock.http.app import create_app
from vsmock.http.uvicorn_adapter import ThreadedServer

SEED = 20_261_127
T0 = 1_750_000_000
KEY = "sk-oracle"
PROFILE = os.environ.get("VSMOCK_ORACLE_PROFILE", "ci")
PROFILES = {
    # examples x steps; every step is followed by a full read-back (~60 requests)
    "ci": {"disk": (30, 25), "memory": (20, 25)},
    "deep": {"disk": (300, 40), "memory": (150, 40)},
}

WORDS = [
    "return",
    "refund",
    "policy",
    "shipping",
    "days",
    "delivery",
    "warranty",
    "password",
    "reset",
    "account",
    "order",
    "invoice",
    "billing",
    "support",
    "exchange",
    "damaged",
    "parcel",
    "tracking",
    "label",
    "courier",
    "battery",
]
TOPICS = ["returns", "shipping", "billing"]
RESULTS = ["file_search_call.results"]
MAX_RESPONSES = 4
MAX_FILES, MAX_STORES = 8, 4


# ------------------------------------------------------------------------------ the server
class Harness:
    """One server kept across examples (reset before each), on disk or in memory."""

    def __init__(self, disk: bool):
        self.data_dir = Path(tempfile.mkdtemp(prefix="vsmock-oracle-")) if disk else None
        self.app: Any = None
        self.server: ThreadedServer | None = None
        self.client: openai.OpenAI | None = None

    def start(self, now: int) -> None:
        self.app = create_app(data_dir=self.data_dir, seed=SEED, now=now, poll_after_ms=1)
        self.server = ThreadedServer(self.app).start()
        self.client = openai.OpenAI(api_key=KEY, base_url=self.server.base_url, max_retries=0)

    def stop(self) -> None:
        if self.server is not None:
            assert self.client is not None
            self.client.close()
            self.server.stop()
            self.app.runtime.close()
            self.server = None

    def reset(self) -> None:
        if self.server is None:
            self.start(T0)
        assert self.server is not None
        response = httpx.post(
            self.server.url + "/__admin/reset", json={"seed": SEED, "now": T0}, timeout=30
        )
        assert response.status_code == 200, response.text
        self.app.runtime.take_errors()

    def admin(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self.server is not None
        response = httpx.post(self.server.url + "/__admin" + path, json=body, timeout=30)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


HARNESSES: dict[bool, Harness] = {}
TALLY = {"examples": 0, "steps": 0, "requests": 0}


def teardown_module() -> None:
    for harness in HARNESSES.values():
        harness.stop()


def summary() -> str | None:
    """The run's size, for the terminal summary (``conftest.py``)."""
    if not TALLY["examples"]:
        return None
    return (
        f"oracle ({PROFILE} profile): {TALLY['examples']} examples, {TALLY['steps']} steps, "
        f"{TALLY['requests']} API requests; every step read back in full"
    )


# --------------------------------------------------------------------------------- helpers
def call(expected: Any, action: Any) -> Any:
    """Run ``expected()`` on the model, then ``action()`` on the server: both answer, or the
    server refuses with the status (and code) the model expects."""
    try:
        want = expected()
    except Expected as error:
        with pytest.raises(openai.APIStatusError) as raised:
            action()
        assert raised.value.status_code == error.status, raised.value
        if error.code is not None:
            assert raised.value.code == error.code, raised.value
        return None
    return want, action()


def document(rng: random.Random, kind: str) -> tuple[str, bytes, str]:
    """(filename, bytes, expected processing outcome) for an upload of ``kind``."""
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60)))
    n = rng.randrange(10**6)
    if kind == "text":
        return f"notes-{n}.txt", words.encode(), "completed"
    if kind == "markdown":
        return f"guide-{n}.md", f"# {rng.choice(WORDS)}\n\n{words}\n".encode(), "completed"
    if kind == "json":
        return f"data-{n}.json", json.dumps({"text": words, "n": n}).encode(), "completed"
    if kind == "binary":
        return f"image-{n}.png", b"\x89PNG\r\n\x1a\n" + rng.randbytes(64), "unsupported_file"
    return f"empty-{n}.txt", b"", "invalid_file"


def without_results(response: dict[str, Any]) -> dict[str, Any]:
    """A response as a read without ``include`` shows it."""
    output = [
        {**item, "results": None} if item["type"] == "file_search_call" else item
        for item in response["output"]
    ]
    return {**response, "output": output}


def shown_vsf(vsf: Any) -> dict[str, Any]:
    body = vsf.model_dump(mode="json")
    error = body["last_error"]
    if error is not None:
        assert error["message"], body
        body["last_error"] = error["code"]
    return body


def keys(expected: dict[str, Any], actual: dict[str, Any]) -> dict[str, Any]:
    return {k: actual.get(k) for k in expected}


attributes_strategy = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"topic": st.sampled_from(TOPICS)},
        optional={"rank": st.integers(1, 3), "public": st.booleans()},
    ),
)
metadata_strategy = st.one_of(
    st.none(), st.dictionaries(st.sampled_from(["team", "env", "k"]), st.sampled_from(["a", "b"]))
)


# --------------------------------------------------------------------------- the machine
class Oracle(RuleBasedStateMachine):
    disk: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__()
        harness = HARNESSES.get(self.disk)
        if harness is None:
            harness = HARNESSES[self.disk] = Harness(self.disk)
        harness.reset()
        TALLY["examples"] += 1
        self.harness = harness
        self.model = Model(T0)
        self.rng = random.Random(SEED)

    @property
    def client(self) -> openai.OpenAI:
        assert self.harness.client is not None
        return self.harness.client

    @initialize()
    def start(self) -> None:
        self.check()

    # -- choosing objects (sometimes one that is gone, for the 404s) ---------------------------
    def pick_store(self, data: st.DataObject) -> str:
        ids = sorted(self.model.stores)
        gone = sorted(i for i in self.model.seen if i.startswith("vs_") and i not in ids)
        return data.draw(st.sampled_from(ids + gone[:1]))

    def pick_file(self, data: st.DataObject, store: Store | None = None) -> str:
        ids = sorted(store.files if store is not None else self.model.files)
        gone = sorted(i for i in self.model.seen if i.startswith("file-") and i not in ids)
        return data.draw(st.sampled_from((ids + gone[:1]) or ["file-none"]))

    # -- files ---------------------------------------------------------------------------------
    @precondition(lambda self: len(self.model.files) < MAX_FILES)
    @rule(
        kind=st.sampled_from(["text", "markdown", "json", "binary", "empty"]),
        purpose=st.sampled_from(["assistants", "user_data"]),
        expires=st.sampled_from([None, None, 3600]),
    )
    def upload(self, kind: str, purpose: str, expires: int | None) -> None:
        name, content, outcome = document(self.rng, kind)
        extra: dict[str, Any] = {}
        if expires is not None:
            extra["expires_after"] = {"anchor": "created_at", "seconds": expires}
        made = self.client.files.create(file=(name, content), purpose=purpose, **extra)  # type: ignore[arg-type]
        upload = self.model.upload(made.id, name, content, purpose, expires, outcome)
        assert keys(upload.shown(), made.model_dump(mode="json")) == upload.shown()

    @precondition(lambda self: self.model.seen)
    @rule(data=st.data())
    def delete_file(self, data: st.DataObject) -> None:
        file_id = self.pick_file(data)
        call(lambda: self.model.delete_file(file_id), lambda: self.client.files.delete(file_id))

    # -- stores --------------------------------------------------------------------------------
    @precondition(lambda self: len(self.model.stores) < MAX_STORES)
    @rule(
        data=st.data(),
        name=st.one_of(st.none(), st.sampled_from(["Support", "FAQ", ""])),
        metadata=metadata_strategy,
        days=st.sampled_from([None, 1, 2]),
    )
    def create_store(
        self, data: st.DataObject, name: str | None, metadata: Any, days: int | None
    ) -> None:
        pool = sorted(self.model.files)
        file_ids = data.draw(st.lists(st.sampled_from(pool), max_size=3)) if pool else []
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = name
        if metadata is not None:
            body["metadata"] = metadata
        if days is not None:
            body["expires_after"] = {"anchor": "last_active_at", "days": days}
        if file_ids:
            body["file_ids"] = file_ids
        made = self.client.vector_stores.create(**body)
        store = self.model.create_store(made.id, name, metadata, days, file_ids)
        self.compare_store(store, made.model_dump(mode="json"))

    @precondition(lambda self: self.model.stores)
    @rule(
        data=st.data(),
        name=st.one_of(st.just(...), st.none(), st.sampled_from(["Renamed", "b"])),
        metadata=st.one_of(st.just(...), metadata_strategy),
        days=st.sampled_from([..., None, 1, 3]),
    )
    def modify_store(self, data: st.DataObject, name: Any, metadata: Any, days: Any) -> None:
        store_id = self.pick_store(data)
        changes: dict[str, Any] = {}
        if name is not ...:
            changes["name"] = name
        if metadata is not ...:
            changes["metadata"] = metadata
        if days is not ...:
            changes["expires_after"] = (
                None if days is None else {"anchor": "last_active_at", "days": days}
            )
        result = call(
            lambda: self.model.modify_store(store_id, changes),
            lambda: self.client.vector_stores.update(store_id, **changes),
        )
        if result is not None:
            self.compare_store(result[0], result[1].model_dump(mode="json"))

    @precondition(lambda self: self.model.stores)
    @rule(data=st.data())
    def delete_store(self, data: st.DataObject) -> None:
        store_id = self.pick_store(data)
        call(
            lambda: self.model.delete_store(store_id),
            lambda: self.client.vector_stores.delete(store_id),
        )

    # -- vector-store files --------------------------------------------------------------------
    @precondition(lambda self: self.model.stores and self.model.files)
    @rule(data=st.data(), attributes=attributes_strategy)
    def attach(self, data: st.DataObject, attributes: Any) -> None:
        store_id = self.pick_store(data)
        file_id = self.pick_file(data)
        body = {"attributes": attributes} if attributes is not None else {}
        result = call(
            lambda: self.model.attach(store_id, file_id, attributes),
            lambda: self.client.vector_stores.files.create(
                vector_store_id=store_id, file_id=file_id, **body
            ),
        )
        if result is not None:
            self.compare_vsf(result[0], shown_vsf(result[1]))

    @precondition(lambda self: any(s.files for s in self.model.stores.values()))
    @rule(data=st.data(), attributes=attributes_strategy)
    def update_attributes(self, data: st.DataObject, attributes: Any) -> None:
        store_id = self.pick_store(data)
        file_id = self.pick_file(data, self.model.stores.get(store_id))
        result = call(
            lambda: self.model.update_attributes(store_id, file_id, attributes),
            lambda: self.client.vector_stores.files.update(
                file_id, vector_store_id=store_id, attributes=attributes
            ),
        )
        if result is not None:
            self.compare_vsf(result[0], shown_vsf(result[1]))

    @precondition(lambda self: any(s.files for s in self.model.stores.values()))
    @rule(data=st.data())
    def detach(self, data: st.DataObject) -> None:
        store_id = self.pick_store(data)
        file_id = self.pick_file(data, self.model.stores.get(store_id))
        call(
            lambda: self.model.detach(store_id, file_id),
            lambda: self.client.vector_stores.files.delete(file_id, vector_store_id=store_id),
        )

    # -- batches -------------------------------------------------------------------------------
    @precondition(lambda self: self.model.stores and self.model.files)
    @rule(
        data=st.data(), shape=st.sampled_from(["file_ids", "files"]), attributes=attributes_strategy
    )
    def create_batch(self, data: st.DataObject, shape: str, attributes: Any) -> None:
        store_id = self.pick_store(data)
        chosen = data.draw(
            st.lists(st.sampled_from(sorted(self.model.files)), min_size=1, max_size=3)
        )
        if shape == "file_ids":
            items = [(f, attributes) for f in chosen]
            body: dict[str, Any] = {"file_ids": chosen}
            if attributes is not None:
                body["attributes"] = attributes
        else:
            own = [data.draw(attributes_strategy) for _ in chosen]
            items = list(zip(chosen, own, strict=True))
            body = {
                "files": [
                    {"file_id": f, **({"attributes": a} if a is not None else {})} for f, a in items
                ]
            }
        try:
            made = self.client.vector_stores.file_batches.create(store_id, **body)
        except openai.APIStatusError as exc:
            with pytest.raises(Expected) as expected:
                self.model.create_batch(store_id, "vsfb_refused", items)
            assert exc.status_code == expected.value.status, exc
            return
        batch = self.model.create_batch(store_id, made.id, items)
        assert keys(self.model.batch_shown(batch), made.model_dump(mode="json")) == (
            self.model.batch_shown(batch)
        )

    @precondition(lambda self: any(s.batches for s in self.model.stores.values()))
    @rule(data=st.data())
    def cancel_batch(self, data: st.DataObject) -> None:
        store = data.draw(st.sampled_from([s for s in self.model.stores.values() if s.batches]))
        batch_id = data.draw(st.sampled_from(sorted(store.batches)))
        result = call(
            lambda: self.model.cancel_batch(store.id, batch_id),
            lambda: self.client.vector_stores.file_batches.cancel(
                batch_id, vector_store_id=store.id
            ),
        )
        assert result is not None
        assert keys(self.model.batch_shown(result[0]), result[1].model_dump(mode="json")) == (
            self.model.batch_shown(result[0])
        )

    # -- search --------------------------------------------------------------------------------
    @precondition(lambda self: self.model.stores)
    @rule(data=st.data(), later=st.sampled_from([0, 60]))
    def search(self, data: st.DataObject, later: int) -> None:
        self.advance_clock(later)  # the reads after each step search every store at "now"
        self.search_one(self.pick_store(data), data.draw(st.randoms(use_true_random=False)))

    # -- responses (the file_search tool) ------------------------------------------------------
    def pick_response(self, data: st.DataObject) -> str:
        known = sorted(self.model.responses)
        gone = sorted(i for i in self.model.seen if i.startswith("resp_") and i not in known)
        return data.draw(st.sampled_from((known + gone[:1]) or ["resp_none"]))

    @precondition(lambda self: len(self.model.responses) < MAX_RESPONSES)
    @rule(
        data=st.data(),
        searched=st.integers(0, 2),
        chained=st.booleans(),
        kept=st.booleans(),
        include=st.booleans(),
        later=st.sampled_from([0, 60]),
    )
    def create_response(
        self,
        data: st.DataObject,
        searched: int,
        chained: bool,
        kept: bool,
        include: bool,
        later: int,
    ) -> None:
        self.advance_clock(later)  # so that the activity a search records shows
        has_stores = any(i.startswith("vs_") for i in self.model.seen)
        store_ids = [self.pick_store(data) for _ in range(searched)] if has_stores else []
        previous = self.pick_response(data) if chained else None
        query = " ".join(data.draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)))
        body: dict[str, Any] = {"model": "gpt-4.1-mini", "input": query, "store": kept}
        if store_ids:
            body["tools"] = [{"type": "file_search", "vector_store_ids": store_ids}]
        if previous is not None:
            body["previous_response_id"] = previous
        if include:
            body["include"] = RESULTS
        result = call(
            lambda: self.model.create_response(store_ids, previous),
            lambda: self.client.responses.create(**body),
        )
        if result is None:
            return
        chain, response = result
        got = response.model_dump(mode="json")
        for object_id in [got["id"], *(item["id"] for item in got["output"])]:
            self.model.adopt(object_id)
        assert got["previous_response_id"] == previous and got["status"] == "completed"
        kinds = [item["type"] for item in got["output"]]
        assert kinds == (["file_search_call"] if store_ids else []) + ["message"]
        full = got
        if kept:  # learn the new input message's id; hold every later read to what was made
            items = [i.id for i in self.client.responses.input_items.list(got["id"], order="asc")]
            assert items[:-1] == chain
            self.model.adopt(items[-1])
            if not include:
                shown = self.client.responses.retrieve(got["id"], include=RESULTS)
                full = shown.model_dump(mode="json")
            self.model.keep_response(StoredResponse(got["id"], full, items))
        assert without_results(full) == without_results(got)
        if store_ids:
            search = full["output"][0]
            assert search["queries"] == [query]
            self.check_results(store_ids, search["results"] if (kept or include) else None)
            cited = {a["file_id"] for a in full["output"][1]["content"][0]["annotations"]}
            if search["results"] is not None:
                assert cited <= {r["file_id"] for r in search["results"]}

    def check_results(self, store_ids: list[str], results: list[Any] | None) -> None:
        """Chunks of completed files of the stores searched, best first, at most 10."""
        if results is None:
            return
        assert len(results) <= 10
        scores = [r["score"] for r in results]
        assert scores == sorted(scores, reverse=True) and all(0 < x <= 1 for x in scores)
        for item in results:
            owners = [
                vsf
                for store_id in store_ids
                if (vsf := self.model.stores[store_id].files.get(item["file_id"])) is not None
            ]
            assert owners and all(vsf.status == "completed" for vsf in owners), item
            assert item["filename"] == self.model.files[item["file_id"]].filename
            assert (item["attributes"] or {}) in [(vsf.attributes or {}) for vsf in owners]

    @precondition(lambda self: any(i.startswith("resp_") for i in self.model.seen))
    @rule(data=st.data())
    def delete_response(self, data: st.DataObject) -> None:
        response_id = self.pick_response(data)
        call(
            lambda: self.model.delete_response(response_id),
            lambda: self.client.responses.delete(response_id),
        )

    # -- the world around ----------------------------------------------------------------------
    @rule(seconds=st.sampled_from([0, 1, 60, DAY]))
    def advance_clock(self, seconds: int) -> None:
        self.model.now += seconds
        assert self.harness.admin("/clock", {"advance_seconds": seconds})["now"] == self.model.now

    @rule(polls=st.sampled_from([0, 1, 2, 3]), stall=st.sampled_from([None, True, False]))
    def set_processing(self, polls: int, stall: bool | None) -> None:
        self.model.polls = polls
        body: dict[str, Any] = {"polls": polls}
        if stall is not None:
            self.model.stall = body["stall"] = stall
        settings = self.harness.admin("/processing", body)
        assert (settings["polls"], settings["stall"]) == (polls, self.model.stall)

    @precondition(lambda self: self.disk)
    @rule()
    def restart(self) -> None:
        """Stop the server and start it again on the same data directory (and seed)."""
        self.harness.stop()
        self.harness.start(self.model.now)
        self.model.polls = 0  # processing settings are the server's flags, not state
        self.model.stall = False

    # -- reading everything back ---------------------------------------------------------------
    @invariant()
    def no_server_errors(self) -> None:
        assert self.harness.app.runtime.take_errors() == []
        TALLY["steps"] += 1
        TALLY["requests"] = TALLY["requests"] + len(self.harness.app.runtime.journal.entries())
        self.harness.app.runtime.journal.clear()

    @invariant()
    def everything_reads_back(self) -> None:
        self.check()

    def check(self) -> None:
        self.check_files()
        for store in self.model.ordered_stores():
            self.check_store_files(store)  # learns usage_bytes first
            self.check_contents(store)
        self.check_store_lists()
        for store in list(self.model.ordered_stores()):
            result = call(
                lambda store=store: self.model.retrieve_store(store.id),  # type: ignore[misc]
                lambda store=store: self.client.vector_stores.retrieve(store.id),  # type: ignore[misc]
            )
            assert result is not None
            self.compare_store(result[0], result[1].model_dump(mode="json"))
            for file_id in list(store.files):
                got = self.client.vector_stores.files.retrieve(file_id, vector_store_id=store.id)
                self.compare_vsf(self.model.retrieve_vsf(store.id, file_id), shown_vsf(got))
            for batch_id, batch in store.batches.items():
                got_batch = self.client.vector_stores.file_batches.retrieve(
                    batch_id, vector_store_id=store.id
                )
                self.model.retrieve_batch(store.id, batch_id)
                want = self.model.batch_shown(batch)
                assert keys(want, got_batch.model_dump(mode="json")) == want
                listed = self.client.vector_stores.file_batches.list_files(
                    batch_id, vector_store_id=store.id, limit=2, order="asc"
                )
                ids = [f.id for f in listed]
                want_ids = [f.id for f in self.model.ordered_vsfs(store.id, batch_id=batch_id)]
                assert ids == want_ids
        for store in list(self.model.ordered_stores()):
            self.search_one(store.id, self.rng)
        self.check_responses()

    def check_responses(self) -> None:
        """Every stored response reads back as made, with and without its results, with the
        input items it was made from; the ones deleted or never kept are 404s."""
        for response in self.model.responses.values():
            shown = self.client.responses.retrieve(response.id, include=RESULTS)
            assert shown.model_dump(mode="json") == response.body
            plain = self.client.responses.retrieve(response.id).model_dump(mode="json")
            assert plain == without_results(response.body)
            items = self.client.responses.input_items.list(response.id, order="asc")
            assert [item.id for item in items] == response.input_ids
        gone = sorted(i for i in self.model.seen if i.startswith("resp_"))
        for response_id in [i for i in gone if i not in self.model.responses][:2]:
            call(
                lambda response_id=response_id: self.model.response(response_id),  # type: ignore[misc]
                lambda response_id=response_id: self.client.responses.retrieve(response_id),  # type: ignore[misc]
            )

    def check_files(self) -> None:
        files = self.model.ordered_files()
        listed = [f.model_dump(mode="json") for f in self.client.files.list()]
        assert [f["id"] for f in listed] == [f.id for f in reversed(files)]
        for upload, got in zip(reversed(files), listed, strict=True):
            assert keys(upload.shown(), got) == upload.shown()
        paged = [f.id for f in self.client.files.list(limit=2, order="asc")]
        assert paged == [f.id for f in files]
        for upload in files:
            assert (
                keys(upload.shown(), self.client.files.retrieve(upload.id).model_dump(mode="json"))
                == upload.shown()
            )
            assert self.client.files.content(upload.id).content == upload.content

    def check_store_lists(self) -> None:
        stores = self.model.ordered_stores()
        want = [s.id for s in stores]
        for order, expected in (("asc", want), ("desc", want[::-1])):
            listed = list(self.client.vector_stores.list(limit=2, order=order))  # type: ignore[arg-type]
            assert [s.id for s in listed] == expected, order
            for store_obj in listed:
                self.compare_store(
                    self.model.stores[store_obj.id], store_obj.model_dump(mode="json")
                )
        if len(want) >= 2:
            page = self.client.vector_stores.list(limit=2, order="asc", before=want[-1])
            assert [s.id for s in page.data] == want[-3:-1]

    def check_store_files(self, store: Store) -> None:
        files = self.model.ordered_vsfs(store.id)
        want = [f.id for f in files]
        for order, expected in (("asc", want), ("desc", want[::-1])):
            listed = list(
                self.client.vector_stores.files.list(store.id, limit=2, order=order)  # type: ignore[arg-type]
            )
            assert [f.id for f in listed] == expected, order
            for got in listed:
                self.compare_vsf(store.files[got.id], shown_vsf(got))
        for status in ("in_progress", "completed", "failed", "cancelled"):
            listed = self.client.vector_stores.files.list(store.id, filter=status, limit=100)  # type: ignore[arg-type]
            assert [f.id for f in listed.data] == [
                f.id for f in reversed(self.model.ordered_vsfs(store.id, status=status))
            ], status

    def check_contents(self, store: Store) -> None:
        """Every vector-store file's content: its text once when completed, else nothing."""
        for file_id in list(store.files):
            result = call(
                lambda file_id=file_id: self.model.content(store.id, file_id),  # type: ignore[misc]
                lambda file_id=file_id: self.client.vector_stores.files.content(  # type: ignore[misc]
                    file_id, vector_store_id=store.id
                ),
            )
            assert result is not None
            want, page = result
            assert [item.text for item in page.data] == want, (store.id, file_id)

    # -- comparisons ---------------------------------------------------------------------------
    def compare_store(self, store: Store, got: dict[str, Any]) -> None:
        if any(
            f.status == "completed" and f.id not in self.model.usage for f in store.files.values()
        ):
            self.check_store_files(store)  # learn usage_bytes first (lists are no status reads)
        want = self.model.store_shown(store)
        assert keys(want, got) == want, (want, got)

    def compare_vsf(self, vsf: Any, got: dict[str, Any]) -> None:
        if got["status"] == "completed" and vsf.status == "completed":
            learned = self.model.usage.setdefault(vsf.id, got["usage_bytes"])
            assert learned == got["usage_bytes"] > 0, (vsf.id, learned, got)
        want = self.model.vsf_shown(vsf)
        assert keys(want, got) == want, (want, got)

    def search_one(self, store_id: str, rng: random.Random) -> None:
        query = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        body: dict[str, Any] = {"query": query}
        limit = rng.choice([None, 1, 2, 5])
        if limit is not None:
            body["max_num_results"] = limit
        topic = rng.choice([None, *TOPICS])
        if topic is not None:
            body["filters"] = {"type": "eq", "key": "topic", "value": topic}
        result = call(
            lambda: self.model.search(store_id),
            lambda: self.client.vector_stores.search(store_id, **body),
        )
        if result is None:
            return
        store, page = result
        items = list(page.data)
        assert sum(len(item.content) for item in items) <= (limit or 10)
        assert len({item.file_id for item in items}) == len(items)
        for item in items:
            vsf = store.files.get(item.file_id)
            assert vsf is not None and vsf.status == "completed", item
            assert item.filename == self.model.files[item.file_id].filename
            assert (item.attributes or {}) == (vsf.attributes or {})
            if topic is not None:
                assert (vsf.attributes or {}).get("topic") == topic, item
            assert 0 < item.score <= 1


def _settings(kind: str) -> settings:
    examples, steps = PROFILES[PROFILE][kind]
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=PROFILE == "ci",  # the same sequences every run; deep explores
        print_blob=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


class OnDisk(Oracle):
    disk = True


class InMemory(Oracle):
    disk = False


TestOracleOnDisk = OnDisk.TestCase
TestOracleOnDisk.settings = _settings("disk")
TestOracleInMemory = InMemory.TestCase
TestOracleInMemory.settings = _settings("memory")
