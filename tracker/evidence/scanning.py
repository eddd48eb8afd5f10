"""Optional malware scanning of uploads with ClamAV, through clamd's INSTREAM command.

Off unless ``CLAMAV_ADDRESS`` is set (``host:port`` for clamd's TCP socket, or a path to its Unix socket).
When it is set, every upload is streamed to clamd after its type checks and refused if clamd finds
something; if clamd cannot be reached or answers oddly, the upload is refused too (fail closed), because an
unscanned file must not be published as if it had been scanned.
"""

from __future__ import annotations

import logging
import socket
import struct
from typing import BinaryIO

from flask import current_app, has_app_context

from tracker.evidence.filetypes import FileTypeRefused

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30
UNAVAILABLE = "The virus scanner is not available just now, so the file cannot be accepted. Try again later"


def address() -> str | None:
    return (current_app.config.get("CLAMAV_ADDRESS") or None) if has_app_context() else None


def _connect(where: str) -> socket.socket:
    if where.startswith("/"):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(TIMEOUT_SECONDS)
        connection.connect(where)
        return connection
    host, _, port = where.rpartition(":")
    return socket.create_connection((host or "127.0.0.1", int(port)), timeout=TIMEOUT_SECONDS)


def scan(stream: BinaryIO, where: str) -> str | None:
    """The name of what clamd found in ``stream``, or None when it is clean. OSError when clamd fails."""
    stream.seek(0)
    with _connect(where) as connection:
        connection.sendall(b"zINSTREAM\0")
        while chunk := stream.read(CHUNK):
            connection.sendall(struct.pack(">I", len(chunk)) + chunk)
        connection.sendall(struct.pack(">I", 0))
        answer = b""
        while not answer.endswith(b"\0") and len(answer) < 4096:
            part = connection.recv(4096)
            if not part:
                break
            answer += part
    stream.seek(0)
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith(" OK"):
        return None
    if text.endswith(" FOUND"):
        return text.removeprefix("stream:").removesuffix(" FOUND").strip()
    raise OSError(f"unexpected answer from clamd: {text[:200]!r}")


def check(stream: BinaryIO) -> list[str]:
    """The scan as a check for the evidence row: nothing when scanning is off; FileTypeRefused when found."""
    where = address()
    if not where:
        return []
    try:
        found = scan(stream, where)
    except (OSError, ValueError):
        log.exception("ClamAV scan failed (CLAMAV_ADDRESS=%s)", where)
        raise FileTypeRefused(UNAVAILABLE) from None
    if found:
        log.warning("Upload refused: ClamAV found %s", found)
        raise FileTypeRefused(
            f"The selected file contains a virus or other malware ({found[:80]}), so it cannot be accepted"
        )
    return ["scanned with ClamAV: nothing found"]
