"""Evidence files: streamed in, checked, stored under a generated key, and tied to the transaction.

Uploads through the evidence pages into a folder store are written and hashed while the request body
is parsed (``incoming.py``), then only checked and renamed here; any other upload is copied in chunks
(never read whole into memory) into the app's file store (``tracker.files``: a folder outside ``static``,
or an S3 bucket), hashed (SHA-256) and measured as it goes. A file that passes the per-file limit is
refused as soon as it does; a file whose content is not on the allowlist (``filetypes``) is refused
before it is published under its key; a refused or failed file leaves nothing behind. The name the
person's computer gave it is kept only as cleaned metadata.

A stored file belongs to the database transaction that records it: if that transaction does not commit
(a refused field, a failed flush or commit, an error), the files stored in it are removed, so storage
never holds files the database does not know of.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from tracker import files
from tracker.errors_domain import DomainError
from tracker.evidence import filetypes, scanning
from tracker.evidence.incoming import IncomingFile
from tracker.files.folder import DIR_MODE

log = logging.getLogger(__name__)

CHUNK_BYTES = files.base.CHUNK_BYTES
DEFAULT_MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_NAME_LENGTH = 255
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,16}")
_PENDING = "tracker.evidence.uncommitted_files"


@dataclass(frozen=True)
class StoredFile:
    key: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    checks: tuple[str, ...] = ()


class FileTooLarge(DomainError):
    status = 413  # what ``refusals.attempt`` answers with

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


def _store(root: Path | None) -> files.FileStore:
    return files.FolderStore(root) if root is not None else files.current_store()


def path_for(key: str, root: Path | None = None) -> Path:
    """Where a stored file lives in a folder store. Only a generated key is accepted."""
    return files.FolderStore(root or storage_root()).path_for(key)


def _checked(name: str, stored) -> tuple[filetypes.Verdict, list[str]]:
    """The content check, then the virus scan (when one is configured), of a stored copy before it is published."""
    verdict = filetypes.inspect(name, stored)
    return verdict, scanning.check(stored)


def _adopt(session: Session, store: files.FolderStore, received: IncomingFile, name: str, limit: int) -> StoredFile:
    """An upload already written into the folder store and hashed while the request was read (``incoming.py``):
    check it and move it to its key, with the same refusals as ``save_upload``."""
    try:
        if received.too_large or received.size > limit:
            raise FileTooLarge(limit)
        received.file.flush()
        verdict, scanned = _checked(name, received.file)
        os.fsync(received.file.fileno())
        final = store.path_for(received.key)
        if not final.parent.is_dir():
            final.parent.mkdir(parents=True, exist_ok=True)
            final.parent.chmod(DIR_MODE)
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
    _remove_unless_committed(session, store, received.key)
    return StoredFile(
        key=received.key,
        original_name=name,
        content_type=verdict.content_type,
        size=received.size,
        sha256=received.sha256(),
        checks=(*verdict.checks, *scanned),
    )


def save_upload(session: Session, upload, *, root: Path | None = None, max_bytes: int | None = None) -> StoredFile:
    """Stream a werkzeug ``FileStorage`` (or anything with ``filename`` and ``stream``) into storage.

    Raises FileTooLarge, filetypes.FileTypeRefused or StorageFailed, leaving nothing behind. The stored
    file is removed again if ``session``'s transaction does not commit. ``root`` names a folder store in
    place of the app's store.
    """
    store = _store(root)
    limit = max_file_bytes() if max_bytes is None else max_bytes
    name = clean_name(getattr(upload, "filename", None))
    received = getattr(upload, "stream", None)
    if isinstance(received, IncomingFile) and isinstance(store, files.FolderStore) and received.root == store.root:
        return _adopt(session, store, received, name, limit)
    try:
        saved = store.save(upload.stream, max_bytes=limit, check=lambda stored: _checked(name, stored))
    except files.TooLarge:
        log.warning("Evidence upload %r refused: larger than %s bytes", name, limit)
        raise FileTooLarge(limit) from None
    except DomainError as refused:
        log.warning("Evidence upload %r refused: %s", name, refused.message)
        raise
    except files.StoreUnavailable:
        log.exception("Could not store an evidence file in %s storage", store.name)
        raise StorageFailed() from None
    _remove_unless_committed(session, store, saved.key)
    return StoredFile(
        key=saved.key,
        original_name=name,
        content_type=saved.checked[0].content_type,
        size=saved.size,
        sha256=saved.sha256,
        checks=(*saved.checked[0].checks, *saved.checked[1]),
    )


def copy_stored(session: Session, key: str, *, root: Path | None = None) -> str:
    """A new key holding the same bytes as ``key``, for a corrected version that keeps its files while the
    old version keeps its own."""
    store = _store(root)
    try:
        new_key = store.copy(key)
    except files.StoreUnavailable:
        log.exception("Could not copy evidence file %s", key)
        raise StorageFailed() from None
    _remove_unless_committed(session, store, new_key)
    return new_key


def open_stored(key: str, root: Path | None = None):
    """The stored file, to be read in chunks. Raises FileNotFoundError when it is missing from storage."""
    return _store(root).open(key)


def delete_stored(key: str, root: Path | None = None) -> None:
    _store(root).delete(key)


# Keeping storage and database in step -----------------------------------------------------------------------


def _remove_unless_committed(session: Session, store: files.FileStore, key: str) -> None:
    session.connection()  # make sure the transaction the file belongs to has begun
    session.info.setdefault(_PENDING, []).append((store, key))


def uncommitted_files(session: Session) -> list[str]:
    return [key for _store_, key in session.info.get(_PENDING, ())]


@event.listens_for(Session, "after_commit")
def _files_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the files still depend on the outer transaction
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _files_not_committed(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    for store, key in session.info.pop(_PENDING, ()):
        try:
            store.delete(key)
        except (OSError, files.StoreUnavailable):
            log.exception("Could not remove uncommitted evidence file %s", key)
