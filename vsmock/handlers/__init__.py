"""HTTP handlers, one module per resource. Each reads the request, calls the backend
operation of the same name, and returns its result."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

# operationId -> handler module (the function is the operationId in snake_case)
MODULES = {
    "listFiles": "files",
    "createFile": "files",
    "retrieveFile": "files",
    "deleteFile": "files",
    "downloadFile": "files",
    "listVectorStores": "vector_stores",
    "createVectorStore": "vector_stores",
    "getVectorStore": "vector_stores",
    "modifyVectorStore": "vector_stores",
    "deleteVectorStore": "vector_stores",
    "searchVectorStore": "vector_stores",
    "listVectorStoreFiles": "vector_store_files",
    "createVectorStoreFile": "vector_store_files",
    "getVectorStoreFile": "vector_store_files",
    "updateVectorStoreFileAttributes": "vector_store_files",
    "deleteVectorStoreFile": "vector_store_files",
    "retrieveVectorStoreFileContent": "vector_store_files",
    "createVectorStoreFileBatch": "file_batches",
    "getVectorStoreFileBatch": "file_batches",
    "cancelVectorStoreFileBatch": "file_batches",
    "listFilesInVectorStoreBatch": "file_batches",
}


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def resolve(operation_id: str) -> Callable[..., Any]:
    """Connexion's function resolver: an operationId (official, or ``admin.*``) to a handler."""
    if operation_id.startswith("admin."):
        module, name = "admin", operation_id.split(".", 1)[1]
    else:
        module, name = MODULES[operation_id], snake_case(operation_id)
    handler: Callable[..., Any] = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return handler
