"""What ``vsmock serve`` leaves out at start (vsmock.startup), and what it and the pytest
plugin load before the first attach-and-search (``preload_in_background``), checked in fresh
interpreters."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Defined in every fresh interpreter: a first attach-and-search on the server at ``url``
# (upload a file, create a store with it, search it); returns the modules it imported of
# those the preload loads.
ATTACH_AND_SEARCH = r"""
import http.client as _http, json as _json, sys as _sys


def attach_and_search(url):
    engine = ("numpy", "scipy", "sklearn", "vsmock.search", "anyio")
    before = set(_sys.modules)
    host, port = url.removeprefix("http://").split(":")
    conn = _http.HTTPConnection(host, int(port), timeout=60)

    def call(path, body, content_type):
        headers = {"Authorization": "Bearer sk-x", "Content-Type": content_type}
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        data = _json.loads(response.read())
        assert response.status == 200, data
        return data

    form = (
        b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="faq.md"\r\n'
        b"Content-Type: text/markdown\r\n\r\nReturns are accepted within 30 days.\r\n--b--\r\n"
    )
    file = call("/v1/files", form, "multipart/form-data; boundary=b")
    store = call("/v1/vector_stores", _json.dumps({"file_ids": [file["id"]]}), "application/json")
    hits = call(
        f"/v1/vector_stores/{store['id']}/search", _json.dumps({"query": "returns"}),
        "application/json",
    )
    assert hits["data"][0]["file_id"] == file["id"], hits
    conn.close()
    return sorted(m for m in set(_sys.modules) - before if m.startswith(engine))
"""


def run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", ATTACH_AND_SEARCH + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_server_process_never_loads_what_it_does_not_use() -> None:
    loaded = run(
        """
        import gc, sys
        from vsmock.startup import Deferred, lean_imports, settled
        lean_imports()
        from vsmock.http.app import create_app
        app = create_app()
        settled()
        assert gc.isenabled() and gc.get_freeze_count() > 0
        # The search engine (SciPy) is loaded after start, by preload_in_background.
        real = [n for n in ("flask", "rich", "pygments", "urllib3", "httpx._main",
                            "scipy", "sklearn", "vsmock.search.index")
                if sys.modules.get(n) is not None]
        deferred = sorted(n for n, m in sys.modules.items() if isinstance(m, Deferred))
        print(real, deferred)
        """
    )
    assert loaded == "[] ['httpx', 'requests']"


def test_a_deferred_module_loads_on_first_use_and_stays_the_real_one() -> None:
    seen = run(
        """
        import sys
        from vsmock.startup import Deferred, lean_imports
        lean_imports()
        import requests as early          # what Connexion holds
        assert isinstance(early, Deferred)
        session = early.Session           # first use: the real module is imported
        import requests
        assert not isinstance(requests, Deferred) and sys.modules["requests"] is requests
        assert session is requests.Session and early.get is requests.get
        import requests.adapters          # submodules import as usual
        print(requests.adapters.HTTPAdapter.__name__)
        """
    )
    assert seen == "HTTPAdapter"


def test_an_app_built_in_process_keeps_its_modules() -> None:
    """The pytest plugin builds apps in the user's process: nothing is left out there."""
    seen = run(
        """
        import gc, sys
        from vsmock.http.app import create_app
        from vsmock.startup import ABSENT, Deferred
        create_app()
        import httpx
        blocked = [n for n in ABSENT if n in sys.modules and sys.modules[n] is None]
        deferred = [n for n, m in sys.modules.items() if isinstance(m, Deferred)]
        print(gc.isenabled(), blocked, deferred, type(httpx).__name__)
        """
    )
    assert seen == "True [] [] module"


def test_the_server_preloads_the_search_engine_so_a_first_attach_and_search_loads_nothing() -> None:
    """What ``vsmock serve`` does once it listens: the engine is loaded on a thread of its
    own; neither it nor a first attach-and-search loads scikit-learn."""
    seen = run(
        """
        import sys
        from vsmock.startup import lean_imports, settled
        lean_imports()
        from vsmock.http.app import create_app, preload_in_background
        from vsmock.http.uvicorn_adapter import ThreadedServer
        app = create_app()
        settled()
        server = ThreadedServer(app).start()
        preload_in_background().join()
        print("vsmock.search.index" in sys.modules, "sklearn" in sys.modules)
        print(attach_and_search(server.url), "sklearn" in sys.modules)
        server.stop()
        """
    )
    assert seen.splitlines() == ["True False", "[] False"]


def test_the_plugin_server_starts_with_the_search_engine_loaded() -> None:
    """The session server loads the engine before the first test, not scikit-learn; the
    first attach-and-search loads nothing more."""
    seen = run(
        """
        import sys
        from vsmock.plugin.session import ServerOptions, SessionServer
        server = SessionServer(ServerOptions())
        print("vsmock.search.index" in sys.modules, "sklearn" in sys.modules)
        print(attach_and_search(server.url))
        server.stop()
        """
    )
    assert seen.splitlines() == ["True False", "[]"]
