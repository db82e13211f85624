"""Turning a File's bytes into a vector-store file's chunks (no state, no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass, field

from vsmock.contract.json_types import JsonObject
from vsmock.ingest import chunking, extraction


@dataclass
class Outcome:
    """What processing a file ends in: ``completed`` with chunks, or ``failed``."""

    status: str
    last_error: dict[str, str] | None = None
    chunks: list[str] = field(default_factory=list)
    usage_bytes: int = 0

    def to_record(self) -> JsonObject:
        return {
            "status": self.status,
            "last_error": self.last_error,
            "usage_bytes": self.usage_bytes,
        }


def ingest(data: bytes, filename: str, max_tokens: int, overlap_tokens: int) -> Outcome:
    try:
        text = extraction.extract_text(data, filename)
    except extraction.ExtractionError as exc:
        return failed(exc.code, str(exc))
    pieces = chunking.chunk_text(text, max_tokens, overlap_tokens)
    if not pieces:
        return failed("invalid_file", "The file contains no text to index.")
    return Outcome(
        status="completed",
        chunks=[piece.text for piece in pieces],
        usage_bytes=chunking.usage_bytes(pieces),
    )


def failed(code: str, message: str) -> Outcome:
    return Outcome(status="failed", last_error={"code": code, "message": message})
