"""Tests for vsmock.ingest.extraction: supported types, failures and hostile input."""

from __future__ import annotations

import builtins
import codecs
import io
import json
import zipfile
from pathlib import Path

import pytest

from vsmock.ingest import extraction
from vsmock.ingest.extraction import (
    SUPPORTED_EXTENSIONS,
    ExtractionError,
    InvalidFile,
    UnsupportedFile,
    extract_text,
    file_extension,
    file_kind,
)

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "documents" / "samples"

CODE_EXTENSIONS = sorted(
    ext
    for ext in SUPPORTED_EXTENSIONS
    if file_kind(f"x.{ext}") == "text" and ext not in {"txt", "md"}
)


def sample(ext: str) -> bytes:
    return (SAMPLES / f"sample.{ext}").read_bytes()


def invalid(data: bytes, filename: str) -> InvalidFile:
    with pytest.raises(InvalidFile) as info:
        extract_text(data, filename)
    assert info.value.code == "invalid_file"
    assert info.value.message.startswith("The file could not be parsed because")
    return info.value


def unsupported(data: bytes, filename: str) -> UnsupportedFile:
    with pytest.raises(UnsupportedFile) as info:
        extract_text(data, filename)
    assert info.value.code == "unsupported_file"
    assert info.value.message == "The file type is not supported."
    return info.value


# --------------------------------------------------------------------------- supported types


def test_supported_extensions_match_the_brief() -> None:
    expected = {
        "txt",
        "md",
        "json",
        "csv",
        "html",
        "htm",
        "pdf",
        "docx",
        "pptx",
        "c",
        "cpp",
        "h",
        "cs",
        "css",
        "go",
        "java",
        "js",
        "ts",
        "php",
        "py",
        "rb",
        "sh",
        "tex",
        "xml",
        "yaml",
        "yml",
        "rs",
        "kt",
        "swift",
    }
    assert expected == SUPPORTED_EXTENSIONS
    assert "doc" not in SUPPORTED_EXTENSIONS


@pytest.mark.parametrize("ext", sorted(SUPPORTED_EXTENSIONS))
def test_every_supported_extension_has_a_sample_that_extracts(ext: str) -> None:
    text = extract_text(sample(ext), f"sample.{ext}")
    assert text.strip()
    assert "\r" not in text
    assert extract_text(sample(ext), f"sample.{ext}") == text  # deterministic


@pytest.mark.parametrize("ext", CODE_EXTENSIONS)
def test_source_code_is_plain_text(ext: str) -> None:
    data = sample(ext)
    text = extract_text(data, f"sample.{ext}")
    assert text == data.decode("utf-8")
    assert "The quick brown fox sample" in text
    assert file_kind(f"sample.{ext}") == "text"


def test_txt_normalises_newlines_and_keeps_unicode() -> None:
    assert extract_text(sample("txt"), "sample.txt") == (
        "The quick brown fox jumps over the lazy dog.\nCafé crème, naïve façade — ünïcödé.\n"
    )
    assert extract_text(b"a\r\nb\rc\n", "x.txt") == "a\nb\nc\n"


def test_markdown_is_kept_verbatim() -> None:
    text = extract_text(sample("md"), "sample.md")
    assert text.startswith("# Sample heading\n")
    assert "The quick brown fox jumps over the **lazy dog**." in text


def test_json_is_validated_and_returned_raw() -> None:
    data = sample("json")
    text = extract_text(data, "sample.json")
    assert text == data.decode("utf-8")
    assert json.loads(text)["title"] == "The quick brown fox"
    minified = b'{"a":[1,2,{"b":"needle in json"}]}'
    assert extract_text(minified, "m.json") == minified.decode()


def test_csv_rows_become_tab_separated_lines() -> None:
    assert extract_text(sample("csv"), "sample.csv") == (
        "name\tcity\tnote\nAlice\tParis\tlikes the quick brown fox\nBob\tRome, Italy\tmulti\nline"
    )


def test_html_structure_and_dropped_elements() -> None:
    text = extract_text(sample("html"), "sample.html")
    assert text == (
        "Sample page\n"
        "Fox report\n"
        "The quick brown fox jumps over the lazy dog.\n"
        "first item\n"
        "second item\n"
        "line one\n"
        "line two\n"
        "Name\tScore\n"
        "Alice\t42\n"
        "  indented\n"
        "    code\n"
        "café & crème"
    )
    assert "secret" not in text and "color" not in text and "comment" not in text


