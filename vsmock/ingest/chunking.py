"""Split extracted text into overlapping token windows, like OpenAI's file_search.

OpenAI's chunking strategies:

* ``auto``: 800 tokens per chunk, 400 tokens of overlap
  (:data:`AUTO_MAX_TOKENS`, :data:`AUTO_OVERLAP_TOKENS`);
* ``static``: ``max_chunk_size_tokens`` in 100..4096 and
  ``chunk_overlap_tokens`` in 0..max_chunk_size_tokens // 2.

Tokens are the approximate tokens of :mod:`vsmock.ingest.tokens`.  Each chunk is the
exact slice of the text from its first token's start to its last token's end, so
chunk offsets map back to the extracted text and chunk text never contains
anything that is not in the document.  Chunking keeps only the token offsets
where windows start and end (the text is tokenised block by block), so its
memory is the chunks' texts plus a small buffer, however long the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vsmock.ingest.tokens import iter_token_ends

__all__ = [
    "AUTO_MAX_TOKENS",
    "AUTO_OVERLAP_TOKENS",
    "MAX_CHUNK_TOKENS",
    "MIN_CHUNK_TOKENS",
    "Chunk",
    "chunk_text",
    "content_pieces",
    "usage_bytes",
]

AUTO_MAX_TOKENS = 800
AUTO_OVERLAP_TOKENS = 400
MIN_CHUNK_TOKENS = 100
MAX_CHUNK_TOKENS = 4096


@dataclass(frozen=True)
class Chunk:
    """One chunk of a document.

    ``start``/``end`` are character offsets into the extracted text and
    ``text == extracted[start:end]``; ``tokens`` is the number of tokens in it.
    """

    index: int
    text: str
    start: int
    end: int
    tokens: int


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return value


def chunk_text(text: str, max_tokens: int, overlap_tokens: int) -> list[Chunk]:
    """Cut ``text`` into windows of ``max_tokens`` tokens overlapping by ``overlap_tokens``.

    Window ``i`` starts at token ``i * (max_tokens - overlap_tokens)`` and holds
    ``max_tokens`` tokens, except the last one, which holds whatever remains; the
    last window is the first one that reaches the end of the text.  A text of at
    most ``max_tokens`` tokens gives a single chunk, an empty text gives ``[]``.

    Raises ``ValueError`` unless ``100 <= max_tokens <= 4096`` and
    ``0 <= overlap_tokens <= max_tokens // 2``.  Runs in O(len(text)).
    """
    max_tokens = _check_int("max_tokens", max_tokens)
    overlap_tokens = _check_int("overlap_tokens", overlap_tokens)
    if not MIN_CHUNK_TOKENS <= max_tokens <= MAX_CHUNK_TOKENS:
        raise ValueError(
            f"max_tokens must be between {MIN_CHUNK_TOKENS} and {MAX_CHUNK_TOKENS}, "
            f"got {max_tokens}"
        )
    if not 0 <= overlap_tokens <= max_tokens // 2:
        raise ValueError(
            f"overlap_tokens must be between 0 and max_tokens // 2 ({max_tokens // 2}), "
            f"got {overlap_tokens}"
        )

    step = max_tokens - overlap_tokens
    # Window i holds tokens [i * step, min(i * step + max_tokens, total)); the last window
    # is the first that reaches the end. Only the offsets that start or end a window are
    # kept while the text is tokenised block by block: memory O(chunks), not O(tokens).
    starts: list[int] = [0]  # window i > 0 starts where token i * step - 1 ends
    ends: list[int] = []  # window i (but the last) ends where token i * step + max - 1 ends
    total = 0
    for block in iter_token_ends(text):
        k0 = total
        total += block.size
        first = (step - 1 - k0) % step  # block index of the first token k = j * step - 1
        starts += block[first::step].tolist()
        first = max(max_tokens - 1 - k0, (max_tokens - 1 - k0) % step)
        ends += block[first::step].tolist()
    if total == 0:
        return []
    last = -(-(total - max_tokens) // step) if total > max_tokens else 0
    chunks: list[Chunk] = []
    for i in range(last + 1):
        first_token = i * step
        start = starts[i]
        end = ends[i] if i < last else len(text)
        chunks.append(
            Chunk(
                index=i,
                text=text[start:end],
                start=start,
                end=end,
                tokens=min(first_token + max_tokens, total) - first_token,
            )
        )
    return chunks


def content_pieces(text: str, max_tokens: int, overlap_tokens: int) -> list[str]:
    """``text`` cut where each of its chunks starts: what a vector-store file's content shows.

    One piece per chunk of :func:`chunk_text`, in order; piece ``i`` is chunk ``i`` up to
    where chunk ``i + 1`` starts (the last piece is the last chunk whole), so the pieces do
    not overlap and ``"".join(pieces) == text``. Without overlap they are the chunks.
    """
    chunks = chunk_text(text, max_tokens, overlap_tokens)
    starts = [chunk.start for chunk in chunks] + [len(text)]
    return [text[start:end] for start, end in zip(starts, starts[1:], strict=False)]


def usage_bytes(chunks: Iterable[Chunk]) -> int:
    """Bytes a file's chunks use in a vector store.

    Defined as the sum of the UTF-8 byte lengths of every chunk's text.  Overlaps
    are counted once per chunk that holds them, because what a vector store keeps
    (and OpenAI bills) is the stored chunks, not the original file.
    """
    return sum(
        len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        for text in (chunk.text for chunk in chunks)
    )
