"""Contract tests for ``openapi.yaml``.

They check that the document is valid OpenAPI 3.0.3, that it exposes exactly the
25 official operations it serves, that request schemas carry the documented validation
facts, and that every response schema matches the ``openai`` SDK's pydantic
models (field names, required-ness, nullability, types and ``Literal`` enums).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import operator
import re
import types
import typing
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import connexion
import pydantic
import pytest
import typing_extensions as te
import yaml
from connexion.json_schema import resolve_refs
from connexion.resolver import Resolver
from connexion.spec import OpenAPISpecification, Specification
from connexion.utils import build_example_from_schema
from openai.pagination import SyncCursorPage, SyncPage
from openai.types import (
    FileCreateParams,
    FileDeleted,
    FileListParams,
    FileObject,
    VectorStore,
    VectorStoreCreateParams,
    VectorStoreDeleted,
    VectorStoreListParams,
    VectorStoreSearchParams,
    VectorStoreSearchResponse,
    VectorStoreUpdateParams,
)
from openai.types import responses as responses_types
from openai.types import vector_stores as vs_types
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

from vsmock.http.connexion_adapter import ShippedSpecification

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
ADMIN_SPEC_PATH = SPEC_PATH.parent / "vsmock" / "contract" / "admin.yaml"

EXPECTED_OPERATION_IDS = {
    "listFiles",
    "createFile",
    "deleteFile",
    "retrieveFile",
    "downloadFile",
    "listVectorStores",
    "createVectorStore",
    "getVectorStore",
    "modifyVectorStore",
    "deleteVectorStore",
    "createVectorStoreFileBatch",
    "getVectorStoreFileBatch",
    "cancelVectorStoreFileBatch",
    "listFilesInVectorStoreBatch",
    "listVectorStoreFiles",
    "createVectorStoreFile",
    "getVectorStoreFile",
    "deleteVectorStoreFile",
    "updateVectorStoreFileAttributes",
    "retrieveVectorStoreFileContent",
    "searchVectorStore",
}
RESPONSES_OPERATION_IDS = {"createResponse", "getResponse", "deleteResponse", "listInputItems"}
EXPECTED_OPERATION_IDS |= RESPONSES_OPERATION_IDS

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

# SDK response model -> component schema that must describe it exactly.
SDK_RESPONSE_MODELS: dict[str, type[pydantic.BaseModel]] = {
    "VectorStoreObject": VectorStore,
    "DeleteVectorStoreResponse": VectorStoreDeleted,
    "VectorStoreFileObject": vs_types.VectorStoreFile,
    "DeleteVectorStoreFileResponse": vs_types.VectorStoreFileDeleted,
    "VectorStoreFileBatchObject": vs_types.VectorStoreFileBatch,
    "OpenAIFile": FileObject,
    "DeleteFileResponse": FileDeleted,
    "VectorStoreSearchResultItem": VectorStoreSearchResponse,
    "VectorStoreFileContentItem": vs_types.FileContentResponse,
}

# Page wrappers as the SDK parses them (the SDK has no model of its own for these).
SDK_PAGE_MODELS: dict[str, type[pydantic.BaseModel]] = {
    "ListVectorStoresResponse": SyncCursorPage[VectorStore],
    "ListVectorStoreFilesResponse": SyncCursorPage[vs_types.VectorStoreFile],
    "ListFilesResponse": SyncCursorPage[FileObject],
    "VectorStoreSearchResultsPage": SyncPage[VectorStoreSearchResponse],
    "VectorStoreFileContentResponse": SyncPage[vs_types.FileContentResponse],
}

SCHEMA_MODELS = {**SDK_RESPONSE_MODELS, **SDK_PAGE_MODELS}


# --------------------------------------------------------------------------- helpers


@functools.cache
def _load_spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture()
def spec() -> dict[str, Any]:
    """The parsed document (shared and read-only; tests that mutate it deep-copy it)."""
    return _load_spec()


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


def _operation(spec: dict[str, Any], operation_id: str) -> tuple[str, dict[str, Any]]:
    for path, _method, op in _operations(spec):
        if op["operationId"] == operation_id:
            return path, op
    raise KeyError(operation_id)


def _deref(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = spec
        for part in ref[2:].split("/"):
            node = node[part]
    return node


def _parameters(spec: dict[str, Any], path: str, op: dict[str, Any]) -> list[dict[str, Any]]:
    params = spec["paths"][path].get("parameters", []) + op.get("parameters", [])
    return [_deref(spec, p) for p in params]


def _component(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> OAS30Validator:
    """An OAS 3.0 validator for ``schema`` whose ``#/components/...`` refs resolve."""
    root = {"components": spec["components"], **schema}
    return OAS30Validator(root)


def _errors(spec: dict[str, Any], schema: dict[str, Any], instance: Any) -> list[str]:
    return [e.message for e in _validator(spec, schema).iter_errors(instance)]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# ------------------------------------------------------------- SDK <-> schema diffing

