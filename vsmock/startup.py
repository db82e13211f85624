"""How the ``vsmock serve`` process starts quickly.

Importing Connexion imports, for features a vsmock server never uses, about a third of
everything it loads: Flask and its app (``connexion.FlaskApp``), ``requests`` (fetching
remote ``$ref`` documents, which vsmock's documents do not have), and httpx (remote token
checks, which vsmock does not configure) with, through httpx's command-line client, rich and
pygments. ``lean_imports`` keeps them out of the server process:

* Connexion's Flask support goes, the way Connexion itself drops it when Flask is not
  installed (its own ``try: ... except ImportError``); so does httpx's command-line client.
* ``requests`` and ``httpx`` become :class:`Deferred` modules, which import the real one
  the first time anything is looked up on them; nothing in a server does.

The cyclic garbage collector stays off while the app is imported and built (millions of
allocations, no garbage worth a collection); ``settled`` then moves everything built so far
out of the collector's generations (``gc.freeze``), so later collections do not walk the
whole application again on every request burst.

Only the CLI calls these, in a process it owns: a pytest session that builds an app
in-process keeps its modules and its garbage collector as they are.
"""

from __future__ import annotations

import gc
import importlib
import sys
import types
from typing import Any

# Imported by Connexion only for what a vsmock server never uses.
DEFERRED = ("requests", "httpx")
# Optional parts of packages, which import rich, pygments, Flask and Jinja: their packages
# catch the ImportError and go on without them.
ABSENT = ("httpx._main", "connexion.apps.flask", "connexion.frameworks.flask")


class Deferred(types.ModuleType):
    """A stand-in for a module nothing may need: the first lookup of a name on it imports
    the real module (which then replaces it in ``sys.modules``) and answers from there."""

    def __getattr__(self, name: str) -> Any:
        real = self.load()
        return getattr(real, name)

    def load(self) -> types.ModuleType:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        # Names taken from the stand-in before now keep working, as the real module.
        vars(self).update({k: v for k, v in vars(real).items() if k not in vars(self)})
        return real


def lean_imports() -> None:
    """Before the app is imported: leave out what a server never uses, and stop the cyclic
    garbage collector until ``settled``."""
    gc.disable()
    for name in ABSENT:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    for name in DEFERRED:
        if name not in sys.modules:
            sys.modules[name] = Deferred(name)


def settled() -> None:
    """After the app is built: keep what exists out of future collections, and collect
    again from here on."""
    gc.freeze()
    gc.enable()
