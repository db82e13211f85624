"""The assistant's message, built from the search results by a fixed rule a test can predict.

vsmock has no model. The message of a response with a ``file_search`` tool is
*extractive*: it quotes the results.

1. The results are taken in rank order (best first). For each distinct file, the first
   (best) result of that file is its *chunk*. At most :data:`MAX_CITED_FILES` files are
   quoted: the best result's file always, each later one only if its quoted sentence shares
   a *query word* (below) with the query and is not a sentence already quoted.
2. A chunk's text is split into paragraphs, then sentences. A paragraph ends at a blank
   line, at a Markdown heading (a heading is a paragraph of its own, never quoted unless
   the chunk holds nothing else) and before a list item or a quote; the lines of a
   paragraph are joined by one space. Markdown markers at
   the start of a line (``#``, ``>``, ``-``, ``*``, ``+``, ``1.``) are dropped. A sentence
   ends after ``.``, ``!`` or ``?`` followed by white space. White space inside a sentence
   becomes one space.
3. Query words are the query's words as the search index reads them (lower case, two or
   more letters or digits) that are not stop words (``vsmock.search.rewrite.STOP_WORDS``:
   "how", "the", "do"…). The quoted sentence of a chunk is the one holding the most
   distinct query words; the earliest wins a tie, and the first sentence is quoted when
   none holds one.
4. The message text is the quoted sentences, joined by one space. Each is followed by a
   ``file_citation`` annotation whose ``index`` is the character offset just after it (so
   the first citation's index is the length of the first sentence).
5. No results: the text is :data:`NO_RESULTS_TEXT`, without annotations. A response
   that makes no search (no ``file_search`` tool, ``tool_choice: "none"``,
   ``max_tool_calls: 0``) answers :data:`NO_TOOL_TEXT`.

A scripted reply (``POST /__admin/responses``) replaces the text; the files the rule above
would cite are still cited, every citation at the end of the scripted text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vsmock.contract.json_types import JsonObject

MAX_CITED_FILES = 3
NO_RESULTS_TEXT = "I could not find any relevant information in the provided files."
NO_TOOL_TEXT = "I can only answer from your files, and I did not search them for this request."

_MARKER = re.compile(r"^\s*(?:#{1,6}|>|[-*+]|\d{1,3}[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Message:
    """The text of the assistant's message and its citations (in text order)."""

    text: str
    annotations: list[JsonObject]


def paragraphs(text: str) -> list[tuple[str, bool]]:
    """The paragraphs of a chunk as rule 2 reads them (markers dropped, lines joined), each
    with whether it is a heading."""
    found: list[tuple[str, bool]] = []
    lines: list[str] = []

    def close(heading: bool = False) -> None:
        if lines:
            found.append((" ".join(lines), heading))
            lines.clear()

    for line in text.splitlines():
        if not line.strip():
            close()
            continue
        marker = _MARKER.match(line)
        if marker is not None:
            close()
            line = line[marker.end() :]
        lines.append(line.strip())
        if marker is not None and marker.group().lstrip().startswith("#"):
            close(heading=True)  # a heading is a paragraph of its own
    close()
    return found


def sentences(text: str) -> list[str]:
    """The sentences of a chunk, as rule 2 splits them: headings only when the chunk has
    nothing else."""
    found: list[str] = []
    headings: list[str] = []
    for paragraph, heading in paragraphs(text):
        for piece in _SENTENCE_END.split(paragraph):
            sentence = _SPACE.sub(" ", piece).strip()
            if any(ch.isalnum() for ch in sentence):
                (headings if heading else found).append(sentence)
    return found or headings


def query_words(query: str) -> set[str]:
    """The words of rule 3. (The analyzer is scikit-learn's: loaded on first use, as the
    search engine is, so a server starts without it.)"""
    from vsmock.search.analysis import analyze
    from vsmock.search.rewrite import STOP_WORDS

    return set(analyze(query)) - STOP_WORDS


def best_sentence(text: str, query_words: set[str]) -> tuple[str, int]:
    """(the sentence of ``text`` rule 3 quotes, how many query words it shares)."""
    from vsmock.search.analysis import analyze

    best, best_score = "", -1
    for sentence in sentences(text):
        score = len(query_words & set(analyze(sentence)))
        if score > best_score:
            best, best_score = sentence, score
    return best, max(best_score, 0)


def _citation(result: JsonObject, index: int) -> JsonObject:
    return {
        "type": "file_citation",
        "file_id": result["file_id"],
        "filename": result["filename"],
        "index": index,
    }


def quoted(query: str, results: Sequence[JsonObject]) -> list[tuple[str, JsonObject]]:
    """(sentence, result) for each file the message quotes, in order (rules 1 and 3)."""
    words = query_words(query)
    picked: list[tuple[str, JsonObject]] = []
    seen_files: set[str] = set()
    for result in results:
        if len(picked) == MAX_CITED_FILES:
            break
        if result["file_id"] in seen_files:
            continue
        seen_files.add(result["file_id"])
        sentence, shared = best_sentence(result["text"], words)
        if not sentence or (picked and shared == 0) or any(s == sentence for s, _ in picked):
            continue
        picked.append((sentence, result))
    return picked


def grounded_message(query: str, results: Sequence[JsonObject]) -> Message:
    """The extractive answer to ``query`` from ``results`` (rules 1 to 5)."""
    picked = quoted(query, results)
    if not picked:
        return Message(NO_RESULTS_TEXT, [])
    text = ""
    annotations: list[JsonObject] = []
    for sentence, result in picked:
        text = f"{text} {sentence}" if text else sentence
        annotations.append(_citation(result, len(text)))
    return Message(text, annotations)


def scripted_message(text: str, query: str, results: Sequence[JsonObject]) -> Message:
    """A scripted reply, citing the files the extractive answer would cite (at its end)."""
    cited: list[JsonObject] = []
    files: set[str] = set()
    for _, result in quoted(query, results):
        if result["file_id"] not in files:
            files.add(result["file_id"])
            cited.append(_citation(result, len(text)))
    return Message(text, cited)
