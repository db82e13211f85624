"""Deterministic approximation of OpenAI's BPE token counts.

The real tokenizers (``cl100k_base`` / ``o200k_base``) need vocabulary files that
this mock may not download, so we approximate them with a two-stage rule that
mirrors how those tokenizers work:

1. **Pre-tokenise** the text into *pieces* with a regex modelled on GPT's own
   pre-tokenizer (the BPE never merges across these pieces):

   * English contractions: ``'s 't 're 've 'm 'll 'd``;
   * a run of letters, optionally preceded by one space/punctuation character
     (``" hello"``, ``"(foo"``);
   * a run of 1-3 digits (GPT splits numbers into groups of three);
   * a run of punctuation/symbols, optionally preceded by one space and followed
     by newlines (``" ("``, ``".\\n"``);
   * whitespace: runs ending in newlines; runs of spaces (the last space before
     a word is left to be that word's prefix, as in GPT).

2. **Cost each piece** (a piece always costs at least 1 token):

   * letters: ``ceil(latin / 6 + other / 2 + cjk)`` where ``latin`` counts Latin
     letters (code points below U+0250), ``cjk`` counts letters at or above U+2E80
     (CJK, kana, hangul...: about one token each) and ``other`` counts the
     remaining letters (Greek, Cyrillic, Arabic...: about two per token).  The
     optional leading space/punctuation is free, as in GPT where ``" the"`` is a
     single token.  So words of 1-6 letters cost 1 token, 7-12 cost 2, ...:
     common words are single tokens, long/rare words are split.
   * digits: 1 token per group of up to 3 (exact, as in GPT).
   * punctuation: ASCII symbols cost ``1/2`` each (``"()"``, ``"),"`` and ``"..."``
     pairs are frequent merges), non-ASCII symbols (dashes, curly quotes,
     emoji...) cost 1 each; a leading space and trailing newlines are free.
   * whitespace: ``ceil(len / 8)`` (GPT has single tokens for newline runs and
     for indentation runs).

Accuracy: the letter rate (6 Latin letters per token) is calibrated on the rule
of thumb OpenAI publishes for English, about 4 characters per token.  On the
GPL-3, Apache-2.0, GFDL-1.3 and Artistic licence texts (~11,900 words) the rule
gives 3.95-4.12 characters per token, i.e. within 3% of that rule; that is
1.57 tokens per word (licence prose has long words and hard line breaks), and
1.42 tokens per word on the Zen of Python, against the ~1.3 of the other
common rule of thumb (0.75 words per token).  So on English prose the count is
within about 0-20% of what the published ratios predict, more likely over than
under.  It was *not* compared with the real tokenizer (no vocabulary is
available offline); expect larger errors on code, non-English text and emoji.
What the mock relies on is that the rule is deterministic, grows with the text
and that :func:`token_spans` gives contiguous character spans that chunking can
cut at.

Speed (CPython 3.11, 1 MB of English prose): ``count_tokens`` ~0.15 s and
``token_spans`` ~0.25 s on an idle core (about twice that on a loaded machine).
"""

from __future__ import annotations

import re

__all__ = ["count_tokens", "token_spans"]

# Letters are ``\w`` minus digits and underscore.  Every character is matched by
# exactly one alternative at any position, so consecutive matches cover the text
# with no gaps (whitespace -> last three; digits -> digits; underscore and other
# non-word characters -> punctuation; the rest of ``\w`` -> letters).
_PIECE_RE = re.compile(
    r"""'(?:[sdmt]|ll|ve|re)(?![^\W\d_])"""  # contractions
    r"""|[^\r\n\w]?[^\W\d_]+"""  # letters with an optional prefix character
    r"""|\d{1,3}"""  # digit groups
    r"""| ?(?:[^\s\w]|_)+[\r\n]*"""  # punctuation / symbols
    r"""|\s*[\r\n]+"""  # whitespace ending in newlines
    r"""|\s+(?!\S)"""  # whitespace not directly before a word
    r"""|\s+""",  # any other whitespace (a single space before a symbol...)
    re.IGNORECASE,
)

_LATIN_LIMIT = 0x250  # end of Latin Extended-B
_CJK_START = 0x2E80  # CJK radicals; everything above counts as ~1 token per char
_LATIN_PER_TOKEN = 6
_WS_PER_TOKEN = 8


def _piece_cost(piece: str) -> int:
    """Number of tokens a single pre-tokenised piece is estimated to use."""
    last = piece[-1]
    if last.isdecimal():  # digit group (only digit pieces end with a decimal digit)
        return 1
    if last.isalnum():  # letters, with an optional free prefix character
        body = piece if piece[0].isalnum() else piece[1:]
        if body.isascii():
            n = len(body)
            return 1 if n <= _LATIN_PER_TOKEN else -(-n // _LATIN_PER_TOKEN)
    elif piece.isspace():
        n = len(piece)
        return 1 if n <= _WS_PER_TOKEN else -(-n // _WS_PER_TOKEN)
    else:  # symbols, with an optional free leading space and free trailing newlines
        body = piece[1:] if piece[0] == " " else piece
        body = body.rstrip("\r\n")
        if body.isascii():
            return (len(body) + 1) // 2
    # Non-ASCII: weigh each character in sixths of a token.
    units = 0
    for ch in body:
        code = ord(ch)
        if ch.isalnum():
            if code < _LATIN_LIMIT:
                units += 1
            elif code >= _CJK_START:
                units += 6
            else:
                units += 3
        else:
            units += 3 if code < 0x80 else 6
    return max(1, -(-units // 6))


def count_tokens(text: str) -> int:
    """Estimated number of tokens in ``text`` (0 for the empty string)."""
    if not text:
        return 0
    cost = _piece_cost
    return sum([cost(p) for p in _PIECE_RE.findall(text)])


def token_spans(text: str) -> list[tuple[int, int]]:
    """Character ``(start, end)`` spans of the estimated tokens of ``text``.

    The spans are non-empty, in order and contiguous: the first starts at 0,
    each starts where the previous ended and the last ends at ``len(text)``.
    ``len(token_spans(text)) == count_tokens(text)``.  A piece costing ``n``
    tokens is split into ``n`` near-equal character spans.
    """
    spans: list[tuple[int, int]] = []
    append = spans.append
    cost = _piece_cost
    pos = 0
    for piece in _PIECE_RE.findall(text):
        length = len(piece)
        n = cost(piece)
        if n == 1:
            append((pos, pos + length))
        else:
            start = pos
            for i in range(1, n + 1):
                end = pos + (i * length) // n
                append((start, end))
                start = end
        pos += length
    if pos != len(text):  # pragma: no cover - the regex covers every character
        raise AssertionError("tokenizer regex left a gap")
    return spans
