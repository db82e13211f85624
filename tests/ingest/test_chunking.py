"""Tests for vsmock.ingest.tokens and vsmock.ingest.chunking."""

from __future__ import annotations

import dataclasses
import random
import tracemalloc

import pytest

import vsmock.ingest.tokens as tokens_module
from vsmock.ingest.chunking import (
    AUTO_MAX_TOKENS,
    AUTO_OVERLAP_TOKENS,
    Chunk,
    chunk_text,
    usage_bytes,
)
from vsmock.ingest.tokens import count_tokens, token_ends, token_spans

PROSE = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, "
    "it was the age of foolishness, it was the epoch of belief, it was the epoch of "
    "incredulity, it was the season of Light, it was the season of Darkness. "
    "We had everything before us; we had nothing before us (or so they said).\n\n"
)


def words_document(n_words: int, seed: int = 7) -> str:
    """A deterministic document of ``n_words`` pseudo-words with punctuation and paragraphs."""
    rng = random.Random(seed)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 11)))
        for _ in range(2000)
    ]
    parts: list[str] = []
    for i in range(n_words):
        parts.append(rng.choice(vocabulary))
        if i % 17 == 16:
            parts.append(".\n" if i % 85 == 84 else ".")
        elif i % 7 == 6:
            parts.append(",")
        parts.append(" ")
    return "".join(parts)


def check_spans(text: str) -> list[tuple[int, int]]:
    spans = token_spans(text)
    assert len(spans) == count_tokens(text)
    position = 0
    for start, end in spans:
        assert start == position
        assert end > start
        position = end
    assert position == len(text)
    return spans


# --------------------------------------------------------------------------- tokens


def random_text(rng: random.Random, length: int) -> str:
    alphabet = "abcXYZ019 _-.,;:!?'\"()[]{}<>\t\n\r\x0b\x0c\xa0\u2028éüßñΩжع日本語한😀—“”²½\u0301"
    return "".join(rng.choice(alphabet) for _ in range(length))


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "a",
        "\n\n\n",
        "Hello, world!",
        PROSE,
        "def f(x):\n    return x ** 2  # square\n",
        "    indented\n\t\ttabs  \r\n",
        "1234567890 3.14159 -42",
        "don't I'll we've they're she'd",
        "café naïve Ünïcödé",
        "日本語のテキスト",
        "😀😀😀 emoji—dash “quotes”",
        "snake_case __dunder__ x_1",
        "a" * 1000,
    ],
)
def test_spans_cover_the_text_in_order(text: str) -> None:
    check_spans(text)


def test_spans_cover_random_unicode() -> None:
    rng = random.Random(1234)
    for _ in range(300):
        check_spans(random_text(rng, rng.randint(0, 80)))


def test_empty_text_has_no_tokens() -> None:
    assert count_tokens("") == 0
    assert token_spans("") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", 1),
        (" the", 1),
        ("the cat sat", 3),
        ("Hello, world!", 4),
        ("123", 1),
        ("1234567", 3),
        ("don't", 2),
        ("internationalization", 4),  # 20 letters -> ceil(20 / 6)
        ("日本語", 3),
        ("\n\n", 1),
        (" " * 16, 2),
    ],
)
def test_token_rule_examples(text: str, expected: int) -> None:
    assert count_tokens(text) == expected


def test_long_words_cost_more_than_short_ones() -> None:
    assert count_tokens(" extraordinarily") > count_tokens(" dog")


def test_english_prose_ratio_is_plausible() -> None:
    text = PROSE * 20
    ratio = count_tokens(text) / len(text.split())
    assert 1.0 <= ratio <= 1.7
    assert 3.0 <= len(text) / count_tokens(text) <= 5.0


def test_tokenizer_is_deterministic() -> None:
    text = words_document(2000)
    assert token_spans(text) == token_spans(text)
    assert count_tokens(text) == count_tokens(text)


