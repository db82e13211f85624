"""The suite's server: ``vsmock serve`` started once on loopback, reset before each test.

Every test that uses ``client`` (the official SDK) or ``api`` (plain httpx) runs
against a freshly reset server and fails if the server recorded an internal
error or a response that did not conform to openapi.yaml while it ran.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "fixtures" / "documents"


@dataclass
class ServeProcess:
    process: subprocess.Popen[str]
    url: str

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def admin(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        return httpx.request(method, f"{self.url}/__admin{path}", timeout=30, **kwargs)  # type: ignore[arg-type]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_serve(*args: str, env: dict[str, str] | None = None) -> ServeProcess:
    """Run ``vsmock serve --port 0 ARGS`` and wait for the URL it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "vsmock", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        match = re.search(r"listening on (http://\S+)/v1", line)
        if match:
            return ServeProcess(process, match.group(1))
    process.wait()
    raise RuntimeError("vsmock serve exited before it was ready:\n" + "".join(seen))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    oracle = sys.modules.get("test_oracle")
    line = oracle.summary() if oracle is not None else None
    if line:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def vsmock_process() -> Iterator[ServeProcess]:
    server = start_serve("--poll-after-ms", "5")
    yield server
    server.stop()


@pytest.fixture
def server(vsmock_process: ServeProcess) -> Iterator[ServeProcess]:
    reset = vsmock_process.admin("POST", "/reset", json={})
    assert reset.status_code == 200, reset.text
    vsmock_process.admin("GET", "/errors")
    yield vsmock_process
    errors = vsmock_process.admin("GET", "/errors").json()["data"]
    if errors:
        pytest.fail("the server failed while this test ran:\n" + "\n".join(errors))


@pytest.fixture
def client(server: ServeProcess) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key="sk-test", base_url=server.base_url, max_retries=0) as sdk:
        yield sdk


@pytest.fixture
def api(server: ServeProcess) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": "Bearer sk-test"}, timeout=30
    ) as http:
        yield http
