"""HTTP handlers: every operation of the contract is answered by the backend method of the
same name (the operationId in snake case, ``backend/interface.py``).

A handler is made from the interface's signature: Connexion hands it the operation's path
and query parameters and body as keyword arguments (a parameter named like a Python builtin,
such as ``filter``, arrives as ``filter_``), and it returns the backend's object as a 200
(with the polling hint when something is in progress). The operations that are more than
JSON in and JSON out have their own handlers: an upload and a download (``file_routes.py``),
the responses that may be streamed (``response_routes.py``); so has the admin API
(``admin_routes.py``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from connexion.decorators.parameter import pythonic

from vsmock.backend.interface import OPERATION_NAMES, Operations, method_name
from vsmock.http.handlers import admin_routes, file_routes, response_routes
from vsmock.http.handlers.context import Reply, backend, call, reply

# Operations answered by a handler of their own.
OWN_HANDLERS: dict[str, Callable[..., Any]] = {
    "create_file": file_routes.create_file,
    "download_file": file_routes.download_file,
    "create_response": response_routes.create_response,
    "get_response": response_routes.get_response,
}


def operation_handler(name: str) -> Callable[..., Reply]:
    """A handler calling the backend's ``name`` with what Connexion passes."""
    signature = inspect.signature(getattr(Operations, name))
    parameters = [p for p in signature.parameters.values() if p.name != "self"]
    renamed = {pythonic(p.name): p.name for p in parameters}  # filter_ -> filter

    if all(python == name for python, name in renamed.items()):

        def handler(**arguments: Any) -> Reply:
            return reply(call(getattr(backend(), name), **arguments))

    else:

        def handler(**arguments: Any) -> Reply:
            method = getattr(backend(), name)
            return reply(call(method, **{renamed[k]: v for k, v in arguments.items()}))

    handler.__name__ = handler.__qualname__ = name
    handler.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p.replace(name=pythonic(p.name)) for p in parameters],
        return_annotation=Reply,
    )
    return handler


def resolve(operation_id: str) -> Callable[..., Any]:
    """Connexion's function resolver: an operationId (official, or ``admin.*``) to a handler."""
    if operation_id.startswith("admin."):
        handler: Callable[..., Any] = getattr(admin_routes, operation_id.split(".", 1)[1])
        return handler
    name = method_name(operation_id)
    if name not in OPERATION_NAMES:
        raise LookupError(f"openapi.yaml's {operation_id} is not a backend operation")
    return OWN_HANDLERS.get(name) or operation_handler(name)
