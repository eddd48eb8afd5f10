"""Which files may be uploaded as evidence: an allowlist checked by extension AND by parsing the content.

Pure Python (no Flask, no database). ``inspect`` looks at the name and the bytes of a stored file and returns
the content type to record and to send on download (from the allowlist, never the browser's) with the list
of checks the file passed, or raises ``FileTypeRefused`` with the reason in words a person understands.
Files are parsed, not sniffed, each by a well-kept parser in this process (fast, no child per file):

- PDF (``pdf``): must open with pikepdf (qpdf) and hold no JavaScript, embedded files or launch actions;
- PNG and JPEG (``images``): must decode fully with Pillow, within its decompression-bomb pixel limit;
- Word, Excel and PowerPoint (``office``): opened as the zip packages they are, with the member count, total
  uncompressed size and compression ratio checked from the central directory before anything is inflated;
  no macros, no embedded programs, no links to outside content (relationships read with defusedxml);
- CSV and text (``text``): UTF-8 without binary bytes and without HTML, SVG, XML or script.

No type may carry HTML where a browser sniffing the first bytes would find it (a "polyglot").

``pdf`` and ``images`` are imported when a file of theirs is checked: pikepdf and Pillow take a quarter of a
second to import, which a worker would otherwise pay at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from tracker.evidence.filetypes import office, text
from tracker.evidence.filetypes.checks import FileTypeRefused, html_in_head

__all__ = ["FileTypeRefused", "Verdict", "identify", "inspect"]

# Limits, named here for the tests and for the README.
TEXT_CHUNK = text.TEXT_CHUNK
CONTENT_TYPES_LIMIT = office.CONTENT_TYPES_LIMIT
OOXML_MAIN = office.OOXML_MAIN

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


HEAD_BYTES = 8192


def extension_of(filename: str) -> str:
    name = (filename or "").strip().lower()
    dot = name.rfind(".")
    return name[dot:] if dot >= 0 else ""


@dataclass(frozen=True)
class Verdict:
    """What a file was found to be, and the checks it passed (recorded with the stored file)."""

    content_type: str
    checks: tuple[str, ...]


def inspect(filename: str, stream: BinaryIO, *, windows_text: bool = False) -> Verdict:
    """The allowlisted content type of a file and the checks it passed, judged by its name and its content.

    ``stream`` must be seekable and positioned anywhere; it is read in chunks, or by a parser that seeks,
    never whole into memory. ``windows_text`` also accepts Windows-1252 text (the plan importer's CSVs).
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
    checks = [f"name ends in {ext}, an allowed type"]
    if ext in (".csv", ".txt"):
        checks += text.check(ext, stream, windows_text=windows_text)
    else:
        if ext == ".pdf":
            from tracker.evidence.filetypes import pdf

            checks += pdf.check(head, stream)
        elif ext in (".png", ".jpg", ".jpeg"):
            from tracker.evidence.filetypes import images

            checks += images.check(ext, head, stream)
        else:
            checks += office.check(ext, head, stream)
        if html_in_head(head):  # a polyglot: a real file of its type that a browser would also run as a page
            raise FileTypeRefused(
                f"The selected file holds a web page or script in its first bytes, although its name ends in {ext}. "
                "A browser could run it, so it cannot be accepted"
            )
        checks.append("no web page or script in its first bytes")
    stream.seek(0)
    return Verdict(ALLOWED[ext], tuple(checks))


def identify(filename: str, stream: BinaryIO, *, windows_text: bool = False) -> str:
    """Only the content type (see ``inspect``)."""
    return inspect(filename, stream, windows_text=windows_text).content_type