_PRIMITIVES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _is_model(tp: Any) -> bool:
    return inspect.isclass(tp) and issubclass(tp, pydantic.BaseModel)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip ``Annotated``/``Required`` and ``None``; return (type, allows_none)."""
    allows_none = False
    while True:
        origin = te.get_origin(annotation)
        if origin in (te.Annotated, te.Required, te.NotRequired):
            annotation = te.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = te.get_args(annotation)
            rest = tuple(a for a in args if a is not type(None))
            allows_none = allows_none or len(rest) != len(args)
            if len(rest) == 1:
                annotation = rest[0]
                continue
            return functools.reduce(operator.or_, rest), allows_none
        return annotation, allows_none


def _split_null(spec: dict[str, Any], schema: Any) -> tuple[dict[str, Any], bool]:
    """Return (schema without a null-only oneOf/anyOf branch, nullable?)."""
    schema = _deref(spec, schema)
    nullable = schema.get("nullable") is True
    for key in ("oneOf", "anyOf"):
        if key in schema:
            branches = schema[key]
            kept = [b for b in branches if _deref(spec, b).get("enum") != [None]]
            if len(kept) != len(branches):
                nullable = True
                schema = {**schema, key: kept}
    return schema, nullable


def _branches(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [_deref(spec, b) for b in schema.get("oneOf", schema.get("anyOf", []))]


@dataclasses.dataclass(frozen=True)
class Served:
    """What a schema of the part of the API vsmock serves may leave out of an SDK model: the
    fields vsmock never sends (per model), and the members of a union it never produces
    (each branch it has must still match its SDK member exactly)."""

    sdk_only: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)


def _diff_type(
    spec: dict[str, Any], annotation: Any, schema: Any, where: str, served: Served | None = None
) -> list[str]:
    inner, allows_none = _unwrap(annotation)
    schema, nullable = _split_null(spec, schema)
    errors: list[str] = []
    if allows_none != nullable and (served is None or nullable):
        errors.append(f"{where}: spec nullable={nullable}, SDK accepts None={allows_none}")
    if inner is object:  # any JSON value
        return errors
    origin = te.get_origin(inner)

    if origin is te.Literal or origin is typing.Literal:
        if schema.get("type") != "string":
            errors.append(f"{where}: Literal field must be type string, got {schema.get('type')}")
        spec_enum = [v for v in schema.get("enum", []) if v is not None]
        sdk_enum = te.get_args(inner)
        if served is not None and spec_enum and set(spec_enum) <= set(sdk_enum):
            pass  # vsmock sends some of the values the SDK knows
        elif sorted(spec_enum) != sorted(sdk_enum):
            errors.append(f"{where}: enum {spec_enum} != SDK Literal {list(te.get_args(inner))}")
    elif inner in _PRIMITIVES:
        if schema.get("type") != _PRIMITIVES[inner]:
            errors.append(f"{where}: type {schema.get('type')} != {_PRIMITIVES[inner]}")
        if "enum" in schema:
            errors.append(f"{where}: SDK type is plain {inner.__name__}, spec has an enum")
    elif origin is list:
        if schema.get("type") != "array":
            errors.append(f"{where}: type {schema.get('type')} != array")
        else:
            errors += _diff_type(spec, te.get_args(inner)[0], schema["items"], f"{where}[]", served)
    elif origin is dict:
        key_type, value_type = te.get_args(inner)
        assert key_type is str, where
        if schema.get("type") != "object":
            errors.append(f"{where}: type {schema.get('type')} != object")
        elif not isinstance(schema.get("additionalProperties"), dict):
            errors.append(f"{where}: map needs an additionalProperties schema")
        else:
            errors += _diff_type(
                spec, value_type, schema["additionalProperties"], f"{where}{{}}", served
            )
    elif origin in (typing.Union, types.UnionType):
        errors += _diff_union(spec, te.get_args(inner), schema, where, served)
    elif _is_model(inner):
        errors += diff_model(spec, inner, schema, where, served)
    else:  # pragma: no cover - guards against new SDK constructs
        errors.append(f"{where}: unsupported SDK annotation {inner!r}")
    return errors


def _member_for(arg: Any, branches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The branches that stand for one member of an SDK union."""
    if _is_model(arg):  # discriminated by the Literal `type` field (and `role`, if need be)
        tag = te.get_args(arg.model_fields["type"].annotation)
        found = [b for b in branches if _enum(b, "type") == list(tag)]
        if len(found) > 1 and "role" in arg.model_fields:
            roles = set(te.get_args(_unwrap(arg.model_fields["role"].annotation)[0]))
            found = [b for b in found if set(_enum(b, "role")) <= roles]
        return found
    if te.get_origin(arg) in (te.Literal, typing.Literal):
        return [b for b in branches if b.get("type") == "string" and "enum" in b]
    if te.get_origin(arg) is list:
        return [b for b in branches if b.get("type") == "array"]
    return [b for b in branches if b.get("type") == _PRIMITIVES.get(arg) and "enum" not in b]


def _enum(branch: dict[str, Any], name: str) -> list[Any]:
    return list(branch.get("properties", {}).get(name, {}).get("enum", []))


def _diff_union(
    spec: dict[str, Any],
    args: tuple[Any, ...],
    schema: dict[str, Any],
    where: str,
    served: Served | None = None,
) -> list[str]:
    branches = _branches(spec, schema)
    errors: list[str] = []
    if served is None:
        if len(branches) != len(args):
            return [
                f"{where}: {len(branches)} oneOf/anyOf branches for a {len(args)}-way SDK union"
            ]
        for arg in args:
            match = _member_for(arg, branches)
            if len(match) != 1:
                errors.append(f"{where}: no unique branch for SDK union member {arg!r}")
            else:
                errors += _diff_type(
                    spec, arg, match[0], f"{where}<{getattr(arg, '__name__', arg)}>", served
                )
        return errors
    # Served part: every branch is exactly one SDK member; members may be left out. A schema
    # that is no oneOf stands for one member.
    branches = branches or [{k: v for k, v in schema.items() if k != "nullable"}]
    matched = 0
    for arg in args:
        match = _member_for(arg, branches)
        if len(match) > 1:
            errors.append(f"{where}: several branches for SDK union member {arg!r}")
        elif match:
            matched += 1
            errors += _diff_type(
                spec, arg, match[0], f"{where}<{getattr(arg, '__name__', arg)}>", served
            )
    if matched != len(branches) and object not in args:  # `object` takes any branch
        errors.append(f"{where}: {len(branches) - matched} branch(es) match no SDK union member")
    return errors


