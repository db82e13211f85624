"""The official openai-python SDK's own generated tests, run against ``vsmock serve --stateless``.

The sdist of a pinned SDK version ships its ``tests/``. Its generated tests for vector stores,
vector-store files, file batches and files send placeholder ids, ``limit=0``, an empty batch
and check every field of every answer against the SDK's types. With openai 3.52.0, Prism 5
passed 452 of them and failed 15; contract mode must pass all 467 (3 more are skipped by the
suite itself: RESPX cannot mock the aiohttp client). Its tests of the Responses API's four
operations vsmock serves (create, streamed or not; retrieve, streamed or not; delete; input
items) add 135; those of ``cancel`` and ``compact``, which vsmock does not serve, are left out.

The sdist is downloaded once into ``.cache/sdk/`` (ignored by git; ``VSMOCK_SDK_CACHE``
names another directory, e.g. one that CI keeps between runs). When the package index
cannot be reached, the test says so and is skipped (with a warning), never passed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import time
import warnings
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, start_serve

SDK_VERSION = "3.57.0"
EXPECTED = {"passed": 602, "failed": 0, "skipped": 3}
PRISM = "Prism 5 on the official spec, openai 3.52.0: 452 passed, 15 failed"
SUITE = [
    "tests/api_resources/test_vector_stores.py",
    "tests/api_resources/vector_stores/",
    "tests/api_resources/test_files.py",
    "tests/api_resources/test_responses.py",
    "tests/api_resources/responses/test_input_items.py",
]
UNSERVED = "not (responses and (cancel or compact))"  # Responses operations vsmock lacks
# What the SDK's tests import beyond vsmock's own dependencies (the `test` extra has them).
SUITE_MODULES = ["pytest_asyncio", "aiohttp", "rich", "httpx2"]
CACHE = Path(os.environ.get("VSMOCK_SDK_CACHE") or ROOT / ".cache" / "sdk")
NETWORK_TROUBLE = re.compile(
    r"NewConnectionError|Max retries exceeded|Network is unreachable|Name or service not known|"
    r"Temporary failure in name resolution|Connection refused|ConnectTimeout|Read timed out|"
    r"Could not fetch URL|ProxyError|SSLError|No route to host",
)


def _sdist() -> Path:
    """The extracted sdist, downloaded on first use."""
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")  # never committed
    tree = CACHE / f"openai-{SDK_VERSION}"
    if (tree / "tests" / "api_resources").is_dir():
        return tree
    archive = CACHE / f"openai-{SDK_VERSION}.tar.gz"
    if not archive.exists():
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            f"openai=={SDK_VERSION}", "-d", str(CACHE), "--timeout", "30", "--retries", "1",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)
        output = done.stdout + done.stderr
        if done.returncode != 0 and NETWORK_TROUBLE.search(output):
            reason = (
                f"the package index cannot be reached, so the official SDK suite "
                f"(openai=={SDK_VERSION} sdist) was NOT run: {output.strip()[-400:]}"
            )
            warnings.warn(reason, stacklevel=1)
            pytest.skip(reason)
        assert done.returncode == 0 and archive.exists(), output
    with tarfile.open(archive) as sdist:
        sdist.extractall(CACHE, filter="data")
    return tree


def _counts(summary: str) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
    for number, word in re.findall(
        r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)", summary
    ):
        counts["errors" if word.startswith("error") else word] = int(number)
    return counts


def test_the_official_sdk_suite_passes_against_contract_mode(
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = []
    for module in SUITE_MODULES:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    assert not missing, f"install the test extra (pip install '.[test]'); missing: {missing}"
    tree = _sdist()

    server = start_serve("--stateless")
    try:
        env = {
            **os.environ,
            "TEST_API_BASE_URL": server.url,  # the root, where generated suites call
            "PYTHONPATH": os.pathsep.join([str(tree / "src"), str(tree)]),
        }
        command = [
            sys.executable, "-m", "pytest", *SUITE, "-k", UNSERVED,
            "-o", "addopts=", "-p", "no:cacheprovider", "-p", "no:vsmock", "-q",
        ]  # fmt: skip
        started = time.monotonic()
        done = subprocess.run(
            command, cwd=tree, env=env, capture_output=True, text=True, timeout=600
        )
        wall = time.monotonic() - started
        errors = httpx.get(f"{server.url}/__admin/errors", timeout=30).json()["data"]
        reported = httpx.get(f"{server.url}/__admin/violations", timeout=30).json()["data"]
    finally:
        server.stop()

    lines = [line for line in done.stdout.splitlines() if line.strip()]
    summary = next((line for line in reversed(lines) if re.search(r"\d+ passed", line)), "")
    with capsys.disabled():
        print(
            f"\nofficial openai {SDK_VERSION} suite vs vsmock --stateless: {summary.strip('= ')}"
            f" (wall {wall:.1f} s; {PRISM}); {len(reported)} contract violations reported"
        )
    assert not errors, "\n".join(errors)
    counts = _counts(summary)
    assert (counts["passed"], counts["failed"], counts["errors"], counts["skipped"]) == (
        EXPECTED["passed"],
        EXPECTED["failed"],
        0,
        EXPECTED["skipped"],
    ), done.stdout[-4000:] + done.stderr[-2000:]
    # What the SDK sent that the live API would refuse is reported, e.g. the empty batch.
    rules = {(v["operation"], v["parameter"], v["rule"]) for v in reported}
    assert ("createVectorStoreFileBatch", "file_ids", "missing_required_parameter") in rules
    assert ("createVectorStoreFileBatch", "file_ids", "invalid_value") in rules  # both given
    assert ("listVectorStores", "limit", "integer_below_min_value") in rules
    assert ("createResponse", "model", "missing_required_parameter") in rules  # create()