def test_one_megabyte_counts_and_spans_agree() -> None:
    # (speed is the benchmark's business: scripts/bench_long_query.py, never a timed test)
    text = (PROSE * (1_000_000 // len(PROSE) + 1))[:1_000_000]
    count = count_tokens(text)
    spans = token_spans(text)
    assert len(spans) == count


# --------------------------------------------------------------------------- chunking


def expected_windows(n_tokens: int, max_tokens: int, overlap: int) -> list[tuple[int, int]]:
    """Token index ranges [first, last) of each window, computed independently."""
    step = max_tokens - overlap
    windows = []
    first = 0
    while True:
        windows.append((first, min(first + max_tokens, n_tokens)))
        if first + max_tokens >= n_tokens:
            return windows
        first += step


@pytest.mark.parametrize(
    ("max_tokens", "overlap"),
    [(800, 400), (100, 0), (100, 50), (256, 13), (4096, 2048), (333, 166)],
)
def test_windows_have_exact_sizes_and_overlaps(max_tokens: int, overlap: int) -> None:
    text = words_document(6000)
    spans = check_spans(text)
    chunks = chunk_text(text, max_tokens, overlap)
    windows = expected_windows(len(spans), max_tokens, overlap)
    assert len(chunks) == len(windows)
    for i, (chunk, (first, stop)) in enumerate(zip(chunks, windows, strict=True)):
        assert chunk.index == i
        assert chunk.start == spans[first][0]
        assert chunk.end == spans[stop - 1][1]
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.tokens == stop - first
    for chunk in chunks[:-1]:
        assert chunk.tokens == max_tokens
    assert 0 < chunks[-1].tokens <= max_tokens
    assert chunks[0].start == 0
    assert chunks[-1].end == len(text)
    # Consecutive chunks share exactly ``overlap`` tokens.
    for previous, current in zip(chunks, chunks[1:], strict=False):
        shared = [s for s in spans if s[0] >= current.start and s[1] <= previous.end]
        assert len(shared) == min(overlap, current.tokens)


def test_overlap_zero_partitions_the_text() -> None:
    text = words_document(3000)
    chunks = chunk_text(text, 100, 0)
    assert "".join(c.text for c in chunks) == text
    for previous, current in zip(chunks, chunks[1:], strict=False):
        assert previous.end == current.start
    assert sum(c.tokens for c in chunks) == count_tokens(text)


def test_auto_defaults() -> None:
    assert (AUTO_MAX_TOKENS, AUTO_OVERLAP_TOKENS) == (800, 400)
    text = words_document(5000)
    chunks = chunk_text(text, AUTO_MAX_TOKENS, AUTO_OVERLAP_TOKENS)
    assert all(c.tokens == 800 for c in chunks[:-1])
    assert chunks[1].start == token_spans(text)[400][0]


def test_phrase_in_the_middle_of_a_long_document_lands_in_a_chunk() -> None:
    before = words_document(5000, seed=1)
    after = words_document(5000, seed=2)
    phrase = "the zebra quartet rehearses at midnight"
    text = before + phrase + " " + after
    for max_tokens, overlap in [(AUTO_MAX_TOKENS, AUTO_OVERLAP_TOKENS), (100, 50), (200, 0)]:
        chunks = chunk_text(text, max_tokens, overlap)
        holding = [c for c in chunks if phrase in c.text]
        assert len(chunks) > 3
        if overlap:
            assert holding, (max_tokens, overlap)
        assert len(holding) < len(chunks)
        for chunk in holding:
            assert chunk.start <= text.index(phrase) < chunk.end
    # With overlap a phrase shorter than the overlap is always whole in some chunk;
    # without overlap it can straddle a boundary, but the pieces are still there.
    zero = chunk_text(text, 200, 0)
    assert phrase in "".join(c.text for c in zero)


def test_determinism() -> None:
    text = words_document(4000)
    assert chunk_text(text, 300, 100) == chunk_text(text, 300, 100)


def test_short_text_gives_one_chunk_with_the_whole_text() -> None:
    text = "A short document about foxes."
    chunks = chunk_text(text, AUTO_MAX_TOKENS, AUTO_OVERLAP_TOKENS)
    assert chunks == [Chunk(index=0, text=text, start=0, end=len(text), tokens=count_tokens(text))]


def test_exactly_max_tokens_gives_one_chunk_and_one_more_gives_two() -> None:
    text = " word" * 100
    assert count_tokens(text) == 100
    assert len(chunk_text(text, 100, 50)) == 1
    longer = text + " more"
    chunks = chunk_text(longer, 100, 50)
    assert [c.tokens for c in chunks] == [100, 51]
    assert chunks[-1].end == len(longer)
    assert chunks[-1].text.endswith(" more")


def test_last_chunk_is_shorter_when_the_text_does_not_divide() -> None:
    text = " word" * 250
    chunks = chunk_text(text, 100, 20)  # windows start at 0, 80, 160
    assert [c.tokens for c in chunks] == [100, 100, 90]
    assert chunks[-1].text == " word" * 90


def test_empty_text_gives_no_chunks() -> None:
    assert chunk_text("", 800, 400) == []


@pytest.mark.parametrize(
    ("max_tokens", "overlap"),
    [(99, 0), (4097, 0), (0, 0), (-800, 0), (800, -1), (800, 401), (100, 51), (4096, 2049)],
)
def test_static_bounds_are_enforced(max_tokens: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        chunk_text("some text", max_tokens, overlap)


@pytest.mark.parametrize(("max_tokens", "overlap"), [(100, 0), (100, 50), (4096, 2048), (4096, 0)])
def test_static_bounds_are_inclusive(max_tokens: int, overlap: int) -> None:
    assert len(chunk_text("some text", max_tokens, overlap)) == 1


@pytest.mark.parametrize(
    ("max_tokens", "overlap"), [(800.0, 400), (800, 400.0), (True, 0), ("800", 0)]
)
def test_non_integer_arguments_are_rejected(max_tokens: object, overlap: object) -> None:
    with pytest.raises(ValueError):
        chunk_text("some text", max_tokens, overlap)  # type: ignore[arg-type]


def test_chunk_is_frozen() -> None:
    chunk = chunk_text("hello", 100, 0)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        chunk.text = "changed"  # type: ignore[misc]


def test_usage_bytes_counts_utf8_bytes_of_every_chunk() -> None:
    assert usage_bytes([]) == 0
    text = "héllo wörld " * 200
    no_overlap = chunk_text(text, 100, 0)
    assert usage_bytes(no_overlap) == len(text.encode("utf-8"))
    overlapping = chunk_text(text, 100, 50)
    assert usage_bytes(overlapping) == sum(len(c.text.encode("utf-8")) for c in overlapping)
    assert usage_bytes(overlapping) > len(text.encode("utf-8"))


def test_chunking_a_megabyte_reaches_the_end() -> None:
    text = words_document(200_000)
    chunks = chunk_text(text, 100, 50)
    assert chunks[-1].end == len(text)


# --------------------------------------------------------------------------- big texts


def reference_spans(text: str) -> list[tuple[int, int]]:
    """Token spans computed the plain way: the whole text's pieces, one after the other."""
    spans = []
    pos = 0
    for piece in tokens_module._PIECE_RE.findall(text):
        n = tokens_module._piece_cost(piece)
        size = len(piece)
        spans += [(pos + (i * size) // n, pos + ((i + 1) * size) // n) for i in range(n)]
        pos += len(piece)
    assert pos == len(text)
    return spans


def reference_chunks(
    text: str, max_tokens: int, overlap: int, spans: list[tuple[int, int]] | None = None
) -> list[tuple[int, int, int]]:
    """(start, end, tokens) of every window, from :func:`reference_spans`."""
    if spans is None:
        spans = reference_spans(text)
    return [
        (spans[first][0], spans[stop - 1][1], stop - first)
        for first, stop in (expected_windows(len(spans), max_tokens, overlap) if spans else [])
    ]


@pytest.mark.parametrize("block", [1, 2, 3, 10, 1 << 18])
def test_block_by_block_tokenisation_equals_the_whole_text(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Big texts are tokenised in blocks cut after a letter run: the same tokens."""
    monkeypatch.setattr(tokens_module, "_BLOCK", block)
    rng = random.Random(block)
    texts = [random_text(rng, rng.randint(0, 200)) for _ in range(150)]
    texts += [words_document(rng.randint(0, 300), seed=k) for k in range(20)]
    texts += ["don't we'll " * 30, "日本語 " * 50 + "end", "x" * 500, "a'b'c " * 40, PROSE]
    for text in texts:
        expected = reference_spans(text)
        assert token_spans(text) == expected
        assert token_ends(text).tolist() == [end for _, end in expected]
        assert count_tokens(text) == len(expected)
        for max_tokens, overlap in [(100, 50), (100, 0), (101, 33)]:
            chunks = chunk_text(text * 3, max_tokens, overlap)
            assert [(c.start, c.end, c.tokens) for c in chunks] == reference_chunks(
                text * 3, max_tokens, overlap
            )
            assert [c.index for c in chunks] == list(range(len(chunks)))
            assert all(c.text == (text * 3)[c.start : c.end] for c in chunks)


def test_chunking_a_big_text_equals_the_reference() -> None:
    text = words_document(300_000, seed=3)  # about 1.8 MB: several tokenisation blocks
    assert len(text) > 4 * tokens_module._BLOCK
    spans = reference_spans(text)
    assert token_spans(text) == spans
    for max_tokens, overlap in [(800, 400), (4096, 2048), (333, 166), (100, 0)]:
        chunks = chunk_text(text, max_tokens, overlap)
        assert [(c.start, c.end, c.tokens) for c in chunks] == reference_chunks(
            text, max_tokens, overlap, spans
        )
        assert usage_bytes(chunks) == sum(len(c.text.encode("utf-8")) for c in chunks)


def test_chunking_memory_is_about_the_chunks_themselves() -> None:
    """Chunking used to hold a tuple of two ints per token plus every regex piece at once:
    about 30 times the text. Now it holds block-sized buffers and the chunks."""
    text = words_document(300_000, seed=4)  # about 1.8 MB
    tracemalloc.start()
    try:
        chunks = chunk_text(text, AUTO_MAX_TOKENS, AUTO_OVERLAP_TOKENS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    stored = sum(len(c.text) for c in chunks)  # ASCII: one byte per character
    assert stored > len(text)
    assert peak < stored + 8_000_000, (peak, stored)