def diff_model(
    spec: dict[str, Any],
    model: type[pydantic.BaseModel],
    schema: Any,
    where: str,
    served: Served | None = None,
) -> list[str]:
    """Differences between a pydantic model and an object schema (empty list = match).

    * property names == model field names;
    * a field without default must be required (and, unless the SDK accepts None,
      non-nullable);
    * the spec may additionally require a field only if it is nullable there and the
      SDK accepts None (a required-but-nullable key such as ``last_active_at``);
    * types, nullability and Literal enums are compared recursively;
    * with ``served``, the schema may leave out the SDK's optional fields it names and the
      union members vsmock never produces.
    """
    schema = _deref(spec, schema)
    errors: list[str] = []
    if schema.get("type") != "object":
        return [f"{where}: schema type {schema.get('type')} != object"]
    props = schema.get("properties", {})
    fields = {(f.alias or name): f for name, f in model.model_fields.items()}
    unsent = served.sdk_only.get(model.__name__, frozenset()) if served is not None else frozenset()
    for name in sorted(unsent & set(fields)):
        if fields[name].is_required():
            errors.append(f"{where}.{name}: required by the SDK, so it must be sent")
    fields = {name: f for name, f in fields.items() if name not in unsent}
    if set(props) != set(fields):
        errors.append(
            f"{where}: properties differ; only in spec {sorted(set(props) - set(fields))}, "
            f"only in SDK {sorted(set(fields) - set(props))}"
        )
    sdk_required = {name for name, f in fields.items() if f.is_required()}
    spec_required = set(schema.get("required", []))
    for name in sorted(sdk_required - spec_required):
        errors.append(f"{where}.{name}: required by the SDK but not by the spec")
    for name in sorted(spec_required - sdk_required):
        if served is not None:
            break  # vsmock always sends what the SDK may go without
        nullable = name in props and _split_null(spec, props[name])[1]
        allows_none = name in fields and _unwrap(fields[name].annotation)[1]
        if not (nullable and allows_none):
            errors.append(f"{where}.{name}: spec requires it but the SDK treats it as optional")
    for name in sorted(set(props) & set(fields)):
        errors += _diff_type(spec, fields[name].annotation, props[name], f"{where}.{name}", served)
    return errors


def _minimal(spec: dict[str, Any], schema: Any, value: Any) -> Any:
    """Reduce an example to the keys its schema requires (recursively)."""
    schema = _deref(spec, schema)
    if isinstance(value, dict) and "properties" in schema:
        required = schema.get("required", [])
        return {
            k: _minimal(spec, schema["properties"][k], v) for k, v in value.items() if k in required
        }
    if isinstance(value, list) and "items" in schema:
        return [_minimal(spec, schema["items"], v) for v in value]
    return value


