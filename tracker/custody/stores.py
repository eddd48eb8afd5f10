"""What backups and the storage check need from wherever evidence files are kept, and that for the folder on disk.

The interface is small on purpose (list keys with their times, open, exists, delete), so that an object store
(a bucket) can stand in for the folder with an adapter of a few lines.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from tracker.evidence import storage
from tracker.files.folder import DIR_MODE, FILE_MODE, INCOMING

_KEY = re.compile(r"[0-9a-f]{32}")
_PART = re.compile(r"incoming/[0-9a-f]{32}\.part")


@dataclass(frozen=True)
class StoredObject:
    key: str
    modified_at: datetime  # UTC
    size: int


class EvidenceStore(Protocol):
    """Where evidence files live. Keys are the ``storage_key`` column's values; a store may also list keys
    that can never be a row's (an upload cut off half way), which the storage check treats as orphans."""

    def list(self) -> Iterator[StoredObject]: ...

    def exists(self, key: str) -> bool: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def put(self, key: str, source: BinaryIO) -> None: ...


class FolderStore:
    """The evidence folder on disk (``EVIDENCE_STORAGE_DIR``), laid out by ``tracker.evidence.storage``."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if _PART.fullmatch(key):
            return self.root / key
        return storage.path_for(key, self.root)

    def list(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if folder.name == INCOMING:
                    key = f"{INCOMING}/{path.name}"
                    if not _PART.fullmatch(key):
                        continue
                elif _KEY.fullmatch(path.name) and path.name[:2] == folder.name:
                    key = path.name
                else:
                    continue
                try:
                    info = path.stat()
                except FileNotFoundError:
                    continue  # removed while we looked
                # A hard link (a correction keeping its file) keeps the old mtime but sets ctime: take the later.
                changed = max(info.st_mtime, info.st_ctime)
                yield StoredObject(key, datetime.fromtimestamp(changed, UTC), info.st_size)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def put(self, key: str, source: BinaryIO) -> None:
        """Write a file under ``key`` (restores), through a temporary name so a cut-off copy is never taken
        for the file."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.parent.chmod(DIR_MODE)
        temporary = target.with_name(target.name + ".restoring")
        with open(temporary, "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE)
            while chunk := source.read(storage.CHUNK_BYTES):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)


def configured_store(config) -> EvidenceStore:
    return FolderStore(config["EVIDENCE_STORAGE_DIR"])
