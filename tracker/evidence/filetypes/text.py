"""CSV and plain text: UTF-8 (with or without a byte order mark), no binary bytes, no HTML.

Text must really be text: a NUL byte or another binary control byte anywhere refuses it, checked in chunks
to the end. A file that starts with markup (HTML, SVG, XML) or holds markup a browser would run (script,
iframe, event handlers) anywhere is refused, because opened in a browser it would be a web page. Windows
text (Windows-1252) is accepted only where asked (the plan importer reads spreadsheets saved by Excel).
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO

from tracker.evidence.filetypes.checks import FileTypeRefused, expect

TEXT_CHUNK = 1024 * 1024
HEAD_BYTES = 8192
# Control characters that plain text and CSV files really contain: tab, line feed, vertical tab, form feed,
# carriage return, and the old end-of-file mark (Ctrl-Z).
TEXT_CONTROLS_ALLOWED = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1A}
_REFUSED_CONTROLS = bytes(b for b in range(0x20) if b not in TEXT_CONTROLS_ALLOWED)
# Markup that does something in a browser. Ordinary text may mention <b> or "a < b"; these it may not hold.
_RUNNABLE = re.compile(
    rb"<\s*(?:script|iframe|object|embed|svg|html|body|meta|base|form|frame|img|link|style|!doctype)[\s>/]"
    rb"|<[^>]{0,200}\son[a-z]{3,20}\s*=|javascript:",
    re.IGNORECASE,
)
OVERLAP = 256


def check(ext: str, stream: BinaryIO, *, windows_text: bool = False) -> list[str]:
    what = "CSV file" if ext == ".csv" else "text file"
    stream.seek(0)
    encoding = "UTF-8"
    if not _decodes(stream, "utf-8-sig"):
        if not windows_text:
            raise FileTypeRefused(
                f"The selected {what} must be saved as UTF-8 text. In your program choose Save As, pick "
                "UTF-8 (in Excel: CSV UTF-8) and upload it again"
            )
        stream.seek(0)
        expect(
            _decodes(stream, "cp1252"),
            f"The selected {what} must be saved as UTF-8 or Windows text. Save it as plain text and try again",
        )
        encoding = "Windows-1252"
    stream.seek(0)
    start = stream.read(HEAD_BYTES)
    if start.startswith(codecs.BOM_UTF8):
        start = start[len(codecs.BOM_UTF8) :]
    web_page = f"The selected {what} looks like a web page, image or script (HTML, SVG, XML), which cannot be accepted"
    expect(not start.lstrip().startswith(b"<"), web_page)
    expect(not _runnable_anywhere(stream), web_page)
    return [f"decoded as {encoding} text to the end", "no binary data", "no HTML, SVG, XML or script"]


def _runnable_anywhere(stream: BinaryIO) -> bool:
    stream.seek(0)
    previous = b""
    while chunk := stream.read(TEXT_CHUNK):
        if _RUNNABLE.search(previous + chunk):
            return True
        previous = chunk[-OVERLAP:]
    return False


def _decodes(stream: BinaryIO, encoding: str) -> bool:
    """Whether the whole stream is text in ``encoding`` without NUL bytes or other binary control bytes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    while chunk := stream.read(TEXT_CHUNK):
        if len(chunk.translate(None, _REFUSED_CONTROLS)) != len(chunk):
            raise FileTypeRefused(
                "The selected file contains binary data (such as NUL bytes), so it is not a text or CSV file"
            )
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
