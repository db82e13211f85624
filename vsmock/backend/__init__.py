"""The stateful backend: one method per API operation, named after its operationId."""

from __future__ import annotations

from vsmock.backend.file_batches import FileBatchesMixin
from vsmock.backend.files import FilesMixin
from vsmock.backend.interface import Operations
from vsmock.backend.responses import ResponsesMixin
from vsmock.backend.vector_stores import VectorStoresMixin


class Backend(FilesMixin, VectorStoresMixin, FileBatchesMixin, ResponsesMixin, Operations):
    """Every operation (files, vector stores, their files and batches, search, responses)
    over TinyDB-held state."""


__all__ = ["Backend"]
