"""``vsmock.search.analysis.analyze`` gives exactly the tokens of scikit-learn's default
analyzer (``CountVectorizer().build_analyzer()``), without importing scikit-learn.

The search must stay exactly TF-IDF as scikit-learn computes it (``test_search_engine.py``
checks the scores against ``TfidfVectorizer`` refits); this checks the tokens themselves on
a large, varied corpus: every Unicode code point in several word contexts, the shipped
documents and this project's sources, casing and segmentation edge cases, seeded random
strings and Hypothesis-generated text.
"""

from __future__ import annotations

import random
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from vsmock.search.analysis import TOKEN_PATTERN, analyze

ROOT = Path(__file__).resolve().parents[2]
SKLEARN: Callable[[str], list[str]] = CountVectorizer().build_analyzer()

EDGE_CASES = [
    "",
    " ",
    "a",
    "ab",
    "a b c d",
    "I",
    "x y z 1 2 3 _ __ a_ _a",
    "don't can't o'neil company's rock'n'roll",
    "e-mail co-op state-of-the-art 3.14 1,000 10:30 2024-01-31 v1.2.3",
    "snake_case camelCase PascalCase SCREAMING_CASE kebab-case __dunder__",
    "İstanbul ISTANBUL istanbul İİ Iı",  # U+0130 lower-cases to two code points
    "ΟΔΟΣ ΟΔΌΣ Σ ΣΣ σς ΑΣ",  # Greek capital sigma: final form at a word's end
    "Straße STRASSE ß ẞ ﬁne ﬀ ﬃ",  # sharp s, capital sharp s, ligatures
    "Ꭰ ᏣᎳᎩ ꭰꭱ",  # Cherokee: upper case in one block, lower case in another
    "café cafe\u0301 e\u0301e\u0301 \u0301\u0301 a\u0308o\u0308",  # combining marks
    "naïve résumé Ångström Ǆemal ǅ ǆ ǈ",  # titlecase digraphs
    "zero\u200bwidth joiner\u200djoined non\u200cjoiner soft\u00adhyphen",
    "no\u00a0break thin\u2009space ideographic\u3000space line\u2028sep para\u2029sep",
    "tab\there new\nline cr\rlf\r\n vt\x0bff\x0c nul\x00byte",
    "١٢٣ ٤٥ ०१२ ๑๒๓ ５６ 12 ² ³ ½ Ⅻ ⅻ ① ⑴",  # digits and numerals of several scripts
    "中文分词 日本語のテキスト 한국어 텍스트 ไทยภาษา",
    "مرحبا بالعالم שלום עולם",
    "नमस्ते दुनिया क्षत्रिय",
    "emoji 👍🏽 👨‍👩‍👧 🇫🇷 text❤️text",
    "ＦＵＬＬＷＩＤＴＨ ｆｕｌｌ ＡＢ",
    "𝐌𝐚𝐭𝐡 𝔉𝔯𝔞𝔨𝔱𝔲𝔯 𝟙𝟚",  # mathematical alphanumerics
    "A" * 10_000,
    "ab " * 5_000,
]

# Characters of many kinds, for random strings.
ALPHABET = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
    + list(" \t\n\r\x0b\x0c\u00a0\u2009\u3000\u200b\u200c\u200d\u00ad")
    + list(".,;:!?'\"-–—()[]{}<>/\\|@#$%^&*+=~`’“”«»")
    + list("éèêëÉÈçÇñÑüÜöÖäÄßẞåÅøØæÆœŒİıſǅǈ")
    + list("αβγδεΣσςΩωΆάΐ")
    + list("абвгдЖЖжЁё")
    + list("ᎠᏣꭰ")
    + list("中文日本語한국어ไทย")
    + list("مرحباשלוםनमस्तेक्ष")
    + ["\u0301", "\u0308", "\u0327", "\u20dd", "\ufe0f", "\U0001f44d", "\U0001f3fd"]
    + list("١٢٣०१२๑５²½Ⅻ①")
    + ["\U0001d40c", "\U0001d7d9", "ﬁ", "ﬀ"]
)


def assert_same(text: str) -> None:
    assert analyze(text) == SKLEARN(text), repr(text[:200])


def every_code_point() -> Iterator[str]:
    """Every code point except surrogates, in blocks, each in several word contexts: alone,
    doubled, inside a word, at a word's start and end, and next to a combining mark."""
    points = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    for start in range(0, len(points), 2048):
        block = points[start : start + 2048]
        yield " ".join(block)
        yield " ".join(c + c for c in block)
        yield " ".join(f"a{c}b X{c} {c}Y {c}\u0301 Σ{c}" for c in block)
        yield "".join(block)


def test_scikit_learns_defaults_are_still_what_analyze_does() -> None:
    """If a scikit-learn release changes a default, ``analyze`` must change with it."""
    for vectorizer in (CountVectorizer(), TfidfVectorizer()):
        params = vectorizer.get_params()
        assert params["token_pattern"] == TOKEN_PATTERN
        assert params["lowercase"] is True
        assert params["strip_accents"] is None
        assert params["stop_words"] is None
        assert params["ngram_range"] == (1, 1)
        assert params["analyzer"] == "word"
        assert params["preprocessor"] is None and params["tokenizer"] is None


def test_every_code_point_is_tokenized_as_scikit_learn_does() -> None:
    for text in every_code_point():
        assert_same(text)


@pytest.mark.parametrize("text", EDGE_CASES, ids=range(len(EDGE_CASES)))
def test_edge_cases(text: str) -> None:
    assert_same(text)
    assert_same(text.upper())
    assert_same(unicodedata.normalize("NFD", text))


def test_the_shipped_documents_and_the_sources() -> None:
    files = [
        path
        for folder in ("fixtures", "vsmock", "tests", "scripts")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in {".md", ".txt", ".json", ".py", ".yaml", ".html", ".csv"}
    ] + [ROOT / "README.md", ROOT / "openapi.yaml"]
    texts = [p.read_text(errors="replace") for p in files if p.is_file()]
    assert len(texts) > 100 and sum(map(len, texts)) > 1_000_000
    for text in texts:
        assert_same(text)
        for line in text.splitlines():
            assert_same(line)


def test_seeded_random_strings() -> None:
    rng = random.Random(15)
    for _ in range(20_000):
        text = "".join(rng.choices(ALPHABET, k=rng.randrange(0, 120)))
        assert_same(text)
    for _ in range(2_000):  # any code point but surrogates
        cps = (rng.randrange(0x110000) for _ in range(rng.randrange(0, 60)))
        assert_same("".join(chr(cp) for cp in cps if not 0xD800 <= cp <= 0xDFFF))


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_any_text(text: str) -> None:
    assert_same(text)


def test_the_analyzer_does_not_import_scikit_learn() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from vsmock.search.analysis import analyze; analyze('Warm Up'); "
            "print(sorted(m for m in ('sklearn', 'scipy', 'numpy') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    assert loaded == "[]"


def test_the_stop_words_are_scikit_learns() -> None:
    """``rewrite.py`` keeps a copy of scikit-learn's English stop words, so that rewriting a
    query (and the Responses API's answer rule) never imports scikit-learn."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from vsmock.search import rewrite

    assert frozenset(ENGLISH_STOP_WORDS) == rewrite.ENGLISH_STOP_WORDS
    assert len(rewrite.ENGLISH_STOP_WORDS) == 318
