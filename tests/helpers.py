"""Small helpers shared by the SDK-driven tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai

ROOT = Path(__file__).resolve().parent.parent
FAQ = ROOT / "fixtures" / "documents" / "support-faq"


def upload(
    client: openai.OpenAI, name: str, content: str | bytes, purpose: str = "assistants"
) -> Any:
    data = content.encode() if isinstance(content, str) else content
    return client.files.create(file=(name, data), purpose=purpose)  # type: ignore[arg-type]


def upload_faq(client: openai.OpenAI) -> dict[str, Any]:
    """Upload the support FAQ documents; returns {filename: FileObject}."""
    return {
        path.name: client.files.create(file=path.open("rb"), purpose="assistants")
        for path in sorted(FAQ.glob("*.md"))
    }


def assert_counts_consistent(store_or_batch: Any) -> None:
    counts = store_or_batch.file_counts
    assert counts.total == (
        counts.in_progress + counts.completed + counts.failed + counts.cancelled
    ), counts