def test_html_drops_noscript_and_template() -> None:
    html = b"<p>kept</p><noscript>Enable JavaScript</noscript><template><p>tmpl</p></template>"
    assert extract_text(html, "x.html") == "kept"


def test_htm_is_html() -> None:
    assert file_kind("page.HTM") == "html"
    assert extract_text(sample("htm"), "sample.htm") == "The quick brown fox in an htm file."


def test_html_inline_elements_do_not_break_lines() -> None:
    html = b"<p>one <b>two</b><i>three</i>  <span>four</span></p><div>five</div>"
    assert extract_text(html, "x.html") == "one twothree four\nfive"


def test_deeply_nested_html_does_not_hit_the_recursion_limit() -> None:
    depth = 5000
    html = b"<div>" * depth + b"deep text" + b"</div>" * depth
    assert extract_text(html, "deep.html") == "deep text"


def test_pdf() -> None:
    text = extract_text(sample("pdf"), "sample.pdf")
    assert "The quick brown fox jumps over the lazy dog." in text
    assert "Second line of the sample PDF." in text


def test_docx() -> None:
    assert extract_text(sample("docx"), "sample.docx") == (
        "Sample document\n"
        "The quick brown fox jumps over the lazy dog.\n"
        "Name\tScore\n"
        "Alice\t42\n"
        "Closing paragraph after the table."
    )


def test_pptx() -> None:
    assert extract_text(sample("pptx"), "sample.pptx") == (
        "Sample slide\n"
        "The quick brown fox jumps over the lazy dog.\n"
        "\n"
        "Second slide\n"
        "Name\tScore\n"
        "Alice\t42"
    )


# --------------------------------------------------------------------------- unsupported


@pytest.mark.parametrize(
    "filename",
    ["upload", "README", "a.doc", "a.DOC", "a.exe", "a.xlsx", "a.tar.gz", "a.", "a.png", "txt"],
)
def test_unsupported_types(filename: str) -> None:
    unsupported(b"hello world", filename)
    assert file_kind(filename) is None


def test_unsupported_is_reported_before_emptiness() -> None:
    unsupported(b"", "upload")


def test_error_hierarchy() -> None:
    assert issubclass(UnsupportedFile, ExtractionError)
    assert issubclass(InvalidFile, ExtractionError)
    assert issubclass(ExtractionError, Exception)
    assert UnsupportedFile.code == "unsupported_file"
    assert InvalidFile.code == "invalid_file"
    assert str(UnsupportedFile("m")) == "m"


# --------------------------------------------------------------------------- invalid


@pytest.mark.parametrize("ext", sorted(SUPPORTED_EXTENSIONS))
def test_empty_file_is_invalid(ext: str) -> None:
    error = invalid(b"", f"empty.{ext}")
    assert error.message == "The file could not be parsed because it is empty."


@pytest.mark.parametrize("filename", ["w.txt", "w.md", "w.py", "w.csv", "w.html"])
def test_whitespace_only_is_invalid(filename: str) -> None:
    invalid(b" \r\n\t\n  \n", filename)


def test_html_with_only_scripts_is_invalid() -> None:
    invalid(b"<html><head><script>var a = 1;</script><style>p {}</style></head></html>", "x.html")


def test_csv_with_only_empty_cells_is_invalid() -> None:
    invalid(b",,\n,,\n", "x.csv")


def test_docx_without_text_is_invalid() -> None:
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    invalid(buffer.getvalue(), "blank.docx")


@pytest.mark.parametrize(
    "data",
    [b"caf\xe9", b"\xc3\x28", b"ok \xff\xfe", b"\x80abc", b"\xed\xa0\x80 surrogate"],
)
def test_invalid_utf8_is_invalid(data: bytes) -> None:
    error = invalid(data, "latin1.txt")
    assert "UTF-8" in error.message


def test_bom_aware_decoding() -> None:
    text = "Grüße — the quick brown fox\n"
    assert extract_text(codecs.BOM_UTF8 + text.encode("utf-8"), "a.txt") == text
    assert extract_text(text.encode("utf-16"), "a.txt") == text  # native order + BOM
    assert extract_text(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "a.txt") == text
    assert extract_text(codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "a.txt") == text
    assert extract_text(codecs.BOM_UTF16_LE + "a,b\r\n".encode("utf-16-le"), "a.csv") == "a\tb"


