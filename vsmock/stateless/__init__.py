"""Contract mode (``vsmock serve --stateless``): every operation answers from openapi.yaml."""

from __future__ import annotations

from vsmock.stateless.answers import StatelessBackend

__all__ = ["StatelessBackend"]
