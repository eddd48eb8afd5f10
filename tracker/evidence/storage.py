"""Evidence files on disk: streamed in, checked, stored under a generated key, and tied to the transaction.

Uploads through the evidence pages are written into the storage folder and hashed while the request body
is parsed (``incoming.py``), then only checked and renamed here; any other stream is copied in chunks (never
read whole into memory) into a temporary file inside the storage folder, hashed (SHA-256) and measured as
they go. A file that passes the per-file limit is refused as soon
as it does; a file whose content is not on the allowlist (``filetypes``) is refused once it is written; a
refused or failed file is removed at once. An accepted file is renamed to a random key (uuid4), in a
folder outside ``static``. The name the person's computer gave it is kept only as cleaned metadata.

A stored file belongs to the database transaction that records it: if that transaction does not commit
(a refused field, a failed flush or commit, an error), the files stored in it are removed, so the disk
never holds files the database does not know of.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from tracker.errors_domain import DomainError
from tracker.evidence import filetypes
from tracker.evidence.incoming import IncomingFile

log = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
DIR_MODE = 0o750
FILE_MODE = 0o640
DEFAULT_MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_NAME_LENGTH = 255
INCOMING = "incoming"
_KEY = re.compile(r"[0-9a-f]{32}")
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,16}")
_PENDING = "tracker.evidence.uncommitted_files"


@dataclass(frozen=True)
class StoredFile:
    key: str
    original_name: str
    content_type: str
    size: int
    sha256: str


class FileTooLarge(DomainError):
    def __init__(self, limit: int):
        super().__init__(too_large_message(limit), field="files")


class StorageFailed(DomainError):
    def __init__(self):
        super().__init__(
            "The selected file could not be saved. Try again later, and if it keeps happening, contact support",
            field="files",
        )


# Settings and words ----------------------------------------------------------------------------------------


def storage_root() -> Path:
    return Path(current_app.config["EVIDENCE_STORAGE_DIR"])


def max_file_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def size_in_words(size: int) -> str:
    """25 MB, 1.5 MB, 300 KB, 12 bytes."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            figure = size / factor
            text = f"{figure:.0f}" if figure >= 10 or figure == int(figure) else f"{figure:.1f}"
            return f"{text} {unit}"
    return f"{size} byte{'s' if size != 1 else ''}"


def too_large_message(limit: int) -> str:
    return f"The selected file must be smaller than {size_in_words(limit)}"


def clean_name(raw: str | None) -> str:
    """The original file name as safe metadata: NFC, the last path part only, no control, line-break or
    direction-changing characters, no leading or trailing dots and spaces, at most 255 characters, and
    "file" (with the extension) when nothing is left."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith(("C", "Zl", "Zp")))
    name = " ".join(name.split())
    stem, dot, extension = name.rpartition(".")
    if not dot or not _EXTENSION.fullmatch(extension):
        stem, extension = name, ""
    extension = f".{extension}" if extension else ""
    stem = stem.strip(" .")[: MAX_NAME_LENGTH - len(extension)].rstrip(" .") or "file"
    return unicodedata.normalize("NFC", stem + extension)


# Saving, opening and removing -----------------------------------------------------------------------------


def path_for(key: str, root: Path | None = None) -> Path:
    """Where a stored file lives. Only a generated key is accepted, so no stored value can name a path."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("not an evidence storage key")
    return Path(root or storage_root()) / key[:2] / key


def _make_dir(path: Path) -> None:
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(DIR_MODE)


