"""The file storage interface: what evidence, packs and job results ask of wherever files are kept.

A store saves a stream under a key it generates (uuid4 hex), measuring it and computing its SHA-256 as the
bytes go by, refusing it once it passes a size limit and letting the caller check its content before the
file is published under its key: a refused file is never visible in the store. Stores open a key for
reading in chunks, delete, copy, say whether a key exists and how big it is, write a file under a key it
was given (restores), and list what they hold with its time and size, including what an upload cut off half
way left behind (``incoming/<key>.part``), for checking storage against the database.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

CHUNK_BYTES = 1024 * 1024
_KEY = re.compile(r"[0-9a-f]{32}")
_LEFTOVER = re.compile(r"incoming/([0-9a-f]{32})\.part")


class StoreUnavailable(Exception):
    """The store could not be reached or refused the operation (disk full, network, credentials)."""


class TooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"file is larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Saved:
    key: str
    size: int
    sha256: str
    checked: Any = None  # what the caller's check returned (the content type of an evidence file)


def new_key() -> str:
    return uuid.uuid4().hex


def check_key(key: str) -> str:
    """Only a generated key is accepted, so no stored value can name a path or another object."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError("not a storage key")
    return key


def leftover_name(key: str) -> str:
    """How a store names what an upload of ``key`` left behind when it was cut off (never a row's key)."""
    return f"incoming/{check_key(key)}.part"


def leftover_key(name: str) -> str | None:
    """The key a leftover upload was for, or None when ``name`` is not a leftover's name."""
    found = _LEFTOVER.fullmatch(name) if isinstance(name, str) else None
    return found.group(1) if found else None


@dataclass(frozen=True)
class StoredObject:
    """One thing a store holds: a stored file under its key, or a leftover upload under its leftover name."""

    key: str
    modified_at: datetime  # UTC
    size: int


class Reader:
    """A stored file being read: ``read(size)``, ``close()``, and ``with`` closes it."""

    def read(self, size: int = -1) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def copy_measured(stream: BinaryIO, out: BinaryIO, max_bytes: int | None) -> tuple[int, str]:
    """Copy ``stream`` into ``out`` a chunk at a time; the size and SHA-256 of what was copied."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK_BYTES):
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise TooLarge(max_bytes)
        digest.update(chunk)
        out.write(chunk)
    out.flush()
    return size, digest.hexdigest()


Check = Callable[[BinaryIO], Any]


class FileStore(ABC):
    """Where files live. Every method takes or returns generated keys only."""

    name: str

    @abstractmethod
    def save(self, stream: BinaryIO, *, max_bytes: int | None = None, check: Check | None = None) -> Saved:
        """Store ``stream``; ``check`` gets a seekable copy before it is published and may raise to refuse it.

        Raises TooLarge, whatever ``check`` raises, or StoreUnavailable; nothing is left behind then."""

    @abstractmethod
    def put(self, key: str, stream: BinaryIO) -> None:
        """Store ``stream`` under ``key`` (a restore putting back a file its row names), replacing what the key
        held; the key names the whole file or, if this fails, what it named before."""

    @abstractmethod
    def open(self, key: str) -> Reader:
        """A reader of the stored bytes; FileNotFoundError if it is missing."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file, or the leftover upload a ``leftover_name`` names; nothing happens if it is gone."""

    @abstractmethod
    def copy(self, key: str) -> str:
        """A new key holding the same bytes."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The stored size in bytes, or None when the key is missing."""

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    @abstractmethod
    def list_stored(self) -> Iterator[StoredObject]:
        """Every stored file, and every leftover of an upload cut off half way (under its leftover name)."""

    def list_keys(self) -> Iterator[tuple[str, datetime]]:
        """Every stored key (leftovers left out) with the (UTC) time it was stored."""
        for stored in self.list_stored():
            if leftover_key(stored.key) is None:
                yield stored.key, stored.modified_at

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the store can be used now (for /readyz)."""

    def read_bytes(self, key: str) -> bytes:
        reader = self.open(key)
        try:
            return reader.read()
        finally:
            reader.close()