def _schema_nodes(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object below ``node`` (through properties, items, combinators)."""
    if not isinstance(node, dict) or "$ref" in node:
        return
    yield where, node
    for name, sub in node.get("properties", {}).items():
        yield from _schema_nodes(sub, f"{where}.{name}")
    for key in ("items", "additionalProperties", "not"):
        if isinstance(node.get(key), dict):
            yield from _schema_nodes(node[key], f"{where}/{key}")
    for key in ("oneOf", "anyOf", "allOf"):
        for i, sub in enumerate(node.get(key, [])):
            yield from _schema_nodes(sub, f"{where}/{key}/{i}")


def _all_schema_nodes(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, schema in spec["components"]["schemas"].items():
        yield from _schema_nodes(schema, name)
    for name, param in spec["components"]["parameters"].items():
        yield from _schema_nodes(param["schema"], f"parameters.{name}")
    for path, method, op in _operations(spec):
        for status, resp in op["responses"].items():
            for media, content in resp.get("content", {}).items():
                yield from _schema_nodes(content["schema"], f"{method} {path} {status} {media}")


# ---------------------------------------------------------------------- document


def test_spec_is_valid_openapi_30(spec: dict[str, Any]) -> None:
    validate(spec, cls=OpenAPIV30SpecValidator)


@pytest.mark.parametrize("path", [SPEC_PATH, ADMIN_SPEC_PATH], ids=lambda p: p.name)
def test_shipped_documents_pass_connexions_check(path: Path) -> None:
    """``create_app`` mounts the shipped documents without Connexion's check against the
    OpenAPI schema (``ShippedSpecification``); the check runs here instead, and what the
    app serves is what Connexion's own loading would have built."""
    document = yaml.safe_load(path.read_text())
    validate(copy.deepcopy(document), cls=OpenAPIV30SpecValidator)
    checked = Specification.from_dict(copy.deepcopy(document))  # raises if the check fails
    assert isinstance(checked, OpenAPISpecification)
    shipped = ShippedSpecification(copy.deepcopy(document))
    assert isinstance(shipped, OpenAPISpecification)
    # The resolved documents are recursive (compound filters), so compare what they come from.
    assert shipped.raw == checked.raw
    assert shipped.spec["paths"].keys() == checked.spec["paths"].keys()


def test_openapi_version_and_server(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.0.3"
    assert spec["servers"] == [{"url": "http://127.0.0.1:8000/v1"}]


def test_operation_ids_are_exactly_the_official_ones(spec: dict[str, Any]) -> None:
    counts = Counter(op.get("operationId") for _, _, op in _operations(spec))
    assert set(counts) == EXPECTED_OPERATION_IDS
    assert {k: v for k, v in counts.items() if v != 1} == {}


def test_paths_are_relative_and_have_no_routing_extensions(spec: dict[str, Any]) -> None:
    for path, _method, op in _operations(spec):
        assert path.startswith("/") and not path.startswith("/v1"), path
        assert not [k for k in op if k.startswith("x-openapi-router")], op["operationId"]
        assert "security" not in op, f"{op['operationId']} overrides global security"
    assert not [k for k in spec if k.startswith("x-openapi-router")]


def test_no_openapi_31_constructs(spec: dict[str, Any]) -> None:
    forbidden = {"const", "examples", "$schema", "propertyNames", "prefixItems", "$defs"}
    for where, node in _all_schema_nodes(spec):
        assert not forbidden & set(node), f"{where}: {forbidden & set(node)}"
        assert isinstance(node.get("type", ""), str), f"{where}: type must be a single string"
        assert node.get("type") != "null", where


def test_global_bearer_security(spec: dict[str, Any]) -> None:
    assert spec["security"] == [{"ApiKeyAuth": []}]
    scheme = spec["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_every_schema_has_a_description(spec: dict[str, Any]) -> None:
    missing = [n for n, s in spec["components"]["schemas"].items() if not s.get("description")]
    assert missing == []


# -------------------------------------------------------------------- responses

ERROR_STATUSES = {"400", "401", "408", "409", "429", "500", "502", "503"}
# 404 without an id in the path: an unknown `after`/`before` cursor, or unknown `file_ids`.
# createResponse: a store of its file_search tool that does not exist.
NOT_FOUND_WITHOUT_PATH_ID = {"listFiles", "listVectorStores", "createVectorStore", "createResponse"}
STREAMED = {"createResponse", "getResponse"}  # JSON, or server-sent events


@pytest.mark.parametrize("operation_id", sorted(EXPECTED_OPERATION_IDS))
def test_responses(spec: dict[str, Any], operation_id: str) -> None:
    path, op = _operation(spec, operation_id)
    responses = op["responses"]
    expected = set(ERROR_STATUSES) | {"200"}
    if "{" in path or operation_id in NOT_FOUND_WITHOUT_PATH_ID:
        expected.add("404")
    if operation_id == "createFile":
        expected.add("413")
    assert set(responses) == expected

    ok = _deref(spec, responses["200"])
    media = "application/octet-stream" if operation_id == "downloadFile" else "application/json"
    streamed = ["text/event-stream"] if operation_id in STREAMED else []
    assert list(ok["content"]) == [media, *streamed]
    if streamed:
        event = ok["content"]["text/event-stream"]["schema"]
        assert event == _ref("ResponseServerSentEvent")
        assert _deref(spec, event)["x-vsmock-data-schema"] == "ResponseStreamEvent"
    if operation_id == "downloadFile":
        schema = ok["content"][media]["schema"]
        assert (schema["type"], schema["format"]) == ("string", "binary")

    for status in expected - {"200"}:
        assert set(responses[status]) == {"$ref"}, f"{status} must reference components/responses"
        resp = _deref(spec, responses[status])
        assert resp["content"]["application/json"]["schema"] == _ref("ErrorResponse")
    headers = _deref(spec, responses["429"])["headers"]
    assert set(headers) == {"retry-after-ms", "retry-after"}
    assert all(not h.get("required", False) for h in headers.values())
    assert {h["schema"]["type"] for h in headers.values()} <= {"integer", "number"}


def test_error_envelope(spec: dict[str, Any]) -> None:
    schema = _ref("ErrorResponse")
    ok = {"error": {"message": "m", "type": "invalid_request_error", "param": None, "code": None}}
    assert _errors(spec, schema, ok) == []
    assert _errors(spec, schema, {"error": {**ok["error"], "extra": 1}}) == []
    for key in ok["error"]:
        broken = {"error": {k: v for k, v in ok["error"].items() if k != key}}
        assert _errors(spec, schema, broken), f"error.{key} must be required"
    assert _errors(spec, schema, {"error": {**ok["error"], "message": None}})


@pytest.mark.parametrize("schema_name", sorted(SDK_RESPONSE_MODELS))
def test_response_schema_matches_sdk_model(spec: dict[str, Any], schema_name: str) -> None:
    model = SDK_RESPONSE_MODELS[schema_name]
    assert diff_model(spec, model, _component(spec, schema_name), schema_name) == []


# The Responses API: vsmock serves the file_search tool, so its schemas hold the part of the
# SDK's models it produces. Each field and union member it has matches the SDK exactly.
RESPONSES_SERVED = Served(
    sdk_only={
        "Response": frozenset(
            {
                "access_programs",
                "conversation",
                "image",
                "input_transformations",
                "moderation",
                "prompt",
                "prompt_cache_diagnostics",
                "prompt_cache_options",
                "prompt_cache_retention",
                "tool_usage",
            }
        ),
        "ResponseError": frozenset({"misalignment", "param", "type"}),
        "InputTokensDetails": frozenset({"cache_write_tokens_details"}),
        "ResponseInputText": frozenset({"prompt_cache_breakpoint"}),
    }
)


def test_response_schema_matches_the_sdk_where_served(spec: dict[str, Any]) -> None:
    schema = _component(spec, "Response")
    assert diff_model(spec, responses_types.Response, schema, "Response", RESPONSES_SERVED) == []


def test_input_items_match_the_sdk_where_served(spec: dict[str, Any]) -> None:
    """``input_items.list`` pages hold ``ResponseItem``s (the SDK's page reads ``data`` and
    ``has_more``; ``first_id``/``last_id`` are null on an empty page, as on every list)."""
    schema = _component(spec, "ResponseItemList")
    items = schema["properties"]["data"]
    assert (
        _diff_type(spec, list[responses_types.ResponseItem], items, "data", RESPONSES_SERVED) == []
    )
    assert schema["properties"]["has_more"]["type"] == "boolean"


def test_stream_events_match_the_sdk() -> None:
    """Each event schema is the SDK's class for its ``type``; every event vsmock sends has one."""
    spec = _load_spec()
    members = te.get_args(te.get_args(responses_types.ResponseStreamEvent)[0])
    by_type = {te.get_args(m.model_fields["type"].annotation)[0]: m for m in members}
    branches = _branches(spec, _component(spec, "ResponseStreamEvent"))
    assert len(branches) == 14
    named = _component(spec, "ResponseServerSentEvent")["properties"]["event"]["enum"]
    assert named == [branch["properties"]["type"]["enum"][0] for branch in branches]
    for branch in branches:
        (event_type,) = branch["properties"]["type"]["enum"]
        model = by_type[event_type]
        assert diff_model(spec, model, branch, event_type, RESPONSES_SERVED) == []


@pytest.mark.parametrize(
    ("schema_name", "mutate", "expected_fragment"),
    [
        (
            "VectorStoreFileBatchObject",
            lambda s: s["properties"]["object"].update(enum=["vector_store.file_batch"]),
            "enum",
        ),
        ("VectorStoreObject", lambda s: s["properties"]["name"].update(nullable=True), "nullable"),
        ("OpenAIFile", lambda s: s["required"].remove("status"), "required by the SDK"),
        ("OpenAIFile", lambda s: s["properties"]["purpose"]["enum"].append("evals"), "enum"),
        ("VectorStoreObject", lambda s: s["properties"].pop("usage_bytes"), "properties differ"),
        (
            "VectorStoreObject",
            lambda s: s["properties"].update(description={"type": "string"}),
            "properties differ",
        ),
        (
            "VectorStoreObject",
            lambda s: (
                s["required"].append("expires_after"),
                s["properties"].update(expires_after=_ref("VectorStoreExpirationAfter")),
            ),
            "treats it as",
        ),
        (
            "VectorStoreObject",
            lambda s: s["properties"]["last_active_at"].pop("nullable"),
            "nullable=False",
        ),
        (
            "VectorStoreObject",
            lambda s: s["properties"]["created_at"].update(type="number"),
            "type number",
        ),
        (
            "VectorStoreFileObject",
            lambda s: s["properties"].update(
                chunking_strategy={
                    "type": "object",
                    "nullable": True,
                    "oneOf": [
                        _ref("AutoChunkingStrategyRequestParam"),
                        _ref("OtherChunkingStrategyResponseParam"),
                    ],
                }
            ),
            "no unique branch",
        ),
        ("FileCounts", lambda s: s["required"].remove("total"), "required by the SDK"),
        ("VectorStoreFileLastError", lambda s: s["properties"]["code"]["enum"].pop(), "enum"),
    ],
)
def test_sdk_diff_detects_drift(
    spec: dict[str, Any], schema_name: str, mutate: Any, expected_fragment: str
) -> None:
    """The comparator above must actually fail on realistic mistakes."""
    spec = copy.deepcopy(spec)
    mutate(_component(spec, schema_name))
    errors = [
        e
        for name, model in SDK_RESPONSE_MODELS.items()
        for e in diff_model(spec, model, _component(spec, name), name)
    ]
    assert any(expected_fragment in e for e in errors), errors


@pytest.mark.parametrize("schema_name", sorted(SCHEMA_MODELS))
def test_examples_validate_and_parse_with_sdk(spec: dict[str, Any], schema_name: str) -> None:
    schema = _component(spec, schema_name)
    model = SCHEMA_MODELS[schema_name]
    example = schema["example"]
    minimal = _minimal(spec, schema, example)
    for instance in (example, minimal):
        assert _errors(spec, _ref(schema_name), instance) == []
        model.model_validate(instance, strict=True)


def test_every_example_matches_its_schema(spec: dict[str, Any]) -> None:
    checked = 0
    for where, node in _all_schema_nodes(spec):
        if "example" in node:
            checked += 1
            assert _errors(spec, node, node["example"]) == [], where
    assert checked > 50


@pytest.mark.parametrize(
    "operation_id", sorted(EXPECTED_OPERATION_IDS - {"downloadFile"} - RESPONSES_OPERATION_IDS)
)
def test_stateless_example_bodies(operation_id: str) -> None:
    """What Connexion's example builder returns for the 200 response is SDK-valid. (The
    stateless backend builds responses by the stateful backend's rules instead:
    ``tests/stateless`` checks those.)"""
    spec = _load_spec()
    resolved = _resolved_spec()
    path, op = _operation(spec, operation_id)
    method = next(m for m, o in spec["paths"][path].items() if o is op)
    schema_ref = op["responses"]["200"]["content"]["application/json"]["schema"]
    resolved_schema = resolved["paths"][path][method]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    body = build_example_from_schema(resolved_schema)
    assert _errors(spec, schema_ref, body) == []
    name = schema_ref["$ref"].rsplit("/", 1)[-1]
    SCHEMA_MODELS[name].model_validate(body, strict=True)


@functools.cache
def _resolved_spec() -> dict[str, Any]:
    return resolve_refs(_load_spec())


# ------------------------------------------------------------------ parameters


CONTROL_FREE = r"^[^\x00-\x1f\x7f]*$"
ID_SAMPLES = ["vs_abc123", "vsfb_a-b_C9", "file-XYZ", "vs_", "x", "vs_a b", "vs_a\n", "", "é"]


def test_path_parameters_are_shared_strings_and_ids_state_their_rule(
    spec: dict[str, Any],
) -> None:
    """Path parameters come from components; an id under /vector_stores states the live
    API's rule (its prefix, then letters, digits, ``_`` or ``-``) as a ``pattern``, which
    must agree with the server's own check (``backend/limits.id_error``) on every sample.
    The Files API's ``file_id`` excludes control characters only: it answers an id of any
    other shape with a 404."""
    from vsmock.backend.limits import PREFIXES, id_error

    for path, item in spec["paths"].items():
        raw = item.get("parameters", []) + [
            p for m, op in item.items() if m in HTTP_METHODS for p in op.get("parameters", [])
        ]
        for param in raw:
            assert set(param) == {"$ref"}, f"{path}: parameters must come from components"
            resolved = _deref(spec, param)
            if resolved["in"] != "path":
                continue
            assert resolved["required"] is True
            assert resolved["schema"]["type"] == "string"
            pattern = resolved["schema"].get("pattern")
            if path.startswith("/files"):  # any shape but control characters (no URL holds them)
                assert pattern == CONTROL_FREE, path
                continue
            name = resolved["name"]
            assert name in PREFIXES and pattern == f"^{PREFIXES[name]}[A-Za-z0-9_-]*$", path
            for sample in ID_SAMPLES + [PREFIXES[name] + s for s in ID_SAMPLES]:
                matched = re.fullmatch(pattern.strip("^$"), sample) is not None
                assert matched == (id_error(name, sample) is None), (name, sample)
        names = {p["name"] for p in _parameters(spec, path, {}) if p["in"] == "path"}
        assert names == set(path.replace("}", "{").split("{")[1::2]), path


LIST_OPS = {
    "listVectorStores": (100, 20, False),
    "listVectorStoreFiles": (100, 20, True),
    "listFilesInVectorStoreBatch": (100, 20, True),
}


@pytest.mark.parametrize("operation_id", sorted(LIST_OPS))
def test_cursor_list_parameters(spec: dict[str, Any], operation_id: str) -> None:
    path, op = _operation(spec, operation_id)
    params = {p["name"]: p for p in _parameters(spec, path, op) if p["in"] == "query"}
    maximum, default, has_filter = LIST_OPS[operation_id]
    expected = {"limit", "order", "after", "before"} | ({"filter"} if has_filter else set())
    assert set(params) == expected
    assert params["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": maximum,
        "default": default,
    }
    assert params["order"]["schema"] == {
        "type": "string",
        "enum": ["asc", "desc"],
        "default": "desc",
    }
    assert params["after"]["schema"] == params["before"]["schema"] == {"type": "string"}
    if has_filter:
        assert params["filter"]["schema"]["enum"] == [
            "in_progress",
            "completed",
            "failed",
            "cancelled",
        ]


def test_files_list_parameters(spec: dict[str, Any]) -> None:
    path, op = _operation(spec, "listFiles")
    params = {p["name"]: p for p in _parameters(spec, path, op)}
    assert set(params) == {"purpose", "limit", "order", "after"}
    assert params["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 10000,
        "default": 10000,
    }
    assert params["purpose"]["schema"] == {"type": "string"}


# SDK params TypedDict -> (operationId, where the fields live)
SDK_PARAMS = [
    (VectorStoreCreateParams, "createVectorStore", "body"),
    (VectorStoreUpdateParams, "modifyVectorStore", "body"),
    (VectorStoreSearchParams, "searchVectorStore", "body"),
    (vs_types.FileCreateParams, "createVectorStoreFile", "body"),
    (vs_types.FileUpdateParams, "updateVectorStoreFileAttributes", "body"),
    (vs_types.FileBatchCreateParams, "createVectorStoreFileBatch", "body"),
    (FileCreateParams, "createFile", "body"),
    (VectorStoreListParams, "listVectorStores", "query"),
    (vs_types.FileListParams, "listVectorStoreFiles", "query"),
    (vs_types.FileBatchListFilesParams, "listFilesInVectorStoreBatch", "query"),
    (FileListParams, "listFiles", "query"),
]


@pytest.mark.parametrize(
    ("params_cls", "operation_id", "location"), SDK_PARAMS, ids=[o for _, o, _ in SDK_PARAMS]
)
def test_request_fields_match_sdk_params(
    spec: dict[str, Any], params_cls: Any, operation_id: str, location: str
) -> None:
    path, op = _operation(spec, operation_id)
    path_names = {p["name"] for p in _parameters(spec, path, op) if p["in"] == "path"}
    hints = {
        k: v
        for k, v in te.get_type_hints(params_cls, include_extras=True).items()
        if k not in path_names
    }
    sdk_required = {k for k, v in hints.items() if te.get_origin(v) is te.Required}
    if location == "body":
        media, content = next(iter(op["requestBody"]["content"].items()))
        assert media == (
            "multipart/form-data" if operation_id == "createFile" else "application/json"
        )
        schema = _deref(spec, content["schema"])
        fields = {k: _deref(spec, v) for k, v in schema["properties"].items()}
        required = set(schema.get("required", []))
    else:
        query = [p for p in _parameters(spec, path, op) if p["in"] == "query"]
        fields = {p["name"]: p["schema"] for p in query}
        required = {p["name"] for p in query if p.get("required")}
    assert set(fields) == set(hints)
    assert required == sdk_required
    for name, hint in hints.items():
        inner, allows_none = _unwrap(hint)
        if te.get_origin(inner) is te.Literal or te.get_origin(inner) is typing.Literal:
            assert sorted(fields[name]["enum"]) == sorted(te.get_args(inner)), name
        if allows_none:
            assert _split_null(spec, fields[name])[1], f"{name} must be nullable"


# ------------------------------------------------------------- request bodies

VALID, INVALID = True, False
STATIC = {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}
CMP = {"type": "eq", "key": "category", "value": "faq"}

REQUEST_CASES: list[tuple[str, Any, bool]] = [
    # createVectorStore
    ("CreateVectorStoreRequest", {}, VALID),
    (
        "CreateVectorStoreRequest",
        {
            "name": "n",
            "description": "d",
            "file_ids": ["file-1"],
            "chunking_strategy": STATIC,
            "metadata": None,
            "expires_after": {"anchor": "last_active_at", "days": 365},
        },
        VALID,
    ),
    ("CreateVectorStoreRequest", {"bogus": 1}, INVALID),
    ("CreateVectorStoreRequest", {"file_ids": ["f"] * 501}, INVALID),
    ("CreateVectorStoreRequest", {"name": None}, INVALID),
    (
        "CreateVectorStoreRequest",
        {"expires_after": {"anchor": "last_active_at", "days": 0}},
        INVALID,
    ),
    ("CreateVectorStoreRequest", {"expires_after": {"anchor": "created_at", "days": 1}}, INVALID),
    ("CreateVectorStoreRequest", {"expires_after": {"days": 1}}, INVALID),
    ("CreateVectorStoreRequest", {"metadata": {str(i): "v" for i in range(16)}}, VALID),
    ("CreateVectorStoreRequest", {"metadata": {str(i): "v" for i in range(17)}}, INVALID),
    ("CreateVectorStoreRequest", {"metadata": {"k": "v" * 513}}, INVALID),
    ("CreateVectorStoreRequest", {"metadata": {"k": 1}}, INVALID),
    ("CreateVectorStoreRequest", {"chunking_strategy": {"type": "auto"}}, VALID),
    ("CreateVectorStoreRequest", {"chunking_strategy": {"type": "other"}}, INVALID),
    ("CreateVectorStoreRequest", {"chunking_strategy": {"type": "auto", "x": 1}}, INVALID),
    (
        "CreateVectorStoreRequest",
        {
            "chunking_strategy": {
                "type": "static",
                "max_chunk_size_tokens": 800,
                "chunk_overlap_tokens": 400,
            }
        },
        INVALID,
    ),
    (
        "CreateVectorStoreRequest",
        {
            "chunking_strategy": {
                "type": "static",
                "static": {"max_chunk_size_tokens": 99, "chunk_overlap_tokens": 0},
            }
        },
        INVALID,
    ),
    (
        "CreateVectorStoreRequest",
        {
            "chunking_strategy": {
                "type": "static",
                "static": {"max_chunk_size_tokens": 4097, "chunk_overlap_tokens": 0},
            }
        },
        INVALID,
    ),
    (
        "CreateVectorStoreRequest",
        {
            "chunking_strategy": {
                "type": "static",
                "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": -1},
            }
        },
        INVALID,
    ),
    (
        "CreateVectorStoreRequest",
        {"chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 100}}},
        INVALID,
    ),
    # modifyVectorStore
    ("UpdateVectorStoreRequest", {}, VALID),
    ("UpdateVectorStoreRequest", {"name": None, "expires_after": None, "metadata": None}, VALID),
    (
        "UpdateVectorStoreRequest",
        {"expires_after": {"anchor": "last_active_at", "days": 366}},
        INVALID,
    ),
    ("UpdateVectorStoreRequest", {"description": "d"}, INVALID),
    # vector store files
    (
        "CreateVectorStoreFileRequest",
        {
            "file_id": "file-1",
            "attributes": {"s": "x", "n": 1.5, "i": 2, "b": True},
            "chunking_strategy": STATIC,
        },
        VALID,
    ),
    ("CreateVectorStoreFileRequest", {"attributes": {}}, INVALID),
    ("CreateVectorStoreFileRequest", {"file_id": "f", "attributes": {"o": {"x": 1}}}, INVALID),
    ("CreateVectorStoreFileRequest", {"file_id": "f", "attributes": {"a": [1]}}, INVALID),
    (
        "CreateVectorStoreFileRequest",
        {"file_id": "f", "attributes": {str(i): i for i in range(17)}},
        INVALID,
    ),
    ("CreateVectorStoreFileRequest", {"file_id": "f", "attributes": {"s": "x" * 513}}, INVALID),
    ("CreateVectorStoreFileRequest", {"file_id": "f", "extra": 1}, INVALID),
    ("UpdateVectorStoreFileAttributesRequest", {"attributes": None}, VALID),
    ("UpdateVectorStoreFileAttributesRequest", {"attributes": {"k": False}}, VALID),
    ("UpdateVectorStoreFileAttributesRequest", {}, INVALID),
    # file batches
    ("CreateVectorStoreFileBatchRequest", {"file_ids": ["f"]}, VALID),
    (
        "CreateVectorStoreFileBatchRequest",
        {
            "files": [
                {"file_id": "f", "attributes": {"a": 1}, "chunking_strategy": {"type": "auto"}}
            ]
        },
        VALID,
    ),
    (
        "CreateVectorStoreFileBatchRequest",
        {"file_ids": ["f"], "attributes": {"a": "b"}, "chunking_strategy": STATIC},
        VALID,
    ),
    ("CreateVectorStoreFileBatchRequest", {}, INVALID),
    ("CreateVectorStoreFileBatchRequest", {"attributes": {"a": "b"}}, INVALID),
    ("CreateVectorStoreFileBatchRequest", {"file_ids": []}, INVALID),
    ("CreateVectorStoreFileBatchRequest", {"file_ids": ["f"] * 2000}, VALID),
    ("CreateVectorStoreFileBatchRequest", {"file_ids": ["f"] * 2001}, INVALID),
    ("CreateVectorStoreFileBatchRequest", {"files": []}, INVALID),
    ("CreateVectorStoreFileBatchRequest", {"files": [{"attributes": {}}]}, INVALID),
    ("CreateVectorStoreFileBatchRequest", {"files": [{"file_id": "f"}] * 2001}, INVALID),
    # search
    ("VectorStoreSearchRequest", {"query": "q"}, VALID),
    (
        "VectorStoreSearchRequest",
        {
            "query": ["a", "b"],
            "rewrite_query": True,
            "max_num_results": 50,
            "filters": CMP,
            "ranking_options": {"ranker": "default-2024-11-15", "score_threshold": 1},
        },
        VALID,
    ),
    ("VectorStoreSearchRequest", {}, INVALID),
    ("VectorStoreSearchRequest", {"query": 1}, INVALID),
    ("VectorStoreSearchRequest", {"query": "q", "max_num_results": 0}, INVALID),
    ("VectorStoreSearchRequest", {"query": "q", "max_num_results": 51}, INVALID),
    ("VectorStoreSearchRequest", {"query": "q", "ranking_options": {"ranker": "x"}}, INVALID),
    (
        "VectorStoreSearchRequest",
        {"query": "q", "ranking_options": {"score_threshold": 1.1}},
        INVALID,
    ),
    ("VectorStoreSearchRequest", {"query": "q", "ranking_options": {"hybrid_search": {}}}, INVALID),
    ("VectorStoreSearchRequest", {"query": "q", "extra": 1}, INVALID),
    (
        "VectorStoreSearchRequest",
        {
            "query": "q",
            "filters": {
                "type": "or",
                "filters": [
                    CMP,
                    {
                        "type": "and",
                        "filters": [
                            {"type": "in", "key": "k", "value": ["a", 1]},
                            {"type": "gte", "key": "year", "value": 2024},
                            {"type": "ne", "key": "flag", "value": False},
                        ],
                    },
                ],
            },
        },
        VALID,
    ),
    (
        "VectorStoreSearchRequest",
        {"query": "q", "filters": {"type": "xor", "filters": [CMP]}},
        INVALID,
    ),
    (
        "VectorStoreSearchRequest",
        {
            "query": "q",
            "filters": {
                "type": "and",
                "filters": [
                    {"type": "and", "filters": [{"type": "like", "key": "k", "value": "v"}]}
                ],
            },
        },
        INVALID,
    ),
    ("VectorStoreSearchRequest", {"query": "q", "filters": {"type": "eq", "key": "k"}}, INVALID),
    ("VectorStoreSearchRequest", {"query": "q", "filters": {**CMP, "value": None}}, INVALID),
    ("VectorStoreSearchRequest", {"query": "q", "filters": {**CMP, "value": [True]}}, INVALID),
    ("VectorStoreSearchRequest", {"query": "q", "filters": {**CMP, "extra": 1}}, INVALID),
    # files
    ("CreateFileRequest", {"file": "", "purpose": "evals"}, VALID),
    (
        "CreateFileRequest",
        {
            "file": "",
            "purpose": "assistants",
            "expires_after": {"anchor": "created_at", "seconds": 3600},
        },
        VALID,
    ),
    ("CreateFileRequest", {"file": "", "purpose": "assistants_output"}, INVALID),
    ("CreateFileRequest", {"purpose": "assistants"}, INVALID),
    (
        "CreateFileRequest",
        {
            "file": "",
            "purpose": "batch",
            "expires_after": {"anchor": "created_at", "seconds": 3599},
        },
        INVALID,
    ),
    (
        "CreateFileRequest",
        {
            "file": "",
            "purpose": "batch",
            "expires_after": {"anchor": "created_at", "seconds": 2592001},
        },
        INVALID,
    ),
    (
        "CreateFileRequest",
        {
            "file": "",
            "purpose": "batch",
            "expires_after": {"anchor": "last_active_at", "seconds": 3600},
        },
        INVALID,
    ),
    (
        "CreateFileRequest",
        {"file": "", "purpose": "batch", "expires_after": {"seconds": 3600}},
        INVALID,
    ),
]


@pytest.mark.parametrize(
    ("schema_name", "body", "valid"),
    REQUEST_CASES,
    ids=[f"{n}-{i}-{'ok' if v else 'bad'}" for i, (n, _, v) in enumerate(REQUEST_CASES)],
)
def test_request_body_validation(
    spec: dict[str, Any], schema_name: str, body: Any, valid: bool
) -> None:
    errors = _errors(spec, _ref(schema_name), body)
    assert (errors == []) is valid, errors


def test_create_file_multipart_encoding(spec: dict[str, Any]) -> None:
    _, op = _operation(spec, "createFile")
    content = op["requestBody"]["content"]["multipart/form-data"]
    assert content["encoding"] == {"expires_after": {"contentType": "application/json"}}
    schema = _deref(spec, content["schema"])
    # Connexion needs an explicit `type` on every form property it parses.
    assert {k: _deref(spec, v)["type"] for k, v in schema["properties"].items()} == {
        "file": "string",
        "purpose": "string",
        "expires_after": "object",
    }
    assert schema["properties"]["file"]["format"] == "binary"


# ----------------------------------------------------------------------- links

EXPECTED_LINKS = {
    "createVectorStore": (
        {
            "getVectorStore",
            "modifyVectorStore",
            "deleteVectorStore",
            "searchVectorStore",
            "listVectorStoreFiles",
        },
        {"vector_store_id": "$response.body#/id"},
    ),
    "createFile": (
        {"retrieveFile", "deleteFile", "downloadFile", "createVectorStore"},
        {"file_id": "$response.body#/id"},
    ),
    "createVectorStoreFile": (
        {
            "getVectorStoreFile",
            "updateVectorStoreFileAttributes",
            "deleteVectorStoreFile",
            "retrieveVectorStoreFileContent",
        },
        {"vector_store_id": "$response.body#/vector_store_id", "file_id": "$response.body#/id"},
    ),
    "createVectorStoreFileBatch": (
        {"getVectorStoreFileBatch", "cancelVectorStoreFileBatch", "listFilesInVectorStoreBatch"},
        {"vector_store_id": "$response.body#/vector_store_id", "batch_id": "$response.body#/id"},
    ),
}


# Stateful fuzzing (tests/system/test_fuzz.py) creates stores that hold a real file.
BODY_LINKS = {("createFile", "createVectorStore"): {"file_ids": ["$response.body#/id"]}}


@pytest.mark.parametrize("operation_id", sorted(EXPECTED_LINKS))
def test_links(spec: dict[str, Any], operation_id: str) -> None:
    _, op = _operation(spec, operation_id)
    links = op["responses"]["200"]["links"]
    targets, parameters = EXPECTED_LINKS[operation_id]
    assert {link["operationId"] for link in links.values()} == targets
    for link in links.values():
        body = BODY_LINKS.get((operation_id, link["operationId"]))
        if body is not None:  # the new object travels in the target's request body
            assert link["requestBody"] == body and "parameters" not in link
            continue
        assert link["parameters"] == parameters
        target_path, target_op = _operation(spec, link["operationId"])
        path_params = {
            p["name"] for p in _parameters(spec, target_path, target_op) if p["in"] == "path"
        }
        assert path_params == set(parameters), link["operationId"]


# -------------------------------------------------------------------- connexion


def test_connexion_loads_the_spec() -> None:
    def handler(*_args: Any, **_kwargs: Any) -> None:  # pragma: no cover - never called
        return None

    app = connexion.AsyncApp(__name__)
    # Note: the root mount must use base_path "" - with "/" Connexion serves nothing there.
    for base_path in ("/v1", ""):
        app.add_api(SPEC_PATH, base_path=base_path, resolver=Resolver(lambda _id: handler))
    with app.test_client() as client:
        # No API key: the security layer answers, which proves every route was built.
        assert client.get("/v1/vector_stores").status_code == 401
        assert client.get("/files").status_code == 401
        assert client.get("/v1/not-an-endpoint").status_code == 404