def test_utf16_without_bom_is_invalid() -> None:
    invalid("hello world".encode("utf-16-le"), "a.txt")


def test_truncated_utf16_is_invalid() -> None:
    invalid(codecs.BOM_UTF16_LE + "hello".encode("utf-16-le")[:-1], "a.txt")


@pytest.mark.parametrize("filename", ["nul.txt", "nul.json", "nul.csv", "nul.html", "nul.py"])
def test_nul_bytes_are_invalid(filename: str) -> None:
    error = invalid(b"hello\x00world", filename)
    assert "NUL" in error.message


def test_utf32_is_invalid() -> None:
    invalid("hello".encode("utf-32"), "a.txt")


@pytest.mark.parametrize(
    "data",
    [b"{", b"{'a': 1}", b"[1, 2,]", b"hello", b"{} {}", b"[" * 100_000, b"1" * 5000],
)
def test_invalid_json(data: bytes) -> None:
    error = invalid(data, "bad.json")
    assert "JSON" in error.message


def test_csv_field_over_the_limit_is_invalid() -> None:
    invalid(b"a" * 200_000, "big.csv")


@pytest.mark.parametrize("ext", ["pdf", "docx", "pptx"])
def test_corrupt_binary_documents_are_invalid(ext: str) -> None:
    invalid(b"this is not a real document at all", f"bad.{ext}")
    invalid(sample(ext)[: len(sample(ext)) // 2], f"truncated.{ext}")


def test_wrong_container_for_the_extension_is_invalid() -> None:
    invalid(sample("docx"), "really-a-docx.pptx")
    invalid(sample("pptx"), "really-a-pptx.docx")
    invalid(sample("pdf"), "really-a-pdf.docx")
    invalid(sample("docx"), "really-a-docx.pdf")


def test_binary_document_named_txt_is_invalid() -> None:
    invalid(sample("docx"), "sample.txt")


def test_zip_bomb_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extraction, "_MAX_ZIP_UNCOMPRESSED", 1000)
    error = invalid(sample("docx"), "sample.docx")
    assert error.message == "The file could not be parsed because it is too large."


def test_zip_with_too_many_members_is_invalid() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(10_001):
            archive.writestr(f"f{i}", b"")
    invalid(buffer.getvalue(), "many.pptx")


# --------------------------------------------------------------------------- filenames


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("report.TXT", "txt"),
        ("archive.tar.gz", "gz"),
        (".md", "md"),
        ("../../etc/passwd", None),
        ("dir.d/readme", None),
        ("a.pdf\x00", None),
        ("a.txt\x00.exe", "exe"),
        ("a.ｔｘｔ", None),  # full-width letters are not ASCII
        ("a.t-t", None),
        ("a." + "x" * 11, None),
        ("noext", None),
        ("", None),
    ],
)
def test_file_extension(filename: str, expected: str | None) -> None:
    assert file_extension(filename) == expected


@pytest.mark.parametrize(
    "filename",
    [
        "../../etc/passwd",
        "/etc/shadow",
        "C:\\Windows\\system32\\config",
        "a.txt\x00",
        "a.txt\x00.exe",
        "x" * 5000,
        "." * 5000,
        "\x00" * 100,
        "a." + "t" * 5000,
    ],
)
def test_hostile_filenames_are_unsupported(filename: str) -> None:
    unsupported(b"hello", filename)


def test_hostile_filenames_never_touch_the_filesystem(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"filesystem access: {args!r}")

    names = ["../../etc/passwd.txt", "/etc/passwd.md", "x" * 5000 + ".py", "..\\..\\boot.ini.txt"]
    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(io, "open", forbidden)
    monkeypatch.setattr(Path, "open", forbidden)
    for name in names:
        assert extract_text(b"harmless", name) == "harmless"
    unsupported(b"harmless", "../../etc/passwd")


def test_file_kind() -> None:
    assert file_kind("a.txt") == "text"
    assert file_kind("a.JSON") == "json"
    assert file_kind("a.csv") == "csv"
    assert file_kind("a.html") == "html"
    assert file_kind("a.pdf") == "pdf"
    assert file_kind("a.docx") == "docx"
    assert file_kind("a.pptx") == "pptx"
    assert file_kind("a.doc") is None
    assert file_kind("upload") is None