def save_upload(session: Session, upload, *, root: Path | None = None, max_bytes: int | None = None) -> StoredFile:
    """Stream a werkzeug ``FileStorage`` (or anything with ``filename`` and ``stream``) into storage.

    Raises FileTooLarge, filetypes.FileTypeRefused or StorageFailed, leaving nothing behind. The stored
    file is removed again if ``session``'s transaction does not commit.
    """
    root = Path(root or storage_root())
    limit = max_file_bytes() if max_bytes is None else max_bytes
    name = clean_name(getattr(upload, "filename", None))
    received = getattr(upload, "stream", None)
    if isinstance(received, IncomingFile) and received.root == root:
        return _adopt(session, received, name, limit)
    key = uuid.uuid4().hex
    incoming = root / INCOMING
    temporary = incoming / f"{key}.part"
    try:
        _make_dir(incoming)
        descriptor = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except OSError:
        log.exception("Could not create an evidence file in %s", incoming)
        raise StorageFailed() from None
    try:
        with os.fdopen(descriptor, "w+b") as out:
            os.fchmod(out.fileno(), FILE_MODE)
            digest, size = hashlib.sha256(), 0
            while chunk := upload.stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise FileTooLarge(limit)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            content_type = filetypes.identify(name, out)
            os.fsync(out.fileno())
        final = path_for(key, root)
        _make_dir(final.parent)
        os.replace(temporary, final)
    except DomainError as refused:
        temporary.unlink(missing_ok=True)
        log.warning("Evidence upload %r refused: %s", name, refused.message)
        raise
    except OSError:
        temporary.unlink(missing_ok=True)
        log.exception("Could not store an evidence file in %s", root)
        raise StorageFailed() from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _remove_unless_committed(session, final)
    return StoredFile(key=key, original_name=name, content_type=content_type, size=size, sha256=digest.hexdigest())


def _adopt(session: Session, received: IncomingFile, name: str, limit: int) -> StoredFile:
    """An upload already written into storage and hashed while the request was read (``incoming.py``):
    check it and move it to its key, with the same refusals as ``save_upload``."""
    try:
        if received.too_large or received.size > limit:
            raise FileTooLarge(limit)
        received.file.flush()
        content_type = filetypes.identify(name, received.file)
        os.fsync(received.file.fileno())
        final = path_for(received.key, received.root)
        _make_dir(final.parent)
        os.replace(received.path, final)
        received.adopted = True
    except DomainError as refused:
        received.path.unlink(missing_ok=True)
        log.warning("Evidence upload %r refused: %s", name, refused.message)
        raise
    except OSError:
        received.path.unlink(missing_ok=True)
        log.exception("Could not store an evidence file in %s", received.root)
        raise StorageFailed() from None
    _remove_unless_committed(session, final)
    return StoredFile(
        key=received.key, original_name=name, content_type=content_type, size=received.size, sha256=received.sha256()
    )


def copy_stored(session: Session, key: str, *, root: Path | None = None) -> str:
    """A new key holding the same bytes as ``key`` (a hard link where the disk allows, else a copy), for a
    corrected version that keeps its files while the old version keeps its own."""
    source = path_for(key, root)
    new_key = uuid.uuid4().hex
    target = path_for(new_key, root)
    try:
        _make_dir(target.parent)
        try:
            os.link(source, target)
        except OSError:
            with open(source, "rb") as reader, open(target, "xb") as writer:
                shutil.copyfileobj(reader, writer, CHUNK_BYTES)
            target.chmod(FILE_MODE)
    except OSError:
        target.unlink(missing_ok=True)
        log.exception("Could not copy evidence file %s", key)
        raise StorageFailed() from None
    _remove_unless_committed(session, target)
    return new_key


class StoredReader:
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


def open_stored(key: str, root: Path | None = None) -> StoredReader:
    """The stored file, to be read in chunks. Raises FileNotFoundError when it is missing from storage."""
    path = path_for(key, root)
    if not path.is_file():
        raise FileNotFoundError(f"evidence file {key} is missing from storage")
    return StoredReader(path)


def delete_stored(key: str, root: Path | None = None) -> None:
    path_for(key, root).unlink(missing_ok=True)


# Keeping disk and database in step --------------------------------------------------------------------------


def _remove_unless_committed(session: Session, path: Path) -> None:
    session.connection()  # make sure the transaction the file belongs to has begun
    session.info.setdefault(_PENDING, []).append(path)


def uncommitted_files(session: Session) -> list[Path]:
    return list(session.info.get(_PENDING, ()))


@event.listens_for(Session, "after_commit")
def _files_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the files still depend on the outer transaction
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _files_not_committed(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    for path in session.info.pop(_PENDING, ()):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("Could not remove uncommitted evidence file %s", path)
