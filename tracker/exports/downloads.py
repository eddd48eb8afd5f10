"""Sending a generated file (an Excel workbook) as a download: written to a temporary file on disk, then read
out in chunks by the response, and removed when the response closes.

No file stays open between reads (each chunk opens, reads and closes it), so a response that is never read
to its end (a HEAD request, a client that goes away) holds no file open; the file is removed then too, when
the response is dropped.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import weakref
from collections.abc import Callable
from typing import BinaryIO

from flask import Response, request
from werkzeug.wsgi import wrap_file


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


CHUNK_BYTES = 256 * 1024


class TemporaryDownload:
    def __init__(self, path: str):
        self.path = path
        self._offset = 0
        self._done = False
        self._removal = weakref.finalize(self, _remove, path)

    def read(self, size: int = -1) -> bytes:
        if self._done:
            return b""
        with open(self.path, "rb") as source:
            source.seek(self._offset)
            data = source.read(size)
        self._offset += len(data)
        if size < 0 or len(data) < size:
            self.close()
        return data

    def close(self) -> None:
        self._done = True
        self._removal()


def temporary_download(write: Callable[[BinaryIO], None], filename: str, mimetype: str) -> Response:
    """``write`` fills the file; the response streams it as an attachment named ``filename``."""
    handle, path = tempfile.mkstemp(prefix="tracker-download-")
    try:
        with os.fdopen(handle, "wb") as target:
            write(target)
    except BaseException:
        _remove(path)
        raise
    size = os.path.getsize(path)
    response = Response(
        wrap_file(request.environ, TemporaryDownload(path), CHUNK_BYTES), mimetype=mimetype, direct_passthrough=True
    )
    response.content_length = size
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
