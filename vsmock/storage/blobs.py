"""File bytes and chunk texts, kept beside the database rather than inside it.

Blobs are named by the File's id (never by the client's filename). Chunks are the
extracted text of one file in one vector store, as a JSON list; in memory mode they are
only kept in memory. Everything else lives under a private temporary directory in
memory mode.

The name of a file on disk says where it stands, so that a restart after a crash knows
what to do with it without trusting anything else:

* ``X.part``: written, not yet recorded. An operation stages its bytes this way, then
  records them in the database, then *publishes* them (renames them to ``X``).
* ``X``: recorded. A blob or chunk file that no record refers to is damage (for example
  a log that lost its lines), never swept: startup stops and names it.
* ``X.deleted``: *retired* before the record's deletion is written, *purged* after.

:meth:`BlobStore.recover` settles what a crash left between those steps, given the
records: a ``.part`` whose record exists is published (it was complete before the record
was written), any other ``.part`` is removed; a ``.deleted`` whose record still exists is
restored, any other is removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from vsmock.storage.tinydb_adapter import DamagedState

PART = ".part"
STAGED = "upload-"  # an upload being copied in, before its File has an id
DELETED = ".deleted"
CHUNKS_SUFFIX = ".json"


@dataclass(frozen=True)
class Upload:
    """Bytes staged by :meth:`BlobStore.stage_upload`, not yet any File's."""

    path: Path
    size: int


class BlobMissing(Exception):
    """A recorded file's bytes are gone from the data directory (removed behind our back)."""

    def __init__(self, path: Path):
        super().__init__(str(path))
        self.path = path


@dataclass
class Findings:
    """What :meth:`BlobStore.recover` found that it must not settle by itself."""

    orphans: list[Path] = field(default_factory=list)  # on disk, no record refers to it
    missing: list[Path] = field(default_factory=list)  # recorded, not on disk

    def __bool__(self) -> bool:
        return bool(self.orphans or self.missing)


