"""Where files are kept: the store the app's settings name (``FILE_STORAGE``: ``folder``, the default, or ``s3``).

``current_store()`` gives the app's one store, made on first use and kept on the app, so every request,
the worker and the CLI use the same one.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app

from tracker.files.base import (
    FileStore,
    Reader,
    Saved,
    StoredObject,
    StoreUnavailable,
    TooLarge,
    check_key,
    leftover_name,
)
from tracker.files.folder import FolderStore

__all__ = [
    "FileStore",
    "FolderStore",
    "Reader",
    "Saved",
    "StoreUnavailable",
    "StoredObject",
    "TooLarge",
    "check_key",
    "current_store",
    "leftover_name",
    "make_store",
]

_EXTENSION_KEY = "tracker.file_store"


def make_store(config: Mapping) -> FileStore:
    kind = (config.get("FILE_STORAGE") or "folder").strip().lower()
    if kind == "folder":
        return FolderStore(config["EVIDENCE_STORAGE_DIR"])
    if kind == "s3":
        from tracker.files.s3 import S3Store  # boto3 is loaded only when it is used

        return S3Store(
            config.get("S3_BUCKET") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
            access_key_id=config.get("S3_ACCESS_KEY_ID"),
            secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
            prefix=config.get("S3_PREFIX") or "",
            encryption=config.get("S3_SERVER_SIDE_ENCRYPTION") or "AES256",
        )
    raise ValueError(f"FILE_STORAGE must be 'folder' or 's3', not {kind!r}")


_SETTINGS = (
    "FILE_STORAGE",
    "EVIDENCE_STORAGE_DIR",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_PREFIX",
    "S3_SERVER_SIDE_ENCRYPTION",
)


def current_store() -> FileStore:
    """The store the settings name, made again only when they change (making an S3 client is slow)."""
    settings = tuple(current_app.config.get(name) for name in _SETTINGS)
    made = current_app.extensions.get(_EXTENSION_KEY)
    if made is None or made[0] != settings:
        made = current_app.extensions[_EXTENSION_KEY] = (settings, make_store(current_app.config))
    return made[1]
