"""Connexion's internals, in one place.

vsmock serves ``openapi.yaml`` with Connexion 3: its resolver, its operations, its
request and response validators and its error handling. The dispatcher
(``dispatch.py``) takes the same steps as Connexion's middleware stack with those very
pieces, built once per operation instead of once per request, which makes a request 4 to
15 times cheaper (the figures are in the README). That needs a few names Connexion does not
document as public; this module is the only one that uses them, and
``tests/http/test_adapters.py`` fails loudly when an upgrade moves one:

* ``connexion.context._context``, ``_operation``, ``_receive``, ``_scope``: the context
  variables Connexion's stack sets for a request, which ``connexion.context.scope`` and
  ``request`` read in handlers (:func:`bind_request_context`);
* ``AsyncResponseDecorator._unpack_handler_response``, ``_infer_content_type``,
  ``_serialize_data``, ``_infer_status_code``, ``_update_headers``: how a handler's return
  value becomes a response (:class:`ResponseShaper`);
* a response validator's ``_parse`` and ``_validate`` (:func:`validate_response_bytes`);
* ``OpenAPISpecification._validate_spec`` (:class:`ShippedSpecification`);
* ``ConnexionMiddleware.options`` and ``.apis``, ``connexion.middleware.main.API``, an
  API's ``specification`` and ``kwargs``, a specification's ``operation_cls.from_spec``
  (:func:`mount`, :func:`mounted_operations`);
* a request body validator's ``_schema``, ``_required``, ``_nullable``, ``_encoding`` and
  ``_insert_messages`` (:class:`JSONBodyValidatorBase`, :class:`MultipartValidatorBase`).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connexion.context import _context, _operation, _receive, _scope
from connexion.decorators.response import AsyncResponseDecorator
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.jsonifier import Jsonifier
from connexion.middleware.main import API, ConnexionMiddleware
from connexion.operations import AbstractOperation
from connexion.spec import OpenAPISpecification
from connexion.validators import JSONRequestBodyValidator, MultiPartFormDataValidator
from starlette.types import Message, Receive, Scope

from vsmock.contract import documents
from vsmock.contract.json_types import JsonObject

METHODS = ("get", "put", "post", "delete", "patch", "options", "trace")


# -- the request context handlers read ------------------------------------------------------
def bind_request_context(scope: Scope, receive: Receive, operation: AbstractOperation) -> None:
    """What Connexion's context middleware sets, for the handler about to run."""
    _context.set(scope.get("extensions", {}).get("connexion_context", {}))
    _operation.set(operation)
    _receive.set(receive)
    _scope.set(scope)


# -- responses ---------------------------------------------------------------------------
class ResponseShaper:
    """Connexion's response decorator, as steps: a handler's return value, unpacked; then
    its data written with the content type, status and headers the decorator infers."""

    def __init__(self, jsonifier: Jsonifier | None):
        self._decorator = AsyncResponseDecorator(framework=StarletteFramework, jsonifier=jsonifier)

    @property
    def jsonifier(self) -> Jsonifier:
        jsonifier: Jsonifier = self._decorator.jsonifier
        return jsonifier

    def unpack(self, result: Any) -> tuple[Any, int | None, dict[str, str]]:
        """(data, status code or None, headers) of what a handler returned."""
        data, status_code, headers = self._decorator._unpack_handler_response(result)
        return data, status_code, headers

    def serialise(
        self, data: Any, status_code: int | None, headers: dict[str, str]
    ) -> tuple[Any, str, int, dict[str, str]]:
        """(body, content type, status code, headers) as the decorator would write them."""
        decorator = self._decorator
        content_type = decorator._infer_content_type(data, headers)
        body = decorator._serialize_data(data, content_type=content_type)
        status_code = status_code or decorator._infer_status_code(body)
        headers = decorator._update_headers(headers, content_type=content_type)
        return body, content_type, status_code, headers


def validate_response_bytes(
    validator_class: Any, scope: Scope, schema: Any, nullable: bool, encoding: str, raw: bytes
) -> None:
    """Connexion's response validation of a body ``raw``: raises what Connexion raises."""
    validator = validator_class(scope, schema=schema, nullable=nullable, encoding=encoding)
    parsed = validator._parse(iter([raw]))
    if not (parsed is None and nullable):
        validator._validate(parsed)


# -- mounting the shipped documents --------------------------------------------------------
class ShippedSpecification(OpenAPISpecification):
    """One of vsmock's own documents (``openapi.yaml``, ``admin.yaml``), which ship with the
    package and never change at run time.

    Connexion checks every document it loads against the OpenAPI 3.0 schema; for these that
    check is three quarters of ``create_app``'s time, repeated at every start for the same
    bytes. The test suite runs it instead (``tests/contract/test_spec.py``: Connexion's own
    check and openapi-spec-validator's, on both documents), so it is skipped here.
    """

    @classmethod
    def _validate_spec(cls, spec: Any) -> None:
        return None


def mount(middleware: ConnexionMiddleware, path: Path, *, base_path: str, **options: Any) -> None:
    """Serve the shipped document at ``path`` under ``base_path``: what
    ``ConnexionMiddleware.add_api`` does, without checking the document again."""
    specification = ShippedSpecification(copy.deepcopy(documents.load(path)))
    settings = middleware.options.replace(**options)
    middleware.apis.append(API(specification, base_path=base_path, **settings.__dict__))


@dataclass(frozen=True)
class MountedOperation:
    """One operation of one mounted API, resolved by Connexion, with its API's options."""

    base_path: str
    path: str
    method: str
    operation: AbstractOperation
    options: JsonObject


def mounted_operations(middleware: ConnexionMiddleware) -> Iterator[MountedOperation]:
    """Every operation of every API mounted on ``middleware``, as Connexion resolves it."""
    for api in middleware.apis:
        spec = api.specification
        options: JsonObject = api.kwargs
        for path, item in spec.get("paths", {}).items():
            for method in item:
                if method not in METHODS:
                    continue
                operation = spec.operation_cls.from_spec(
                    spec,
                    path=path,
                    method=method,
                    resolver=options.get("resolver"),
                    uri_parser_class=options.get("uri_parser_class"),
                )
                yield MountedOperation(api.base_path or "", path, method, operation, options)


# -- request body validators ---------------------------------------------------------------
class JSONBodyValidatorBase(JSONRequestBodyValidator):
    """Connexion's JSON body validator, its settings readable by name."""

    @property
    def schema(self) -> JsonObject:
        schema: JsonObject = self._schema
        return schema

    @property
    def required(self) -> bool:
        return bool(self._required)

    @property
    def nullable(self) -> bool:
        return bool(self._nullable)

    @property
    def encoding(self) -> str:
        encoding: str = self._encoding
        return encoding

    def replay(self, receive: Receive, messages: Iterable[Message]) -> Receive:
        """A ``receive`` giving ``messages`` again, then what ``receive`` gives."""
        replayed: Callable[[], Awaitable[Message]] = self._insert_messages(
            receive, messages=list(messages)
        )
        return replayed


class MultipartValidatorBase(MultiPartFormDataValidator):
    """Connexion's multipart validator, its schema readable by name."""

    @property
    def schema(self) -> JsonObject:
        schema: JsonObject = self._schema
        return schema
