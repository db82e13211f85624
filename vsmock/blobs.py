"""File bytes and chunk texts, kept beside the database rather than inside it.

Blobs are named by the File's id (never by the client's filename) and written
to a temporary name, then renamed, so a blob is either whole or absent. Chunks
are the extracted text of one file in one vector store, as a JSON list.
In memory mode both live under a private temporary directory.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from .database import DamagedState


class BlobStore:
    def __init__(self, directory: str | os.PathLike[str] | None, *, fsync: bool = False):
        self._temporary = directory is None
        self._fsync = fsync
        base = Path(tempfile.mkdtemp(prefix="vsmock-")) if directory is None else Path(directory)
        self.root = base
        self._blobs = base / "blobs"
        self._chunks = base / "chunks"
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._chunks.mkdir(parents=True, exist_ok=True)
        self._chunk_cache: dict[tuple[str, str], list[str]] = {}

    # -- file bytes --------------------------------------------------------------------------
    def blob_path(self, file_id: str) -> Path:
        return self._blobs / file_id

    def write_blob(self, file_id: str, chunks: Iterable[bytes]) -> int:
        """Stream ``chunks`` into the blob of ``file_id``; returns the byte count."""
        path = self.blob_path(file_id)
        tmp = path.with_name(path.name + ".part")
        size = 0
        with open(tmp, "wb") as f:
            for piece in chunks:
                f.write(piece)
                size += len(piece)
            self._sync(f)
        os.replace(tmp, path)
        return size

    def copy_blob(self, file_id: str, source: BinaryIO) -> int:
        def pieces() -> Iterator[bytes]:
            while piece := source.read(1 << 20):
                yield piece

        return self.write_blob(file_id, pieces())

    def read_blob(self, file_id: str) -> bytes:
        return self.blob_path(file_id).read_bytes()

    def delete_blob(self, file_id: str) -> None:
        self.blob_path(file_id).unlink(missing_ok=True)

    # -- chunk texts -------------------------------------------------------------------------
    def _chunk_path(self, vector_store_id: str, file_id: str) -> Path:
        return self._chunks / vector_store_id / f"{file_id}.json"

    def write_chunks(self, vector_store_id: str, file_id: str, texts: list[str]) -> None:
        self._chunk_cache[(vector_store_id, file_id)] = texts
        if self._temporary:
            return
        path = self._chunk_path(vector_store_id, file_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(texts, f)
            self._sync(f)
        os.replace(tmp, path)

    def read_chunks(self, vector_store_id: str, file_id: str) -> list[str]:
        key = (vector_store_id, file_id)
        texts = self._chunk_cache.get(key)
        if texts is None:
            path = self._chunk_path(vector_store_id, file_id)
            try:
                texts = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:  # a file that did not complete has no chunks
                texts = []
            except (ValueError, UnicodeDecodeError) as exc:
                raise DamagedState(
                    path, f"unreadable chunk texts: {exc}", data_dir=self.root
                ) from None
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                raise DamagedState(path, "not a list of chunk texts", data_dir=self.root)
            self._chunk_cache[key] = texts
        return texts

    def delete_chunks(self, vector_store_id: str, file_id: str) -> None:
        self._chunk_cache.pop((vector_store_id, file_id), None)
        if not self._temporary:
            self._chunk_path(vector_store_id, file_id).unlink(missing_ok=True)

    def delete_store_chunks(self, vector_store_id: str) -> None:
        for key in [k for k in self._chunk_cache if k[0] == vector_store_id]:
            del self._chunk_cache[key]
        shutil.rmtree(self._chunks / vector_store_id, ignore_errors=True)

    # -- recovery ----------------------------------------------------------------------------
    def sweep(self, files: set[str], chunks: set[tuple[str, str]]) -> None:
        """Remove what no record refers to: left by a crash between writing bytes and
        recording them (or between forgetting a record and deleting its bytes), or a
        half-written ``.part``. ``files``: live file ids; ``chunks``: live (store, file)."""
        with os.scandir(self._blobs) as entries:
            for entry in entries:
                if entry.name not in files:
                    _remove(entry)
        with os.scandir(self._chunks) as stores:
            for store in stores:
                if not store.is_dir(follow_symlinks=False):
                    _remove(store)
                    continue
                with os.scandir(store.path) as entries:
                    for entry in entries:
                        file_id = entry.name.removesuffix(".json")
                        if not entry.name.endswith(".json") or (store.name, file_id) not in chunks:
                            _remove(entry)
                if not any(os.scandir(store.path)):
                    os.rmdir(store.path)

    # -- lifecycle ---------------------------------------------------------------------------
    def clear(self) -> None:
        self._chunk_cache.clear()
        for folder in (self._blobs, self._chunks):
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)

    def close(self) -> None:
        if self._temporary:
            shutil.rmtree(self.root, ignore_errors=True)

    def _sync(self, f: IO[Any]) -> None:
        if self._fsync:
            f.flush()
            os.fsync(f.fileno())


def _remove(entry: os.DirEntry[str]) -> None:
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path, ignore_errors=True)
    else:
        os.unlink(entry.path)
