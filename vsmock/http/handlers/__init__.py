"""HTTP handlers, one module per resource. Each reads the request, calls the backend
operation of the same name, and returns its result."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

# operationId -> handler module (the function is the operationId in snake_case)
MODULES = {
    "listFiles": "file_routes",
    "createFile": "file_routes",
    "retrieveFile": "file_routes",
    "deleteFile": "file_routes",
    "downloadFile": "file_routes",
    "listVectorStores": "vector_store_routes",
    "createVectorStore": "vector_store_routes",
    "getVectorStore": "vector_store_routes",
    "modifyVectorStore": "vector_store_routes",
    "deleteVectorStore": "vector_store_routes",
    "searchVectorStore": "vector_store_routes",
    "listVectorStoreFiles": "vector_store_file_routes",
    "createVectorStoreFile": "vector_store_file_routes",
    "getVectorStoreFile": "vector_store_file_routes",
    "updateVectorStoreFileAttributes": "vector_store_file_routes",
    "deleteVectorStoreFile": "vector_store_file_routes",
    "retrieveVectorStoreFileContent": "vector_store_file_routes",
    "createVectorStoreFileBatch": "file_batch_routes",
    "getVectorStoreFileBatch": "file_batch_routes",
    "cancelVectorStoreFileBatch": "file_batch_routes",
    "listFilesInVectorStoreBatch": "file_batch_routes",
}


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def resolve(operation_id: str) -> Callable[..., Any]:
    """Connexion's function resolver: an operationId (official, or ``admin.*``) to a handler."""
    if operation_id.startswith("admin."):
        module, name = "admin_routes", operation_id.split(".", 1)[1]
    else:
        module, name = MODULES[operation_id], snake_case(operation_id)
    handler: Callable[..., Any] = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return handler
