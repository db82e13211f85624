"""The shipped documents: ``openapi.yaml`` (the contract) and ``admin.yaml`` (the admin API).

Each is parsed once per process (with libyaml when available); callers that change what
they get must copy it first.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


def openapi_path() -> Path:
    """``openapi.yaml``: inside the installed package, or at the top of a source checkout."""
    packaged = HERE / "openapi.yaml"
    return packaged if packaged.exists() else HERE.parent.parent / "openapi.yaml"


def admin_path() -> Path:
    return HERE / "admin.yaml"


@functools.cache
def load(path: Path) -> dict[str, Any]:
    """A document, parsed (once per process; shared: copy it before changing it)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as f:
        document: dict[str, Any] = yaml.load(f, Loader=loader)  # noqa: S506 - a safe loader
    return document


def openapi() -> dict[str, Any]:
    return load(openapi_path())


def admin() -> dict[str, Any]:
    return load(admin_path())
