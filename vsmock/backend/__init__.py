"""The stateful backend: one method per API operation, named after its operationId."""

from __future__ import annotations

from .file_batches import FileBatchesMixin
from .files import FilesMixin
from .search import SearchMixin
from .vector_stores import VectorStoresMixin


class Backend(FilesMixin, VectorStoresMixin, FileBatchesMixin, SearchMixin):
    """Every vector-store and file operation over TinyDB-held state."""


__all__ = ["Backend"]
