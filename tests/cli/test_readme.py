"""The README's commands and examples are tests, so they cannot go stale."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from conftest import ROOT, ServeProcess

README = (ROOT / "README.md").read_text()


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    command = "pip install '.[test]' && python -m pytest"
    assert f"    {command}\n" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert any(line.strip().startswith(command) for line in ci.splitlines())


def test_readme_install_command_serves_on_loopback() -> None:
    assert "    pip install . && vsmock serve\n" in README
    assert "http://127.0.0.1:8000/v1" in README


def run_block(block: str, server: ServeProcess, name: str) -> None:
    """Run a README example from the checkout root against the suite's server."""
    code = block.replace("http://127.0.0.1:8000/v1", server.base_url)
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, name, "exec"), {})
    finally:
        os.chdir(cwd)


def test_quickstart_runs(server: ServeProcess, capsys: object) -> None:
    run_block(python_blocks()[0], server, "README.md quickstart")
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert out.splitlines()[0].startswith("completed")
    assert "return-policy.md" in out


def test_plugin_example_in_readme_is_the_file_the_suite_runs() -> None:
    example = (ROOT / "tests" / "plugin" / "examples" / "test_example_quickstart.py").read_text()
    assert f"```python\n{example}```" in README


def test_responses_example_runs(server: ServeProcess, capsys: object) -> None:
    """The Responses API section's example prints what its comments say."""
    section = README.split("## file_search through the Responses API", 1)[1]
    block = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    run_block(block, server, "README.md responses example")
    printed = capsys.readouterr().out.splitlines()  # type: ignore[attr-defined]
    promised = re.findall(r"^print\(.*\)\n# (.*)$", block, flags=re.M)
    assert len(promised) == 3
    assert printed == promised


def test_azure_example_runs(server: ServeProcess) -> None:
    section = README.split("## Azure OpenAI clients", 1)[1]
    block = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    namespace: dict[str, Any] = {}
    code = block.replace("http://127.0.0.1:8000", server.url)
    exec(compile(code, "README azure", "exec"), namespace)
    assert namespace["store"].name == "docs"
