"""JSON paths: how differences are named, and which ones ``--ignore`` skips.

A difference is named by the path to it, written as JSONPath: ``$.data[0].score``.
An ignore pattern uses a small subset of JSONPath (no filters, no slices):

===================  ==============================================
``$``                the whole body (the ``$`` may be left out)
``.name``            a key; ``['odd key']`` for keys with other characters
``[2]``              an array item (``.2`` also works)
``[*]`` or ``.*``    any one key or item
``..name``           ``name`` at any depth below (``..*``: anything)
===================  ==============================================

A pattern also covers everything below what it names: ``$.data`` ignores the
whole list. Examples: ``$.data[*].created_at``, ``$..created_at``,
``data[0].score``, ``$.file_counts``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

Step = str | int


class Wildcard:
    def __repr__(self) -> str:
        return "*"


ANY = Wildcard()
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*|[0-9]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_BRACKET = re.compile(r"\[\s*(?:(\*)|(-?[0-9]+)|'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\")\s*\]")


def render(path: Sequence[Step]) -> str:
    """``('data', 0, 'score')`` → ``$.data[0].score``."""
    out = ["$"]
    for step in path:
        if isinstance(step, int):
            out.append(f"[{step}]")
        elif _IDENTIFIER.match(step):
            out.append(f".{step}")
        else:
            escaped = step.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{escaped}']")
    return "".join(out)


@dataclass(frozen=True)
class Selector:
    descend: bool  # preceded by ".." (any depth)
    key: str | int | Wildcard
    either: bool = False  # a dotted number: an index or a key of digits

    def selects(self, step: Step) -> bool:
        if isinstance(self.key, Wildcard):
            return True
        if self.either and isinstance(self.key, int):
            return step == self.key or step == str(self.key)
        return type(step) is type(self.key) and step == self.key


class PathPattern:
    def __init__(self, text: str):
        self.text = text
        self.selectors = _parse(text)

    def __repr__(self) -> str:
        return f"PathPattern({self.text!r})"

    def covers(self, path: Sequence[Step]) -> bool:
        """True when the pattern names ``path`` or something that contains it."""
        selectors = self.selectors

        def go(s: int, p: int) -> bool:
            if s == len(selectors):
                return True
            selector = selectors[s]
            candidates = (
                range(p, len(path)) if selector.descend else range(p, min(p + 1, len(path)))
            )
            return any(selector.selects(path[q]) and go(s + 1, q + 1) for q in candidates)

        return go(0, 0)


def _parse(text: str) -> list[Selector]:
    source = text.strip()
    if not source:
        raise ValueError("an empty JSON path")
    position = 0
    if source.startswith("$"):
        position = 1
    elif not source.startswith((".", "[")):
        source = "." + source
    selectors: list[Selector] = []
    while position < len(source):
        rest = source[position:]
        descend = rest.startswith("..")
        if rest.startswith("["):
            match = _BRACKET.match(rest)
            if match is None:
                raise ValueError(f"cannot read the JSON path {text!r} at {rest!r}")
            star, index, single, double = match.groups()
            key: str | int | Wildcard
            if star:
                key = ANY
            elif index is not None:
                key = int(index)
            else:
                quoted = single if single is not None else double
                key = re.sub(r"\\(.)", r"\1", quoted)
            selectors.append(Selector(False, key))
            position += match.end()
            continue
        if not rest.startswith("."):
            raise ValueError(f"cannot read the JSON path {text!r} at {rest!r}")
        position += 2 if descend else 1
        rest = source[position:]
        if rest.startswith("*"):
            selectors.append(Selector(descend, ANY))
            position += 1
            continue
        if descend and rest.startswith("["):
            match = _BRACKET.match(rest)
            if match is None:
                raise ValueError(f"cannot read the JSON path {text!r} at {rest!r}")
            inner = _parse("$" + match.group(0))[0]
            selectors.append(Selector(True, inner.key))
            position += match.end()
            continue
        match = _NAME.match(rest)
        if match is None:
            raise ValueError(f"cannot read the JSON path {text!r} at {rest!r}")
        name = match.group(0)
        if name.isdigit():
            selectors.append(Selector(descend, int(name), either=True))
        else:
            selectors.append(Selector(descend, name))
        position += match.end()
    return selectors


def patterns(texts: Sequence[str]) -> list[PathPattern]:
    return [PathPattern(text) for text in texts]
