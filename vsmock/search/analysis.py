"""Text analysis shared by indexing and querying: scikit-learn's default analyzer.

``analyze`` is exactly what ``TfidfVectorizer()`` (and ``CountVectorizer()``) does to a
document with default parameters: lower-case it, then extract tokens with the pattern
``(?u)\\b\\w\\w+\\b`` (words of two or more word characters; no stop-word removal, unigrams
only). Using the very same analyzer is what makes the index's scores equal to a
``TfidfVectorizer`` refit.
"""

from __future__ import annotations

from collections.abc import Callable

from sklearn.feature_extraction.text import CountVectorizer

_ANALYZER: Callable[[str], list[str]] = CountVectorizer().build_analyzer()


def analyze(text: str) -> list[str]:
    """Tokens of ``text`` in order of appearance, as scikit-learn's default analyzer gives them."""
    return list(_ANALYZER(text))
