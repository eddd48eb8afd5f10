"""Files in a folder on the server's own disk: the embedded default, for one machine.

Files are written as ``incoming/<key>.part`` (mode 0640), checked, synced, then renamed to ``<key[:2]>/<key>``
outside ``static``, so a key either names a whole, checked file or nothing; a ``.part`` a crash left behind
is listed as a leftover for the storage check to find.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from tracker.files.base import (
    CHUNK_BYTES,
    Check,
    FileStore,
    Reader,
    Saved,
    StoredObject,
    StoreUnavailable,
    check_key,
    copy_measured,
    leftover_key,
    leftover_name,
    new_key,
)

log = logging.getLogger(__name__)

DIR_MODE = 0o750
FILE_MODE = 0o640
INCOMING = "incoming"


class LazyReader(Reader):
    """A stored file for a download: opened at the first read, closed at its end or with the response,
    whichever comes first. A response that is never read (a HEAD request) holds no file open."""

    def __init__(self, path: Path):
        self.path = path
        self._file: BinaryIO | None = None
        self._done = False

    def read(self, size: int = -1) -> bytes:
        if self._done:
            return b""
        if self._file is None:
            self._file = open(self.path, "rb")  # noqa: SIM115 - closed at the end of the file or by close()
        data = self._file.read(size)
        if size < 0 or len(data) < size:
            self.close()
        return data

    def close(self) -> None:
        self._done = True
        if self._file is not None:
            self._file.close()


def _is_key(name: str) -> bool:
    try:
        check_key(name)
    except ValueError:
        return False
    return True


def _make_dir(path: Path) -> None:
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(DIR_MODE)


class FolderStore(FileStore):
    name = "folder"

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_for(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key

    def save(self, stream: BinaryIO, *, max_bytes: int | None = None, check: Check | None = None) -> Saved:
        return self._write(new_key(), stream, max_bytes, check)

    def put(self, key: str, stream: BinaryIO) -> None:
        (self.root / leftover_name(key)).unlink(missing_ok=True)  # what an earlier, cut-off restore left
        self._write(key, stream, None, None)

    def _write(self, key: str, stream: BinaryIO, max_bytes: int | None, check: Check | None) -> Saved:
        incoming = self.root / INCOMING
        temporary = self.root / leftover_name(key)
        try:
            _make_dir(incoming)
            descriptor = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except OSError as failed:
            log.exception("Could not create a file in %s", incoming)
            raise StoreUnavailable(str(failed)) from None
        try:
            with os.fdopen(descriptor, "w+b") as out:
                os.fchmod(out.fileno(), FILE_MODE)
                size, sha256 = copy_measured(stream, out, max_bytes)
                checked = check(out) if check else None
                os.fsync(out.fileno())
            final = self.path_for(key)
            _make_dir(final.parent)
            os.replace(temporary, final)
        except OSError as failed:
            temporary.unlink(missing_ok=True)
            log.exception("Could not store a file in %s", self.root)
            raise StoreUnavailable(str(failed)) from None
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return Saved(key=key, size=size, sha256=sha256, checked=checked)

    def open(self, key: str) -> LazyReader:
        path = self.path_for(key)
        if not path.is_file():
            raise FileNotFoundError(f"file {key} is missing from storage")
        return LazyReader(path)

    def delete(self, key: str) -> None:
        leftover = leftover_key(key)
        path = self.root / leftover_name(leftover) if leftover else self.path_for(key)
        path.unlink(missing_ok=True)

    def copy(self, key: str) -> str:
        # A hard link where the disk allows: a corrected evidence version keeps its files at no cost.
        source, copied = self.path_for(key), new_key()
        target = self.path_for(copied)
        try:
            _make_dir(target.parent)
            try:
                os.link(source, target)
            except OSError:
                with open(source, "rb") as reader, open(target, "xb") as writer:
                    shutil.copyfileobj(reader, writer, CHUNK_BYTES)
                target.chmod(FILE_MODE)
        except OSError as failed:
            target.unlink(missing_ok=True)
            log.exception("Could not copy file %s", key)
            raise StoreUnavailable(str(failed)) from None
        return copied

    def size(self, key: str) -> int | None:
        try:
            return os.stat(self.path_for(key)).st_size
        except OSError:
            return None

    def list_stored(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if folder.name == INCOMING:
                    name = f"{INCOMING}/{path.name}"
                    if leftover_key(name) is None:
                        continue
                elif path.name[:2] == folder.name and _is_key(path.name):
                    name = path.name
                else:
                    continue
                try:
                    info = path.stat()
                except FileNotFoundError:
                    continue  # removed while we looked
                # A hard link (a copy keeping its file) keeps the old mtime but sets ctime: take the later.
                changed = max(info.st_mtime, info.st_ctime)
                yield StoredObject(name, datetime.fromtimestamp(changed, UTC), info.st_size)

    def ping(self) -> None:
        try:
            _make_dir(self.root)
            if not os.access(self.root, os.W_OK):
                raise StoreUnavailable("storage folder is not writable")
        except OSError as failed:
            raise StoreUnavailable(str(failed)) from None
