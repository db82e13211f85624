"""Text extraction for files attached to a vector store.

:func:`extract_text` turns the bytes of an uploaded file into the plain text that
is chunked and indexed, or raises an :class:`ExtractionError` whose ``code`` is
what OpenAI reports in a failed vector store file's ``last_error.code``:

* ``unsupported_file`` (:class:`UnsupportedFile`): the type, decided only by the
  filename's extension, is not supported.  A filename without an extension (the
  OpenAI SDK names raw bytes ``"upload"``) is unsupported, as in the real API.
  Old binary Word ``.doc`` files are unsupported here.
* ``invalid_file`` (:class:`InvalidFile`): the file is empty, is not valid text
  in a supported encoding, cannot be parsed as its type, or yields no text.

Supported types (see :data:`SUPPORTED_EXTENSIONS` and :func:`file_kind`):

* plain text -- ``txt md`` and source code ``c cpp h cs css go java js ts php
  py rb sh tex xml yaml yml rs kt swift`` -- is returned as decoded;
* ``json`` is validated with :mod:`json` and returned as the *raw* decoded text
  (not re-serialised), so that offsets, key order and formatting are the
  user's own and every string in the file is found verbatim;
* ``csv`` is parsed with :mod:`csv` (Excel dialect); each non-empty row becomes
  one line, its cells joined by a tab;
* ``html``/``htm`` is parsed with BeautifulSoup's ``html.parser``; ``script``,
  ``style``, ``template`` and ``noscript`` elements and comments are dropped,
  whitespace is collapsed as a browser would (except in ``pre``/``textarea``),
  block elements and ``br`` start new lines and table cells are tab-separated;
* ``pdf`` via ``pypdf`` (page texts joined by newlines; encrypted files are
  tried with the empty password);
* ``docx`` via ``python-docx`` (body paragraphs and tables, in order; headers,
  footers and comments are ignored);
* ``pptx`` via ``python-pptx`` (text frames, tables and groups of every slide,
  slides separated by a blank line; speaker notes are ignored).

Text files must be UTF-8 (optionally with a BOM; ASCII is UTF-8) or UTF-16 with
a BOM.  Text without a BOM is decoded as strict UTF-8.  Undecodable text and
text containing NUL characters is ``invalid_file``.

All output has ``\\r\\n`` and ``\\r`` normalised to ``\\n`` and is deterministic.
Output that is empty or only whitespace is ``invalid_file``.

Filenames are never used to touch the filesystem; only their extension is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "ExtractionError",
    "InvalidFile",
    "UnsupportedFile",
    "extract_text",
    "file_extension",
    "file_kind",
]


class ExtractionError(Exception):
    """A file that cannot be indexed; ``code`` is the OpenAI ``last_error.code``."""

    code: ClassVar[str] = "invalid_file"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedFile(ExtractionError):
    """The file type (by extension) is not supported."""

    code: ClassVar[str] = "unsupported_file"


class InvalidFile(ExtractionError):
    """The file is empty, undecodable, unparsable or contains no text."""

    code: ClassVar[str] = "invalid_file"


_TEXT_EXTENSIONS = [
    "txt",
    "md",
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
]

_KIND_BY_EXTENSION: dict[str, str] = {
    **{ext: "text" for ext in _TEXT_EXTENSIONS},
    "json": "json",
    "csv": "csv",
    "html": "html",
    "htm": "html",
    "pdf": "pdf",
    "docx": "docx",
    "pptx": "pptx",
}

#: Supported extensions, lowercase and without the dot (``"txt"``, ``"pdf"``...).
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(_KIND_BY_EXTENSION)

_MAX_EXTENSION_LENGTH = 10
# Guards against zip bombs in docx/pptx (declared uncompressed sizes).
_MAX_ZIP_MEMBERS = 10_000
_MAX_ZIP_UNCOMPRESSED = 256 * 1024 * 1024

_UNSUPPORTED_MESSAGE = "The file type is not supported."
_EMPTY_MESSAGE = "The file could not be parsed because it is empty."
_TOO_LARGE_MESSAGE = "The file could not be parsed because it is too large."


def file_extension(filename: str) -> str | None:
    """The lowercased text after the last ``.`` of ``filename``, if it looks like an extension.

    Returns ``None`` when there is no dot or when that text is empty, longer than
    10 characters or not ASCII-alphanumeric (``"../../etc/passwd"``,
    ``"a.pdf\\x00"``, ``"archive.tar/x"``).
    """
    _, dot, ext = filename.rpartition(".")
    if not dot or not 0 < len(ext) <= _MAX_EXTENSION_LENGTH:
        return None
    if not (ext.isascii() and ext.isalnum()):
        return None
    return ext.lower()


def file_kind(filename: str) -> str | None:
    """How a file is extracted, from its name.

    One of ``"text"``, ``"json"``, ``"csv"``, ``"html"``, ``"pdf"``, ``"docx"``,
    ``"pptx"``, or ``None`` if the type is not supported.
    """
    ext = file_extension(filename)
    return None if ext is None else _KIND_BY_EXTENSION.get(ext)


def extract_text(data: bytes, filename: str) -> str:
    """Extract the indexable text of a file.

    Raises :class:`UnsupportedFile` if the extension of ``filename`` is not
    supported, :class:`InvalidFile` if the data is empty, cannot be decoded or
    parsed, or yields only whitespace.
    """
    kind = file_kind(filename)
    if kind is None:
        raise UnsupportedFile(_UNSUPPORTED_MESSAGE)
    if not data:
        raise InvalidFile(_EMPTY_MESSAGE)
    text = _EXTRACTORS[kind](bytes(data))
    text = _normalise_newlines(text)
    if not text.strip():
        raise InvalidFile(_EMPTY_MESSAGE)
    return text


# --------------------------------------------------------------------------- text


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_text(data: bytes) -> str:
    """Decode UTF-8 / UTF-16 text (BOM-aware), rejecting binary data."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        elif data.startswith(codecs.BOM_UTF16_LE):
            text = data[2:].decode("utf-16-le")
        elif data.startswith(codecs.BOM_UTF16_BE):
            text = data[2:].decode("utf-16-be")
        else:
            text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidFile(
            "The file could not be parsed because it is not valid UTF-8 or UTF-16 text "
            f"({exc.reason} at byte {exc.start})."
        ) from None
    if "\x00" in text:
        raise InvalidFile(
            "The file could not be parsed because it contains NUL bytes (binary data)."
        )
    return text


