"""The HTTP layer: the app, its middleware, the dispatcher, handlers, and the adapters.

Importing Connexion warns about things vsmock cannot change: Connexion imports
``starlette.testclient`` (for ``App.test_client()``, never called here), at which Starlette
1.x warns when only ``httpx`` is installed, not ``httpx2``; and it imports
``jsonschema.RefResolver``, which jsonschema deprecates. Under ``pytest -W error`` either
would fail the first test that starts a server through the plugin, so the first import of
Connexion, here, ignores the deprecation warnings raised while it is imported, and only
those.
"""

from __future__ import annotations

import warnings

TESTCLIENT_WARNING = r"Using `httpx` with `starlette\.testclient` is deprecated"

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.filterwarnings("ignore", message=TESTCLIENT_WARNING)
    import connexion  # noqa: F401
