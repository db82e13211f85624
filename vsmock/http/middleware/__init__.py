"""ASGI middleware around Connexion: runtime, journal, auth, upload limit, faults.

Order, outermost first: runtime → journal → auth → upload limit → faults →
Connexion (errors → routing → validation → handlers).
"""

from __future__ import annotations

ADMIN_PREFIX = "/__admin"


def is_admin(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")
