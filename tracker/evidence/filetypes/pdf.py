"""PDF: parsed with pikepdf (qpdf, a well-kept C++ library) in this process; no active content allowed.

A PDF may carry JavaScript (document, page, form-field and annotation actions), files embedded in it, and
actions that launch programs or open other documents. Any of these is refused: evidence is read, never run.
The whole object table is walked, so a JavaScript action hidden in an annotation is found as surely as one
in the document's name tree. Streams are not decompressed (their content is not needed for the check), so a
compression bomb inside a PDF costs nothing here.
"""

from __future__ import annotations

import logging
from typing import BinaryIO

import pikepdf

from tracker.evidence.filetypes.checks import FileTypeRefused, expect

log = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
MAX_OBJECTS = 2_000_000  # objects and their inline parts: far beyond any report; more is a denial of service
MAX_DEPTH = 100

NOT_PDF = "The selected file is not a PDF, although its name ends in .pdf"
# Keys and action types that make a PDF do something rather than show something.
_ACTIVE_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/EmbeddedFiles": "embedded files",
    "/EmbeddedFile": "embedded files",
    "/RichMedia": "embedded media",
    "/XFA": "an XFA form (script)",
}
_ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "an action that starts a program",
    "/ImportData": "an action that imports data",
    "/GoToE": "an embedded file",
    "/SubmitForm": "a form that sends data",
    "/Rendition": "embedded media",
}


def check(head: bytes, stream: BinaryIO) -> list[str]:
    expect(head.startswith(PDF_MAGIC), NOT_PDF)
    stream.seek(0)
    try:
        with pikepdf.open(stream) as document:
            version = document.pdf_version
            pages = len(document.pages)
            found = _active_content(document)
    except pikepdf.PasswordError:
        raise FileTypeRefused(
            "The selected PDF is protected with a password, so it cannot be checked. "
            "Remove the password and upload it again"
        ) from None
    except FileTypeRefused:
        raise
    except Exception as error:  # qpdf reports damage in many ways; whatever it is, the file is refused, not a 500
        log.info("PDF refused by the parser: %s", str(error)[:300])
        raise FileTypeRefused(NOT_PDF + ", or it is damaged") from None
    if found:
        raise FileTypeRefused(
            f"The selected PDF contains {found}, which could run when it is opened. "
            "Save or print it again as a plain PDF (for example with Print to PDF) and upload that"
        )
    plural = "" if pages == 1 else "s"
    return [
        f"opened as a PDF (version {version}, {pages} page{plural})",
        "no JavaScript",
        "no embedded files",
        "no launch or other actions",
    ]


def _active_content(document: pikepdf.Pdf) -> str | None:
    """The first kind of active content in the document, in words, or None.

    Every indirect object is visited, and inside each the direct dictionaries and arrays it holds (an
    OpenAction or an annotation's action is often written inline)."""
    seen = 0
    for top in document.objects:
        stack = [(top, 0)]
        while stack:
            obj, depth = stack.pop()
            seen += 1
            if seen > MAX_OBJECTS or depth > MAX_DEPTH:
                raise FileTypeRefused("The selected PDF has too many parts to check. Save it again and try again")
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                found = _active_in(obj)
                if found:
                    return found
                children = obj.values()
            elif isinstance(obj, pikepdf.Array):
                children = list(obj)
            else:
                continue
            stack.extend(
                (child, depth + 1) for child in children if isinstance(child, pikepdf.Object) and not child.is_indirect
            )
    return None


def _active_in(mapping) -> str | None:
    for key, what in _ACTIVE_KEYS.items():
        if key in mapping:
            return what
    kind = mapping.get("/S")
    if isinstance(kind, pikepdf.Name) and str(kind) in _ACTIVE_ACTIONS:
        return _ACTIVE_ACTIONS[str(kind)]
    declared = mapping.get("/Type")
    if (isinstance(declared, pikepdf.Name) and str(declared) == "/EmbeddedFile") or "/EF" in mapping:
        return "embedded files"
    return None
