"""What ``vsmock serve`` leaves out at start (vsmock.startup), checked in fresh interpreters."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
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
        real = [n for n in ("flask", "rich", "pygments", "urllib3", "httpx._main")
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
