"""`pip install .` into a fresh venv gives a working `vsmock` command."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import httpx
import pytest
from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_pip_install_then_serve(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # Reuse the test environment's dependencies (a path line in a .pth file, which does not
    # pull in that environment's own vsmock); what is checked is the wheel itself.
    site_dir = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site_dir, "_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", str(ROOT)],
        check=True,
        cwd=tmp_path,
        timeout=600,
    )
    shown = subprocess.run(
        [str(python), "-c", "import vsmock.contract.documents as d; print(d.openapi_path())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert "site-packages" in shown.stdout  # the wheel carries openapi.yaml
    process = subprocess.Popen(
        [str(env_dir / "bin" / "vsmock"), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        url = None
        for line in process.stdout:
            match = re.search(r"listening on (http://\S+/v1)", line)
            if match:
                url = match.group(1)
                break
        assert url is not None and url.startswith("http://127.0.0.1:")
        response = httpx.get(url + "/vector_stores", headers={"Authorization": "Bearer x"})
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


# Python code run the way ``pip install .`` leaves things when the openai SDK (which brings
# httpx2) is not installed: importing httpx2 fails, so Starlette's test client falls back to
# httpx and warns, at the moment Connexion imports it.
WITHOUT_HTTPX2 = "import sys; sys.modules['httpx2'] = None\n"


def test_without_httpx2_importing_connexion_warns() -> None:
    """The condition the next test guards against is real (else it would prove nothing)."""
    import starlette.exceptions

    if not hasattr(starlette.exceptions, "StarletteDeprecationWarning"):
        pytest.skip("this Starlette has no such warning")
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_HTTPX2 + "import connexion"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "StarletteDeprecationWarning" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "argv",
    [["serve", "--port", "0"], ["proxy", "--upstream", "http://127.0.0.1:9/v1", "--port", "0"]],
    ids=["serve", "proxy"],
)
def test_the_first_line_is_the_url_even_without_httpx2(argv: list[str]) -> None:
    code = WITHOUT_HTTPX2 + f"from vsmock.cli import main; sys.exit(main({argv!r}))"
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert re.match(r"vsmock (proxy )?listening on http://127\.0\.0\.1:\d+/v1", first), first
    finally:
        process.terminate()
        rest = process.communicate(timeout=10)[0]
    assert "Warning" not in rest, rest


def test_the_openai_extra_installs_the_sdk_the_tests_use() -> None:
    """``pip install '.[openai]'`` gives what the README's examples need."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    sdk = [r for r in extras["openai"] if r.startswith("openai")]
    assert sdk == [r for r in extras["test"] if r.startswith("openai")] and len(sdk) == 1
    assert not any(r.startswith("openai") for r in project["dependencies"])


def test_the_plugin_starts_a_server_under_w_error_without_httpx2() -> None:
    """The pytest plugin imports Connexion in the user's process: ``-W error`` there must not
    turn Starlette's test-client warning into a failed test (``vsmock/http/__init__.py``)."""
    code = WITHOUT_HTTPX2 + (
        "import warnings; warnings.simplefilter('error')\n"
        "from vsmock.http.app import create_app\n"
        "from vsmock.http.uvicorn_adapter import running\n"
        "with running(create_app()) as server: print(server.url)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("http://127.0.0.1:"), result.stdout
