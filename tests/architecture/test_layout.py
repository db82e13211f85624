"""The layout shows the architecture, and stays that way.

* every module name is used once;
* no import cycles, counting imports inside functions;
* layers import downward only (the table below);
* nothing outside the four adapter modules touches a private name of another package;
* the backend interface and the contract name the same operations, with the same
  parameters.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "vsmock"

# Lowest first: a module may import modules of its own layer or of layers below.
LAYERS = [
    ["vsmock.errors", "vsmock.settings", "vsmock.contract"],
    ["vsmock.control"],
    ["vsmock.storage", "vsmock.ingest", "vsmock.search"],
    ["vsmock.backend"],
    ["vsmock.stateless"],
    ["vsmock.runtime", "vsmock.controls"],
    ["vsmock.scenarios"],
    ["vsmock.http"],
    ["vsmock.proxy", "vsmock.plugin", "vsmock.pytest_plugin", "vsmock.startup"],
    ["vsmock.cli", "vsmock.__main__", "vsmock"],
]
ADAPTERS = {
    "vsmock.http.connexion_adapter",
    "vsmock.http.starlette_adapter",
    "vsmock.http.uvicorn_adapter",
    "vsmock.storage.tinydb_adapter",
}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = modules()


def imports(name: str) -> set[str]:
    """The vsmock modules ``name`` imports, anywhere in it (functions included)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def layer(name: str) -> int:
    for rank, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return rank
    raise AssertionError(f"{name} is in no layer: add it to LAYERS")


def test_every_module_name_is_used_once() -> None:
    names = Counter(path.stem for path in MODULES.values() if path.stem != "__init__")
    packages = Counter(path.parent.name for path in MODULES.values() if path.stem == "__init__")
    twice = {n: c for n, c in (names + packages).items() if c > 1}
    assert twice == {}, twice


def test_no_import_cycles() -> None:
    graph = {name: imports(name) for name in MODULES}
    # A module imports its package's __init__ implicitly: that is no cycle of ours.
    for name in graph:
        graph[name].discard(name.rpartition(".")[0])
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, " -> ".join([*visiting[visiting.index(node) :], node])
        visiting.append(node)
        for target in sorted(graph[node]):
            visit(target)
        visiting.pop()
        done.add(node)

    for name in sorted(graph):
        visit(name)


def test_layers_import_downward_only() -> None:
    upward = [
        f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})"
        for name in MODULES
        for target in imports(name)
        if layer(target) > layer(name) and not name.startswith(target + ".")
    ]
    assert upward == [], "\n".join(upward)


def _own_private_names() -> set[str]:
    """Every ``_name`` vsmock itself defines: functions, classes, attributes, parameters."""
    own: set[str] = set()
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                own.add(node.name)
            elif isinstance(node, ast.arg):
                own.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                own.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                own.add(node.attr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                own.add(node.target.id)
    return {n for n in own if n.startswith("_") and not n.startswith("__")}


def test_nothing_outside_the_adapters_touches_another_packages_private_names() -> None:
    own = _own_private_names()
    stray = []
    for name, path in MODULES.items():
        if name in ADAPTERS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                third_party = not node.module.startswith("vsmock") and node.module != "__future__"
                private_module = any(p.startswith("_") for p in node.module.split("."))
                if third_party and private_module:
                    stray.append(f"{where}: from {node.module}")
                for alias in node.names:
                    if third_party and alias.name.startswith("_"):
                        stray.append(f"{where}: {node.module}.{alias.name}")
            elif isinstance(node, ast.Attribute):
                attr = node.attr
                if attr.startswith("_") and not attr.startswith("__") and attr not in own:
                    stray.append(f"{where}: .{attr}")
    assert stray == [], "private names of other packages, outside the adapters:\n" + "\n".join(
        stray
    )


def test_the_adapters_list_what_they_use() -> None:
    for name in ADAPTERS:
        doc = " ".join((ast.get_docstring(ast.parse(MODULES[name].read_text())) or "").split())
        assert "internals" in doc and "fails loudly" in doc, name
        named = re.findall(r"``(tests/[\w/]+\.py)``", doc)
        assert named and all((ROOT / test).is_file() for test in named), (name, named)


# Parameters that choose how the HTTP layer sends an answer, not what the backend answers.
RENDERED_BY_HTTP = {"get_response": {"stream", "starting_after", "include_obfuscation"}}


def test_the_backend_interface_is_the_contracts_operations() -> None:
    from connexion.decorators.parameter import pythonic

    from vsmock.backend.interface import OPERATION_NAMES, Operations, method_name

    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    contract: dict[str, set[str]] = {}
    for item in spec["paths"].values():
        shared = [p for p in item.get("parameters", [])]
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            names = set()
            for parameter in shared + operation.get("parameters", []):
                ref = parameter.get("$ref")
                if ref:
                    parameter = spec["components"]["parameters"][ref.rsplit("/", 1)[1]]
                names.add(pythonic(parameter["name"]))
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                names.add("body")
            contract[method_name(operation["operationId"])] = names
    assert set(OPERATION_NAMES) == set(contract)
    for name, expected in contract.items():
        signature = inspect.signature(getattr(Operations, name))
        parameters = {pythonic(p) for p in signature.parameters if p != "self"}
        if name == "create_file":  # a multipart form: its fields, the file as content
            expected = (expected - {"file"}) | {"content", "filename", "purpose", "expires_after"}
        expected -= RENDERED_BY_HTTP.get(name, set())
        assert parameters == expected, name


def test_no_operation_id_is_repeated_as_a_string() -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    ids = {
        op["operationId"]
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    pattern = re.compile(r"[\"'](" + "|".join(sorted(ids)) + r")[\"']")
    found = [
        f"{path.relative_to(ROOT)}: {match.group(1)}"
        for path in MODULES.values()
        for match in pattern.finditer(path.read_text())
    ]
    assert found == [], found