def _extract_plain(data: bytes) -> str:
    return _decode_text(data)


def _extract_json(data: bytes) -> str:
    text = _decode_text(data)
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFile(
            "The file could not be parsed because it is not valid JSON "
            f"({exc.msg} at line {exc.lineno} column {exc.colno})."
        ) from None
    except (ValueError, RecursionError):
        raise InvalidFile("The file could not be parsed because it is not valid JSON.") from None
    return text


def _extract_csv(data: bytes) -> str:
    text = _normalise_newlines(_decode_text(data))
    lines: list[str] = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            if any(cell.strip() for cell in row):
                lines.append("\t".join(row))
    except csv.Error as exc:
        raise InvalidFile(
            f"The file could not be parsed because it is not valid CSV ({exc})."
        ) from None
    return "\n".join(lines)


# --------------------------------------------------------------------------- html

_HTML_DROPPED = frozenset({"script", "style", "template", "noscript"})
_HTML_PREFORMATTED = frozenset({"pre", "textarea", "listing", "plaintext", "xmp"})
_HTML_CELLS = frozenset({"td", "th"})
_HTML_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "listing",
        "main",
        "menu",
        "nav",
        "ol",
        "optgroup",
        "option",
        "p",
        "plaintext",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "textarea",
        "tfoot",
        "thead",
        "title",
        "tr",
        "ul",
        "xmp",
    }
)
_WHITESPACE_RUN = re.compile(r"\s+")


class _TextBuilder:
    """Accumulates HTML text with collapsed whitespace and explicit line breaks."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._at_line_start = True
        self._pending_space = False

    def text(self, value: str, preformatted: bool) -> None:
        if preformatted:
            if value:
                self._flush_space()
                self._parts.append(value)
                self._at_line_start = value.endswith("\n")
            return
        collapsed = _WHITESPACE_RUN.sub(" ", value)
        if collapsed.startswith(" "):
            self._pending_space = True
            collapsed = collapsed[1:]
        if not collapsed:
            return
        self._flush_space()
        trailing = collapsed.endswith(" ")
        self._parts.append(collapsed.rstrip(" "))
        self._at_line_start = False
        self._pending_space = trailing

    def separator(self, value: str) -> None:
        """A cell separator: only between content on the same line."""
        if not self._at_line_start:
            self._parts.append(value)
            self._pending_space = False

    def line_break(self, force: bool = False) -> None:
        """End the current line; ``force`` also ends an empty one (``<br>``)."""
        self._pending_space = False
        if force or not self._at_line_start:
            self._parts.append("\n")
            self._at_line_start = True

    def _flush_space(self) -> None:
        if self._pending_space and not self._at_line_start:
            self._parts.append(" ")
        self._pending_space = False

    def result(self) -> str:
        lines = "".join(self._parts).split("\n")
        return "\n".join(line.rstrip() for line in lines).strip("\n")


def _extract_html(data: bytes) -> str:
    from bs4 import BeautifulSoup
    from bs4.element import CData, NavigableString, Tag

    text = _decode_text(data)
    try:
        soup = BeautifulSoup(text, "html.parser")
    except Exception:
        raise InvalidFile("The file could not be parsed because it is not valid HTML.") from None

    out = _TextBuilder()
    pre_depth = 0
    # Iterative depth-first walk (deeply nested documents must not hit the
    # recursion limit).  ``True`` as the second item marks leaving a tag.
    stack: list[tuple[Any, bool]] = [(soup, False)]
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, Tag):
            name = node.name.lower()
            block = name in _HTML_BLOCKS
            if leaving:
                if name in _HTML_PREFORMATTED:
                    pre_depth -= 1
                if block:
                    out.line_break()
                continue
            if name in _HTML_DROPPED:
                continue
            if name == "br":
                out.line_break(force=True)
                continue
            if block:
                out.line_break()
            if name in _HTML_CELLS:
                out.separator("\t")
            if name in _HTML_PREFORMATTED:
                pre_depth += 1
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
        elif type(node) is NavigableString or isinstance(node, CData):
            out.text(str(node), pre_depth > 0)
        # Comments, doctypes, processing instructions and declarations are dropped.
    return out.result()


# --------------------------------------------------------------------------- binary documents


def _check_zip(data: bytes, what: str) -> None:
    """Reject non-zip data and zip bombs before handing a container to a parser."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise InvalidFile(
            f"The file could not be parsed because it is not a valid {what} file."
        ) from None
    if len(members) > _MAX_ZIP_MEMBERS:
        raise InvalidFile(_TOO_LARGE_MESSAGE)
    if sum(member.file_size for member in members) > _MAX_ZIP_UNCOMPRESSED:
        raise InvalidFile(_TOO_LARGE_MESSAGE)


