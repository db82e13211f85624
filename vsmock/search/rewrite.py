"""Deterministic query rewriting (what ``rewrite_query: true`` does in this mock).

Rule, applied by :func:`rewrite_query`:

1. lower-case the query and turn typographic apostrophes (``’``) into ``'``;
2. split it into words: runs of letters/digits, possibly joined by inner apostrophes
   (``don't``, ``company's``); everything else (punctuation, underscores, symbols) separates
   words and is dropped;
3. drop stop words: scikit-learn's ``ENGLISH_STOP_WORDS`` (a copy, below), plus question
   words and question auxiliaries (``what``, ``how``, ``does``, ``did``, ...) and common
   contractions (``i'd``, ``don't``, ``what's``, ...), see ``STOP_WORDS``;
4. in the remaining words, drop a possessive ``'s`` and then any apostrophe
   (``company's`` -> ``company``, ``o'neil`` -> ``oneil``);
5. join the words, in their original order, with single spaces.

If step 3 drops every word, the result is the lower-cased query stripped of punctuation
(steps 1, 2, 4 and 5 without step 3), e.g. ``"Who are you?"`` -> ``"who are you"``. If the
query has no word at all (``"?!"``), the lower-cased, whitespace-trimmed query is returned
as is, so the result is empty only for an empty (or blank) query.

Example: ``"I'd like to know the height of the main office building."`` ->
``"like know height main office building"``.
"""

from __future__ import annotations

import re
from typing import Final

# scikit-learn's ``ENGLISH_STOP_WORDS`` (318 words), as data: importing scikit-learn takes
# most of a second, which the first request that rewrites a query (or a Responses API
# file_search) would pay. ``tests/search/test_analysis.py`` holds the copy equal to it.
ENGLISH_STOP_WORDS: Final = frozenset(
    {
        "a", "about", "above", "across", "after", "afterwards", "again", "against", "all",
        "almost", "alone", "along", "already", "also", "although", "always", "am", "among",
        "amongst", "amoungst", "amount", "an", "and", "another", "any", "anyhow", "anyone",
        "anything", "anyway", "anywhere", "are", "around", "as", "at", "back", "be", "became",
        "because", "become", "becomes", "becoming", "been", "before", "beforehand", "behind",
        "being", "below", "beside", "besides", "between", "beyond", "bill", "both", "bottom",
        "but", "by", "call", "can", "cannot", "cant", "co", "con", "could", "couldnt", "cry",
        "de", "describe", "detail", "do", "done", "down", "due", "during", "each", "eg", "eight",
        "either", "eleven", "else", "elsewhere", "empty", "enough", "etc", "even", "ever",
        "every", "everyone", "everything", "everywhere", "except", "few", "fifteen", "fifty",
        "fill", "find", "fire", "first", "five", "for", "former", "formerly", "forty", "found",
        "four", "from", "front", "full", "further", "get", "give", "go", "had", "has", "hasnt",
        "have", "he", "hence", "her", "here", "hereafter", "hereby", "herein", "hereupon", "hers",
        "herself", "him", "himself", "his", "how", "however", "hundred", "i", "ie", "if", "in",
        "inc", "indeed", "interest", "into", "is", "it", "its", "itself", "keep", "last",
        "latter", "latterly", "least", "less", "ltd", "made", "many", "may", "me", "meanwhile",
        "might", "mill", "mine", "more", "moreover", "most", "mostly", "move", "much", "must",
        "my", "myself", "name", "namely", "neither", "never", "nevertheless", "next", "nine",
        "no", "nobody", "none", "noone", "nor", "not", "nothing", "now", "nowhere", "of", "off",
        "often", "on", "once", "one", "only", "onto", "or", "other", "others", "otherwise", "our",
        "ours", "ourselves", "out", "over", "own", "part", "per", "perhaps", "please", "put",
        "rather", "re", "same", "see", "seem", "seemed", "seeming", "seems", "serious", "several",
        "she", "should", "show", "side", "since", "sincere", "six", "sixty", "so", "some",
        "somehow", "someone", "something", "sometime", "sometimes", "somewhere", "still", "such",
        "system", "take", "ten", "than", "that", "the", "their", "them", "themselves", "then",
        "thence", "there", "thereafter", "thereby", "therefore", "therein", "thereupon", "these",
        "they", "thick", "thin", "third", "this", "those", "though", "three", "through",
        "throughout", "thru", "thus", "to", "together", "too", "top", "toward", "towards",
        "twelve", "twenty", "two", "un", "under", "until", "up", "upon", "us", "very", "via",
        "was", "we", "well", "were", "what", "whatever", "when", "whence", "whenever", "where",
        "whereafter", "whereas", "whereby", "wherein", "whereupon", "wherever", "whether",
        "which", "while", "whither", "who", "whoever", "whole", "whom", "whose", "why", "will",
        "with", "within", "without", "would", "yet", "you", "your", "yours", "yourself",
        "yourselves",
    }
)  # fmt: skip

QUESTION_WORDS: Final = frozenset(
    {
        "what", "when", "where", "which", "who", "whom", "whose", "why", "how",
        "does", "did", "doing", "is", "are", "was", "were", "can", "could", "would", "should",
        "will", "shall", "may", "might", "must", "do",
    }
)  # fmt: skip

CONTRACTIONS: Final = frozenset(
    {
        "i'd", "i'll", "i'm", "i've", "you'd", "you'll", "you're", "you've", "he'd", "he'll",
        "he's", "she'd", "she'll", "she's", "it'd", "it'll", "it's", "we'd", "we'll", "we're",
        "we've", "they'd", "they'll", "they're", "they've", "that's", "there's", "here's",
        "what's", "what're", "where's", "when's", "who's", "why's", "how's", "let's",
        "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't", "can't",
        "couldn't", "won't", "wouldn't", "shouldn't", "mustn't", "mightn't", "haven't",
        "hasn't", "hadn't", "shan't",
    }
)  # fmt: skip

STOP_WORDS: Final = frozenset(ENGLISH_STOP_WORDS) | QUESTION_WORDS | CONTRACTIONS

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def _clean(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    return word.replace("'", "")


def rewrite_query(q: str) -> str:
    """The query rewritten for search (see the module docstring for the rule)."""
    text = q.lower().replace("\u2019", "'")
    words = _WORD.findall(text)
    if not words:
        return text.strip()
    kept = [_clean(w) for w in words if w not in STOP_WORDS]
    kept = [w for w in kept if w]
    if not kept:
        kept = [w for w in (_clean(w) for w in words) if w]
    return " ".join(kept)
