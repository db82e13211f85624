"""Starlette's internals, in one place (``tests/http/test_adapters.py`` fails loudly when an
upgrade moves one):

* ``starlette._utils.get_route_path``: the path a router matches, as Starlette computes it
  (:func:`route_path`);
* ``MultiPartParser``'s ``_charset``, ``_file_parts_to_write``, ``_file_parts_to_finish``,
  ``_files_to_close_on_error`` and callbacks (:class:`UploadParser`).

Parsing upload bodies: Starlette's multipart parser, with room for long file names.
python-multipart refuses a part header line longer than about 4 KB, so an upload whose
file name has a few thousand characters failed as "Invalid multipart data". Starlette's
parser builds python-multipart's with the default, so :class:`UploadParser` repeats its
``parse`` with a larger limit on one header line (still bounded: a part's headers are
held in memory). Everything else (spooling files to disk past 1 MB, field and file
counts, the errors raised) is Starlette's.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

import python_multipart
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette._utils import get_route_path
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.types import Scope

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks


def route_path(scope: Scope) -> str:
    """The path Starlette's routing matches for ``scope`` (``root_path`` taken off)."""
    return str(get_route_path(scope))


# A 5,000-character file name, UTF-8 encoded and quoted, with room to spare.
MAX_HEADER_LINE = 64 * 1024


class UploadParser(MultiPartParser):
    async def parse(self) -> FormData:
        # As Starlette's MultiPartParser.parse, but for max_header_size.
        _, params = parse_options_header(self.headers["Content-Type"])
        charset = params.get(b"charset", "utf-8")
        if isinstance(charset, bytes):
            charset = charset.decode("latin-1")
        try:
            self._charset = codecs.lookup(charset).name
        except LookupError:
            self._charset = "latin-1"
        try:
            boundary = params[b"boundary"]
        except KeyError:
            raise MultiPartException("Missing boundary in multipart.") from None

        callbacks: MultipartCallbacks = {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }
        try:
            try:
                parser = python_multipart.MultipartParser(
                    boundary, callbacks, max_header_size=MAX_HEADER_LINE
                )
            except TypeError:  # releases without the keyword have no such limit either
                parser = python_multipart.MultipartParser(boundary, callbacks)
            async for chunk in self.stream:
                parser.write(chunk)
                for part, data in self._file_parts_to_write:
                    assert part.file
                    await part.file.write(data)
                for part in self._file_parts_to_finish:
                    assert part.file
                    await part.file.seek(0)
                self._file_parts_to_write.clear()
                self._file_parts_to_finish.clear()
            parser.finalize()
        except BaseException as exc:
            for file in self._files_to_close_on_error:
                file.close()
            if isinstance(exc, FormParserError):
                raise MultiPartException("Invalid multipart data.") from exc
            raise
        return FormData(self.items)