def _clean(text: str) -> str:
    """Text from a binary document: no NULs, vertical tabs/form feeds as newlines."""
    return text.replace("\x00", "").replace("\x0b", "\n").replace("\x0c", "\n")


def _extract_pdf(data: bytes) -> str:
    import pypdf
    from pypdf.errors import PdfReadError

    invalid = "The file could not be parsed because it is not a valid PDF file."
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                decrypted = reader.decrypt("")
            except Exception:
                decrypted = pypdf.PasswordType.NOT_DECRYPTED
            if decrypted == pypdf.PasswordType.NOT_DECRYPTED:
                raise InvalidFile("The file could not be parsed because it is encrypted.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    except PdfReadError:
        raise InvalidFile(invalid) from None
    except Exception:  # pypdf raises many kinds of errors on malformed input
        raise InvalidFile(invalid) from None
    return _clean("\n".join(page.strip("\n") for page in pages))


def _extract_docx(data: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _check_zip(data, "Word (.docx)")

    def table_lines(table: Table) -> Iterator[str]:
        for row in table.rows:
            cells: list[str] = []
            row_cells = row.cells  # held, so the ids below stay unique
            seen: set[int] = set()
            for cell in row_cells:
                # python-docx yields a horizontally merged cell once per grid column,
                # as the same object.
                if id(cell) in seen:
                    continue
                seen.add(id(cell))
                cells.append(" ".join(block_lines(cell.iter_inner_content())))
            if any(cells):
                yield "\t".join(cells)

    def block_lines(blocks: Iterable[Paragraph | Table]) -> Iterator[str]:
        for block in blocks:
            if isinstance(block, Paragraph):
                yield block.text
            else:
                yield from table_lines(block)

    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(block_lines(document.iter_inner_content()))
    except Exception:
        raise InvalidFile(
            "The file could not be parsed because it is not a valid Word (.docx) file."
        ) from None
    return _clean("\n".join(lines))


def _extract_pptx(data: bytes) -> str:
    from pptx import Presentation
    from pptx.shapes.base import BaseShape
    from pptx.shapes.graphfrm import GraphicFrame
    from pptx.shapes.group import GroupShape

    _check_zip(data, "PowerPoint (.pptx)")

    def shape_lines(shapes: Iterable[BaseShape]) -> Iterator[str]:
        for shape in shapes:
            if isinstance(shape, GroupShape):
                yield from shape_lines(shape.shapes)
            elif isinstance(shape, GraphicFrame) and shape.has_table:
                for row in shape.table.rows:
                    cells = [cell.text for cell in row.cells]
                    if any(cells):
                        yield "\t".join(cells)
            elif shape.has_text_frame:
                text_frame = getattr(shape, "text_frame", None)
                if text_frame is not None:
                    yield text_frame.text

    try:
        presentation = Presentation(io.BytesIO(data))
        slides = ["\n".join(shape_lines(slide.shapes)) for slide in presentation.slides]
    except Exception:
        raise InvalidFile(
            "The file could not be parsed because it is not a valid PowerPoint (.pptx) file."
        ) from None
    return _clean("\n\n".join(slide.strip("\n") for slide in slides if slide.strip()))


_EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "text": _extract_plain,
    "json": _extract_json,
    "csv": _extract_csv,
    "html": _extract_html,
    "pdf": _extract_pdf,
    "docx": _extract_docx,
    "pptx": _extract_pptx,
}
