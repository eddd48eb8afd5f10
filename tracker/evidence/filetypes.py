"""Which files may be uploaded as evidence: an allowlist checked by extension AND by content.

Pure Python (no Flask, no database). ``identify`` looks at the name and the bytes of a stored file and
returns the content type to record and to send on download (from the allowlist, never the browser's), or
raises ``FileTypeRefused`` with the reason in words a person understands.

Office files are checked as the zip packages they are: ``[Content_Types].xml`` must be there and must
declare the main part the extension promises. Macro-enabled parts and legacy binary formats are refused,
because macros can carry malware and the old formats cannot be checked. Text must really be text: UTF-8
(with or without a byte order mark) or Windows-1252, without NUL bytes, and not HTML, SVG, XML or script
that a browser could run.
"""

from __future__ import annotations

import codecs
import zipfile
from typing import BinaryIO

from tracker.errors_domain import DomainError

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
CSV = "text/csv"
TEXT = "text/plain"

# Extension -> the content type recorded and sent on download.
ALLOWED = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".pptx": PPTX,
    ".csv": CSV,
    ".txt": TEXT,
}

ALLOWED_IN_WORDS = "a PDF, Word, Excel, PowerPoint, CSV, text, PNG or JPEG file"
TYPES_HINT = "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), CSV, text, PNG or JPEG."

# For the file input's accept attribute: a hint to the browser's file picker, not a check.
ACCEPT = ",".join(ALLOWED)

LEGACY = {".doc": ("Word", ".docx"), ".xls": ("Excel", ".xlsx"), ".ppt": ("PowerPoint", ".pptx")}
MACRO_ENABLED = {
    ".docm": ("Word", ".docx"),
    ".dotm": ("Word", ".docx"),
    ".xlsm": ("Excel", ".xlsx"),
    ".xltm": ("Excel", ".xlsx"),
    ".xlsb": ("Excel", ".xlsx"),
    ".pptm": ("PowerPoint", ".pptx"),
    ".potm": ("PowerPoint", ".pptx"),
    ".ppsm": ("PowerPoint", ".pptx"),
}

# The part each Office format must declare as its main document, and where it lives.
OOXML_MAIN = {
    ".docx": ("a Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    ".xlsx": ("an Excel spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    ".pptx": (
        "a PowerPoint presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
MACRO_MARKERS = (b"macroenabled", b"vbaproject", b"application/vnd.ms-office.activex", b"vbadata")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office, and password-protected modern Office

HEAD_BYTES = 8192
TEXT_CHUNK = 1024 * 1024
CONTENT_TYPES_LIMIT = 1024 * 1024  # [Content_Types].xml is a few kilobytes; never inflate more than this
# Control characters that plain text and CSV files really contain: tab, line feed, vertical tab, form feed,
# carriage return, and the old end-of-file mark (Ctrl-Z).
TEXT_CONTROLS_ALLOWED = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1A}
_REFUSED_CONTROLS = bytes(b for b in range(0x20) if b not in TEXT_CONTROLS_ALLOWED)


class FileTypeRefused(DomainError):
    """The file is not one of the types the service accepts, or its content does not match its name."""

    def __init__(self, message: str):
        super().__init__(message, field="files")


def extension_of(filename: str) -> str:
    name = (filename or "").strip().lower()
    dot = name.rfind(".")
    return name[dot:] if dot >= 0 else ""


def identify(filename: str, stream: BinaryIO) -> str:
    """The allowlisted content type of a file, judged by its name and its content.

    ``stream`` must be seekable and positioned anywhere; it is read in chunks, never whole.
    """
    ext = extension_of(filename)
    if ext in LEGACY:
        program, modern = LEGACY[ext]
        raise FileTypeRefused(
            f"The selected file is in an old {program} format ({ext}), which cannot be checked for macros. "
            f"Save it as {modern} and upload it again"
        )
    if ext in MACRO_ENABLED:
        program, modern = MACRO_ENABLED[ext]
        raise FileTypeRefused(
            f"The selected file is a macro-enabled {program} file ({ext}). Save it as {modern} without macros "
            "and upload it again"
        )
    if ext not in ALLOWED:
        raise FileTypeRefused(f"The selected file must be {ALLOWED_IN_WORDS}")

    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    if not head:
        raise FileTypeRefused("The selected file is empty")

    if ext == ".pdf":
        _expect(head.startswith(PDF_MAGIC), "The selected file is not a PDF, although its name ends in .pdf")
    elif ext == ".png":
        _expect(head.startswith(PNG_MAGIC), "The selected file is not a PNG image, although its name ends in .png")
    elif ext in (".jpg", ".jpeg"):
        _expect(head.startswith(JPEG_MAGIC), f"The selected file is not a JPEG image, although its name ends in {ext}")
    elif ext in OOXML_MAIN:
        _check_office(ext, head, stream)
    else:
        _check_text(ext, stream)
    stream.seek(0)
    return ALLOWED[ext]


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise FileTypeRefused(message)


def _check_office(ext: str, head: bytes, stream: BinaryIO) -> None:
    kind, main_type = OOXML_MAIN[ext]
    not_office = f"The selected file is not {kind}, although its name ends in {ext}"
    if head.startswith(OLE_MAGIC):
        raise FileTypeRefused(
            f"The selected file is in an old Office format or is password-protected, so it cannot be checked. "
            f"Remove any password, save it as {ext} and upload it again"
        )
    _expect(head.startswith(ZIP_MAGIC), not_office)
    stream.seek(0)
    try:
        # Reads only the zip's central directory and one small member, whatever the file's size.
        with zipfile.ZipFile(stream) as package:
            names = package.namelist()
            lowered = [name.lower() for name in names]
            if any(name.endswith(("vbaproject.bin", "vbadata.xml")) for name in lowered):
                raise FileTypeRefused(_macro_message(ext))
            if "[Content_Types].xml" not in names:
                raise FileTypeRefused(not_office)
            with package.open("[Content_Types].xml") as member:
                content_types = member.read(CONTENT_TYPES_LIMIT + 1)
    except FileTypeRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, ValueError, KeyError):
        raise FileTypeRefused(not_office) from None
    _expect(len(content_types) <= CONTENT_TYPES_LIMIT, not_office)
    lowered_types = content_types.lower()
    if any(marker in lowered_types for marker in MACRO_MARKERS):
        raise FileTypeRefused(_macro_message(ext))
    _expect(main_type.encode() in lowered_types, not_office)


def _macro_message(ext: str) -> str:
    return f"The selected file contains macros. Save it as {ext} without macros and upload it again"


def _check_text(ext: str, stream: BinaryIO) -> None:
    what = "CSV file" if ext == ".csv" else "text file"
    stream.seek(0)
    if not _decodes(stream, "utf-8-sig"):
        stream.seek(0)
        _expect(
            _decodes(stream, "cp1252"),
            f"The selected {what} must be saved as UTF-8 or Windows text. Save it as plain text and try again",
        )
    stream.seek(0)
    start = stream.read(HEAD_BYTES)
    if start.startswith(codecs.BOM_UTF8):
        start = start[len(codecs.BOM_UTF8) :]
    _expect(
        not start.lstrip().startswith(b"<"),
        f"The selected {what} looks like a web page, image or script (HTML, SVG, XML), which cannot be accepted",
    )


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
