"""Bodies in a scenario: stored readably, re-sent byte for byte.

* JSON (a JSON content type that parses) is stored as the JSON value itself;
* ``multipart/form-data`` is stored as its boundary and parts, each part's headers
  and its content as ``text`` (UTF-8) or ``base64``; it is kept this way only if
  rebuilding the parts gives back the exact bytes received, otherwise as base64;
* other UTF-8 text as ``text``, anything else as ``base64``;
* no body as ``null``.
"""

from __future__ import annotations

import base64
import binascii
import json
from email.message import Message
from typing import Any

from vsmock.contract import json_bodies
from vsmock.contract.json_types import JsonObject
from vsmock.scenarios.scenario_errors import ScenarioError

JSON = "json"
TEXT = "text"
BASE64 = "base64"
MULTIPART = "multipart"
CRLF = b"\r\n"


def encode(raw: bytes, content_type: str) -> tuple[Any, str | None]:
    """``(body, body_encoding)`` for a raw body; the encoding is None for JSON or no body."""
    if not raw:
        return None, None
    media = content_type.split(";", 1)[0].strip().lower()
    if "json" in media:
        is_json, value = json_bodies.describe(raw)
        if is_json and value is not None:
            return value, None
    if media == "multipart/form-data":
        boundary = boundary_of(content_type)
        if boundary:
            form = split_multipart(raw, boundary)
            if form is not None:
                return form, MULTIPART
    try:
        return raw.decode("utf-8"), TEXT
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), BASE64


def decode(body: Any, encoding: str | None) -> bytes:
    """The exact bytes a stored body stands for."""
    if body is None:
        return b""
    if encoding in (None, JSON):
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if encoding == TEXT and isinstance(body, str):
        return body.encode("utf-8")
    if encoding == BASE64 and isinstance(body, str):
        return _b64(body)
    if encoding == MULTIPART and isinstance(body, dict):
        return join_multipart(body)
    raise ScenarioError(f"a body stored as {encoding!r} has the wrong shape")


def parsed(body: Any, encoding: str | None) -> tuple[bool, Any]:
    """``(True, value)`` for a JSON body; ``(False, bytes)`` otherwise (compared exactly)."""
    if encoding in (None, JSON):
        return True, body
    return False, decode(body, encoding)


def parse_raw(raw: bytes, content_type: str) -> tuple[bool, Any]:
    """What a live answer looks like to the comparison: JSON when it is JSON."""
    body, encoding = encode(raw, content_type)
    if encoding is None:
        return True, body
    return False, raw


def boundary_of(content_type: str) -> str | None:
    message = Message()
    message["content-type"] = content_type
    boundary = message.get_param("boundary")
    return boundary if isinstance(boundary, str) and boundary else None


def split_multipart(raw: bytes, boundary: str) -> JsonObject | None:
    """The parts of a canonical multipart body, or None when rebuilding would not be exact."""
    delimiter = b"--" + boundary.encode("latin-1")
    opening, closing = delimiter + CRLF, CRLF + delimiter + b"--" + CRLF
    if not (raw.startswith(opening) and raw.endswith(closing)):
        return None
    inner = raw[len(opening) : len(raw) - len(closing)]
    parts: list[JsonObject] = []
    for chunk in inner.split(CRLF + delimiter + CRLF):
        head, separator, content = chunk.partition(CRLF + CRLF)
        if not separator:
            return None
        try:
            lines = head.decode("utf-8").split("\r\n") if head else []
        except UnicodeDecodeError:
            return None
        headers: dict[str, str] = {}
        for line in lines:
            name, colon, value = line.partition(": ")
            if not colon or name in headers:
                return None
            headers[name] = value
        part: JsonObject = {"headers": headers}
        try:
            part["text"] = content.decode("utf-8")
        except UnicodeDecodeError:
            part["base64"] = base64.b64encode(content).decode("ascii")
        parts.append(part)
    form = {"boundary": boundary, "parts": parts}
    return form if join_multipart(form) == raw else None


def join_multipart(form: JsonObject) -> bytes:
    try:
        delimiter = b"--" + str(form["boundary"]).encode("latin-1")
        pieces: list[bytes] = []
        for part in form["parts"]:
            head = "".join(f"{name}: {value}\r\n" for name, value in part["headers"].items())
            text = part.get("text")
            content = str(text).encode("utf-8") if text is not None else _b64(part["base64"])
            pieces.append(delimiter + CRLF + head.encode("utf-8") + CRLF + content + CRLF)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ScenarioError(f"a multipart body has the wrong shape ({exc})") from None
    return b"".join(pieces) + delimiter + b"--" + CRLF


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ScenarioError("a base64 body is not valid base64") from None
