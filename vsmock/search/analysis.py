"""Text analysis shared by indexing and querying: scikit-learn's default analyzer, without
scikit-learn.

``analyze`` is exactly what ``TfidfVectorizer()`` (and ``CountVectorizer()``) does to a
document with default parameters: lower-case it (``str.lower``; no accent stripping), then
extract tokens with the pattern ``(?u)\\b\\w\\w+\\b`` (words of two or more word characters)
using Python's ``re``; no stop-word removal, unigrams only. Those are the only steps
scikit-learn's ``build_analyzer()`` takes on a ``str`` with those parameters, so the same two
steps here give the same tokens, and the index's scores equal a ``TfidfVectorizer`` refit.
``tests/search/test_analysis.py`` holds the two equal on a large, varied corpus and checks
that scikit-learn's defaults are still these.

Importing scikit-learn takes most of a second (it pulls in SciPy); the search engine does
not need it, so a server's first attach or search does not pay for it.
"""

from __future__ import annotations

import re

# CountVectorizer's default ``token_pattern``.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"

_TOKENS = re.compile(TOKEN_PATTERN).findall


def analyze(text: str) -> list[str]:
    """Tokens of ``text`` in order of appearance, as scikit-learn's default analyzer gives them."""
    tokens: list[str] = _TOKENS(text.lower())
    return tokens
