"""The polling flow through the official Node SDK (npm ``openai``), run with the machine's node.

Node polls differently from Python: it stops a batch on its ``status`` (Python on
``file_counts.in_progress``), reads ``openai-poll-after-ms`` on every round, and
treats only some file statuses as final. The SDK is installed into tests/system/node/
by ``npm install`` on first use and cached in tests/system/node/node_modules. Without
node/npm, or without the npm registry, the test is skipped with a warning.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import ServeProcess
from test_lifecycle import body_problems

NODE_DIR = Path(__file__).resolve().parent / "node"
SDK_PACKAGE = NODE_DIR / "node_modules" / "openai" / "package.json"


def skip_loudly(reason: str) -> None:
    warnings.warn(f"Node SDK polling test SKIPPED: {reason}", stacklevel=2)
    pytest.skip(f"Node SDK polling test: {reason}")


def node_sdk() -> tuple[str, str]:
    """(node executable, installed SDK version), installing the SDK on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        skip_loudly("node and npm are needed (install Node.js >= 20)")
    assert node is not None and npm is not None
    if not SDK_PACKAGE.exists():
        try:
            install = subprocess.run(
                [
                    npm,
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "--fetch-retries=1",
                    "--fetch-timeout=60000",
                ],
                cwd=NODE_DIR,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except subprocess.TimeoutExpired:
            skip_loudly(
                "`npm install` in tests/system/node timed out (is the npm registry reachable?)"
            )
        if install.returncode != 0 or not SDK_PACKAGE.exists():
            skip_loudly(
                "`npm install` in tests/system/node failed (is the npm registry reachable?):\n"
                + install.stderr[-2000:]
            )
    version: str = json.loads(SDK_PACKAGE.read_text())["version"]
    return node, version


def run_node(script: str, *args: str) -> dict[str, Any]:
    """Run ``tests/system/node/<script>`` with ``args``: the JSON object it prints last."""
    node, version = node_sdk()
    run = subprocess.run(
        [node, script, *args], cwd=NODE_DIR, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    print(f"openai (npm) {version}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_node_sdk_create_and_poll(server: ServeProcess) -> None:
    server.admin("POST", "/reset", json={"now": 1_700_000_000})
    result = run_node("polling.mjs", server.url)

    file, batch, uploaded, failed = (result[k] for k in ("file", "batch", "uploaded", "failed"))
    assert file["status"] == "completed" and file["last_error"] is None
    assert uploaded["status"] == "completed"
    assert batch["status"] == "completed"
    assert batch["file_counts"] == {
        "in_progress": 0,
        "completed": 2,
        "failed": 1,
        "cancelled": 0,
        "total": 3,
    }
    assert failed["status"] == "failed" and failed["last_error"]["code"] == "server_error"
    assert result["store"]["status"] == "completed"
    assert result["store"]["file_counts"] == {
        "in_progress": 0,
        "completed": 4,
        "failed": 2,
        "cancelled": 0,
        "total": 6,
    }
    assert result["hits"][0] == file["id"]

    entries = server.admin("GET", "/requests").json()["data"]
    store_id = result["store"]["id"]

    def reads(path: str) -> list[dict[str, Any]]:
        return [e for e in entries if e["method"] == "GET" and e["path"] == path]

    prefix = f"/v1/vector_stores/{store_id}"
    assert len(reads(f"{prefix}/files/{file['id']}")) == 3
    assert len(reads(f"{prefix}/files/{uploaded['id']}")) == 3
    assert len(reads(f"{prefix}/files/{failed['id']}")) == 2
    batch_reads = reads(f"{prefix}/file_batches/{batch['id']}")
    assert [e["response_body"]["status"] for e in batch_reads] == [
        "in_progress",
        "in_progress",
        "completed",
    ]
    for entry in batch_reads:
        assert entry["request_headers"]["x-stainless-poll-helper"] == "true"
        assert entry["request_headers"]["x-stainless-lang"] == "js"
    # every answer the Node SDK got obeys the same rules as in the Python lifecycle tests
    checked = [e for e in entries if "/vector_stores" in e["path"]]
    assert len(checked) > 10
    problems = [
        p for e in checked for p in body_problems(e["response_body"], e["response_headers"])
    ]
    assert not problems, problems
