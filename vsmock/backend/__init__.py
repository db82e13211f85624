"""The stateful backend: one method per API operation, named after its operationId."""

from __future__ import annotations

from vsmock.backend.file_batches import FileBatchesMixin
from vsmock.backend.files import FilesMixin
from vsmock.backend.interface import Operations
from vsmock.backend.store_search import SearchMixin
from vsmock.backend.vector_stores import VectorStoresMixin


class Backend(FilesMixin, VectorStoresMixin, FileBatchesMixin, SearchMixin, Operations):
    """Every vector-store and file operation over TinyDB-held state."""


__all__ = ["Backend"]
