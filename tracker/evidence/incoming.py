"""Evidence uploads in one pass: the request body's file parts are written straight into the storage
folder and hashed as the form parser hands them over, so a file is written once and never read back.

Werkzeug's form parser asks the request for a stream to write each file part into (``_get_file_stream``);
for the evidence pages, that stream is an ``IncomingFile`` in the storage folder's ``incoming`` directory,
which hashes (SHA-256) and measures what it is given. ``storage.save_upload`` then only checks and renames it
(``adopt``). A part past the per-file limit is not kept (the upload is refused with the usual message); a
part no one adopts is removed when the request ends. The parser reads the body in pieces of 256 KiB.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from pathlib import Path

from flask import Request
from werkzeug.formparser import FormDataParser, MultiPartParser

log = logging.getLogger(__name__)

# The parser's read size. Werkzeug refuses a read larger than MAX_FORM_MEMORY_SIZE (500 kB by default)
# whatever the part, so it stays below half of that.
BUFFER_BYTES = 256 * 1024
FILE_MODE = 0o640
DIR_MODE = 0o750
INCOMING = "incoming"
UPLOAD_BLUEPRINTS = {"evidence"}


class IncomingFile:
    """A file part being received: written into ``root/incoming/<key>.part``, hashed and measured on the way."""

    def __init__(self, root: Path, limit: int):
        self.key = uuid.uuid4().hex
        incoming = Path(root) / INCOMING
        if not incoming.is_dir():
            incoming.mkdir(parents=True, exist_ok=True)
            incoming.chmod(DIR_MODE)
        self.path = incoming / f"{self.key}.part"
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
        self.file = os.fdopen(descriptor, "w+b")
        self.root, self.limit = Path(root), limit
        self.digest, self.size = hashlib.sha256(), 0
        self.too_large = self.adopted = False

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.too_large:
            return len(data)
        if self.size > self.limit:
            # Refused anyway: keep receiving the body (so the page can say why) but not the bytes.
            self.too_large = True
            self.file.truncate(0)
            return len(data)
        self.digest.update(data)
        return self.file.write(data)

    def sha256(self) -> str:
        return self.digest.hexdigest()

    def __getattr__(self, name: str):
        return getattr(self.file, name)

    def close(self) -> None:
        self.file.close()
        if not self.adopted:
            self.path.unlink(missing_ok=True)


class _LargeBufferParser(FormDataParser):
    """Werkzeug's form parser, reading the body in larger pieces than its 64 KiB."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = MultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
            buffer_size=min(BUFFER_BYTES, (self.max_form_memory_size or 2 * BUFFER_BYTES) // 2),
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


def _stores_in_a_folder() -> bool:
    # Only a folder store can take a file received in place; an object store gets the usual spooled part.
    from flask import current_app

    return (current_app.config.get("FILE_STORAGE") or "folder").strip().lower() == "folder"


class StreamingUploadRequest(Request):
    form_data_parser_class = _LargeBufferParser

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if filename and self.blueprint in UPLOAD_BLUEPRINTS and _stores_in_a_folder():
            from tracker.evidence import storage

            try:
                return IncomingFile(storage.storage_root(), storage.max_file_bytes())
            except OSError:
                # save_upload reports the storage problem; the part goes to an ordinary temporary file.
                log.exception("Could not receive an evidence file into storage")
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)
