"""`pip install .` into a fresh venv gives a working `vsmock` command."""

from __future__ import annotations

import re
import subprocess
import sysconfig
import venv
from pathlib import Path

import httpx
from conftest import ROOT


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