class BlobStore:
    def __init__(self, directory: str | os.PathLike[str] | None, *, fsync: bool = False):
        self._temporary = directory is None
        self._fsync = fsync
        base = Path(tempfile.mkdtemp(prefix="vsmock-")) if directory is None else Path(directory)
        self.root = base
        self._blobs = base / "blobs"
        self._chunks = base / "chunks"
        for folder in (self._blobs, self._chunks):
            if os.path.lexists(folder) and not folder.is_dir():
                raise DamagedState(folder, "it is not a directory", data_dir=base)
            folder.mkdir(parents=True, exist_ok=True)
        # Chunk texts in memory, as on disk: the recorded ones, and the retired ones (kept
        # until purged, so that an operation that fails can restore them).
        self._chunk_cache: dict[tuple[str, str], list[str]] = {}
        self._retired: dict[tuple[str, str], list[str]] = {}

    # -- file bytes --------------------------------------------------------------------------
    def blob_path(self, file_id: str) -> Path:
        return self._blobs / file_id

    def stage_upload(self, source: BinaryIO) -> Upload:
        """Copy ``source`` in under a temporary name (``upload-….part``), before the File
        has an id: the copy of a large upload needs no lock. :meth:`claim_upload` names it."""
        path = self._blobs / f"{STAGED}{secrets.token_hex(12)}{PART}"
        size = 0
        try:
            with open(path, "wb") as f:
                while piece := source.read(1 << 20):
                    f.write(piece)
                    size += len(piece)
                self._sync(f)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Upload(path, size)

    def claim_upload(self, upload: Upload, file_id: str) -> int:
        """The staged upload becomes ``X.part`` for File ``X``; returns its size."""
        os.replace(upload.path, self._blobs / (file_id + PART))
        return upload.size

    def discard_upload(self, upload: Upload) -> None:
        upload.path.unlink(missing_ok=True)

    def publish_blob(self, file_id: str) -> None:
        os.replace(self._blobs / (file_id + PART), self.blob_path(file_id))

    def discard_blob(self, file_id: str) -> None:
        (self._blobs / (file_id + PART)).unlink(missing_ok=True)

    def retire_blob(self, file_id: str) -> None:
        _rename_if_present(self.blob_path(file_id), self._blobs / (file_id + DELETED))

    def restore_blob(self, file_id: str) -> None:
        _rename_if_present(self._blobs / (file_id + DELETED), self.blob_path(file_id))

    def purge_blob(self, file_id: str) -> None:
        (self._blobs / (file_id + DELETED)).unlink(missing_ok=True)

    def open_blob(self, file_id: str) -> BinaryIO:
        try:
            return open(self.blob_path(file_id), "rb")
        except FileNotFoundError:
            raise BlobMissing(self.blob_path(file_id)) from None

    def read_blob(self, file_id: str) -> bytes:
        with self.open_blob(file_id) as f:
            return f.read()

    # -- chunk texts -------------------------------------------------------------------------
    def _chunk_path(self, vector_store_id: str, file_id: str, suffix: str = "") -> Path:
        return self._chunks / vector_store_id / f"{file_id}{CHUNKS_SUFFIX}{suffix}"

    def stage_chunks(self, vector_store_id: str, file_id: str, texts: list[str]) -> None:
        self._chunk_cache[(vector_store_id, file_id)] = texts
        if self._temporary:
            return
        path = self._chunk_path(vector_store_id, file_id, PART)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(texts, f)
            self._sync(f)

    def publish_chunks(self, vector_store_id: str, file_id: str) -> None:
        if not self._temporary:
            os.replace(
                self._chunk_path(vector_store_id, file_id, PART),
                self._chunk_path(vector_store_id, file_id),
            )

    def discard_chunks(self, vector_store_id: str, file_id: str) -> None:
        self._chunk_cache.pop((vector_store_id, file_id), None)
        if not self._temporary:
            self._chunk_path(vector_store_id, file_id, PART).unlink(missing_ok=True)

    def retire_chunks(self, vector_store_id: str, file_id: str) -> None:
        self._move_chunks((vector_store_id, file_id), retire=True)

    def restore_chunks(self, vector_store_id: str, file_id: str) -> None:
        self._move_chunks((vector_store_id, file_id), retire=False)

    def _move_chunks(self, key: tuple[str, str], *, retire: bool) -> None:
        """Retire a file's chunk texts (to ``….deleted``, and aside in memory), or restore
        them."""
        source, target = self._chunk_cache, self._retired
        if not retire:
            source, target = target, source
        texts = source.pop(key, None)
        if texts is not None:
            target[key] = texts
        if not self._temporary:
            live, gone = self._chunk_path(*key), self._chunk_path(*key, DELETED)
            _rename_if_present(*((live, gone) if retire else (gone, live)))

    def purge_chunks(self, vector_store_id: str, file_id: str) -> None:
        self._retired.pop((vector_store_id, file_id), None)
        if not self._temporary:
            self._chunk_path(vector_store_id, file_id, DELETED).unlink(missing_ok=True)

    def retire_store(self, vector_store_id: str) -> None:
        for key in [k for k in self._chunk_cache if k[0] == vector_store_id]:
            self._retired[key] = self._chunk_cache.pop(key)
        if not self._temporary:
            _rename_if_present(
                self._chunks / vector_store_id, self._chunks / (vector_store_id + DELETED)
            )

    def restore_store(self, vector_store_id: str) -> None:
        for key in [k for k in self._retired if k[0] == vector_store_id]:
            self._chunk_cache[key] = self._retired.pop(key)
        if not self._temporary:
            _rename_if_present(
                self._chunks / (vector_store_id + DELETED), self._chunks / vector_store_id
            )

    def purge_store(self, vector_store_id: str) -> None:
        for key in [k for k in self._retired if k[0] == vector_store_id]:
            del self._retired[key]
        if not self._temporary:
            shutil.rmtree(self._chunks / (vector_store_id + DELETED), ignore_errors=True)

    def read_chunks(self, vector_store_id: str, file_id: str) -> list[str]:
        """The chunk texts of a file whose chunks were recorded (cached after the first read)."""
        key = (vector_store_id, file_id)
        texts = self._chunk_cache.get(key)
        if texts is None:
            path = self._chunk_path(vector_store_id, file_id)
            try:
                texts = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise BlobMissing(path) from None
            except (ValueError, UnicodeDecodeError, RecursionError, OSError) as exc:
                raise DamagedState(
                    path, f"unreadable chunk texts: {exc}", data_dir=self.root
                ) from None
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                raise DamagedState(path, "not a list of chunk texts", data_dir=self.root)
            self._chunk_cache[key] = texts
        return texts

    # -- recovery ----------------------------------------------------------------------------
    def recover(self, files: set[str], chunks: set[tuple[str, str]]) -> Findings:
        """Settle what a crash left (see the module docstring) and report what is wrong.

        ``files``: the recorded file ids; ``chunks``: the (store, file) pairs whose chunks
        are recorded. Nothing the records do not account for is removed: it is reported.
        """
        findings = Findings()
        for entry in _entries(self._blobs):
            name = entry.name
            if name.endswith(PART):
                file_id = name[: -len(PART)]
                if file_id in files and not self.blob_path(file_id).exists():
                    self.publish_blob(file_id)
                else:
                    _remove(entry)
            elif name.endswith(DELETED):
                file_id = name[: -len(DELETED)]
                if file_id in files and not self.blob_path(file_id).exists():
                    self.restore_blob(file_id)
                else:
                    _remove(entry)
            elif name not in files or not entry.is_file(follow_symlinks=False):
                findings.orphans.append(Path(entry.path))
        findings.missing += [self.blob_path(f) for f in sorted(files) if not self._has_blob(f)]
        if self._temporary:
            return findings
        stores = {store for store, _ in chunks}
        for entry in _entries(self._chunks):
            name = entry.name
            if name.endswith(DELETED):
                store = name[: -len(DELETED)]
                if store in stores and not (self._chunks / store).exists():
                    self.restore_store(store)
                else:
                    _remove(entry)
        for entry in _entries(self._chunks):
            if not entry.is_dir(follow_symlinks=False):
                findings.orphans.append(Path(entry.path))
                continue
            for item in _entries(Path(entry.path)):
                self._recover_chunks(entry.name, item, chunks, findings)
            if not any(os.scandir(entry.path)) and entry.name not in stores:
                os.rmdir(entry.path)  # an empty folder of a store gone
        findings.missing += [
            self._chunk_path(store, file_id)
            for store, file_id in sorted(chunks)
            if not self._chunk_path(store, file_id).is_file()
        ]
        return findings

    def _recover_chunks(
        self, store: str, item: os.DirEntry[str], chunks: set[tuple[str, str]], findings: Findings
    ) -> None:
        name = item.name
        for suffix, settle in ((PART, self.publish_chunks), (DELETED, self.restore_chunks)):
            if name.endswith(CHUNKS_SUFFIX + suffix):
                file_id = name[: -len(CHUNKS_SUFFIX + suffix)]
                if (store, file_id) in chunks and not self._chunk_path(store, file_id).exists():
                    settle(store, file_id)
                else:
                    _remove(item)
                return
        file_id = name.removesuffix(CHUNKS_SUFFIX)
        if not name.endswith(CHUNKS_SUFFIX) or (store, file_id) not in chunks:
            findings.orphans.append(Path(item.path))

    def _has_blob(self, file_id: str) -> bool:
        return self.blob_path(file_id).is_file()

    # -- lifecycle ---------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget every File's bytes and every chunk list. Uploads being staged are left:
        each belongs to a request in flight, which names it or discards it itself."""
        self._chunk_cache.clear()
        self._retired.clear()
        for folder in (self._blobs, self._chunks):
            for entry in _entries(folder):
                if not entry.name.startswith(STAGED):
                    _remove(entry)

    def close(self) -> None:
        if self._temporary:
            shutil.rmtree(self.root, ignore_errors=True)

    def _sync(self, f: IO[Any]) -> None:
        if self._fsync:
            f.flush()
            os.fsync(f.fileno())


def _entries(folder: Path) -> Iterable[os.DirEntry[str]]:
    with os.scandir(folder) as entries:
        return sorted(entries, key=lambda e: e.name)


def _rename_if_present(source: Path, target: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.replace(source, target)


def _remove(entry: os.DirEntry[str]) -> None:
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path, ignore_errors=True)
    else:
        os.unlink(entry.path)
