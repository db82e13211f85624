"""The shipped documents: ``openapi.yaml`` (the contract) and ``admin.yaml`` (the admin API).

Each is parsed once per process (with libyaml when available); callers that change what
they get must copy it first.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from vsmock.contract.json_types import JsonObject

HERE = Path(__file__).resolve().parent


def openapi_path() -> Path:
    """``openapi.yaml``: inside the installed package, or at the top of a source checkout."""
    packaged = HERE / "openapi.yaml"
    return packaged if packaged.exists() else HERE.parent.parent / "openapi.yaml"


def admin_path() -> Path:
    return HERE / "admin.yaml"


@functools.cache
def load(path: Path) -> JsonObject:
    """A document, parsed (once per process; shared: copy it before changing it)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as f:
        document: JsonObject = yaml.load(f, Loader=loader)  # noqa: S506 - a safe loader
    return document


def openapi() -> JsonObject:
    return load(openapi_path())


def admin() -> JsonObject:
    return load(admin_path())
