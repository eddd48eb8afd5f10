"""Small real files for the evidence tests: a minimal PDF, a real PNG, JPEG bytes and Office packages."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib

import pikepdf
from PIL import Image

MAIN_PARTS = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
MACRO_MAIN = {
    "docx": "application/vnd.ms-word.document.macroEnabled.main+xml",
    "xlsx": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "pptx": "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
}


@functools.cache
def pdf(text: str = "Training record") -> bytes:
    """A real one-page PDF (written by pikepdf), its title ``text``: the same bytes for the same text."""
    document = pikepdf.new()
    document.add_blank_page(page_size=(200, 200))
    document.docinfo["/Title"] = text
    buffer = io.BytesIO()
    document.save(buffer, static_id=True)
    return buffer.getvalue()


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@functools.cache
def jpeg() -> bytes:
    """A real 4 x 4 JPEG (written by Pillow)."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def office(kind: str = "docx", *, macros: bool = False, vba_part: bool = False, content_types: bool = True) -> bytes:
    """A real Office Open XML package (what Word, Excel and PowerPoint save), optionally macro-enabled."""
    part, main_type = MAIN_PARTS[kind]
    if macros:
        main_type = MACRO_MAIN[kind]
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{main_type}"/>'
        "</Types>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        if content_types:
            package.writestr("[Content_Types].xml", types)
        package.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/officeDocument" Target="{part}"/></Relationships>',
        )
        package.writestr(part, '<?xml version="1.0" encoding="UTF-8"?><document>Training record</document>')
        if vba_part:
            package.writestr(part.split("/")[0] + "/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro code")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("notes.txt", "Not an Office document")
    return buffer.getvalue()


def legacy_office() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
