"""Text out of an uploaded report: PDF (pypdf), DOCX (python-docx) or plain text, page by page.

Returns a list of pages, each the page's text with line breaks as extracted, so that the cleaner can
recognise running headers and footers by their place on the page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

SUPPORTED = ("pdf", "docx", "txt")


class ExtractionError(ValueError):
    """A report whose text cannot be read, with the reason in plain words."""


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def extract_pages(filename: str, data: bytes, progress: Callable[[int, int], None] | None = None) -> list[str]:
    ext = extension_of(filename)
    if ext == "pdf":
        return _pdf_pages(data, progress)
    if ext == "docx":
        return [_docx_text(data)]
    if ext in ("txt", "text", ""):
        return _text_pages(data)
    raise ExtractionError(f"A report must be a PDF, a Word document (.docx) or plain text, not .{ext}.")


def _pdf_pages(data: bytes, progress) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ExtractionError("The PDF is password-protected; upload an unprotected copy.")
        pages = []
        total = len(reader.pages)
        for number, page in enumerate(reader.pages, start=1):
            pages.append(page.extract_text() or "")
            if progress:
                progress(number, total)
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        if isinstance(error, ExtractionError):
            raise
        raise ExtractionError("The PDF could not be read: it may be damaged.") from error
    if not any(p.strip() for p in pages):
        raise ExtractionError("The PDF has no text layer (it may be a scan); upload a PDF with text.")
    return pages


def _docx_text(data: bytes) -> str:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ExtractionError("The Word document could not be read: it may be damaged.") from error
    lines = []
    # Style names looked up once: python-docx resolves ``paragraph.style`` afresh on every call.
    names = {style.style_id: (style.name or "").lower() for style in document.styles}
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        properties = paragraph._p.pPr
        style = names.get(properties.style, "") if properties is not None and properties.style else ""
        numbered = properties is not None and properties.numPr is not None
        if "list" in style or numbered:
            text = "• " + text
        # Each Word paragraph is one block: a blank line keeps it apart from the next.
        lines.append(text)
        lines.append("")
    return "\n".join(lines)


def _text_pages(data: bytes) -> list[str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ExtractionError("The text file is not in a known encoding (UTF-8 or Windows-1252).")
    if "\x00" in text:
        raise ExtractionError("The text file contains binary data.")
    return re.split(r"\f", text)
