"""Word, Excel and PowerPoint: checked as the zip packages they are, from the central directory first.

Before a single byte is inflated, the directory must show a sensible package: not too many members, not
too much once uncompressed, no member compressed beyond a ratio no real document reaches (the ".docx that
inflates to 200 MB of zeros"), no encrypted members and no paths that climb out of the package. Only then
are the small parts read ([Content_Types].xml and the relationship parts, each with a cap on the bytes
read, XML parsed with defusedxml), and finally every member is inflated in chunks against its declared
size and checksum, so a directory that lies is found out without ever holding more than a chunk in memory.

Refused: macros (vbaProject, macro-enabled content types), ActiveX and embedded programs, and relationships
that point outside the package (remote templates, linked objects, remote images), except hyperlinks.
"""

from __future__ import annotations

import posixpath
import zipfile
from typing import BinaryIO

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from tracker.evidence.filetypes.checks import FileTypeRefused, expect

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office, and password-protected modern Office

MAX_MEMBERS = 5_000
MAX_UNCOMPRESSED = 200 * 1024 * 1024 - 1  # the bomb is exactly 200 MB: refused
MAX_RATIO = 100  # real Office XML compresses 5-30 times; zeros compress ~1,000 times
RATIO_FLOOR = 1024 * 1024  # small members may compress well (empty styles): the ratio counts above this
# The same ratio over the whole package, once it unpacks to more than this: many members each just under
# RATIO_FLOOR (190 of 1 MiB of zeros: 200 KB inflating to 199 MB) pass every per-member check.
PACKAGE_RATIO_FLOOR = 16 * 1024 * 1024
CONTENT_TYPES_LIMIT = 1024 * 1024  # [Content_Types].xml is a few kilobytes; never inflate more than this
RELS_LIMIT = 4 * 1024 * 1024
CHUNK = 1024 * 1024

# The part each Office format must declare as its main document.
OOXML_MAIN = {
    ".docx": ("a Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    ".xlsx": ("an Excel spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    ".pptx": (
        "a PowerPoint presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
MACRO_MARKERS = (b"macroenabled", b"vbaproject", b"application/vnd.ms-office.activex", b"vbadata")
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def check(ext: str, head: bytes, stream: BinaryIO) -> list[str]:
    kind, main_type = OOXML_MAIN[ext]
    not_office = f"The selected file is not {kind}, although its name ends in {ext}"
    if head.startswith(OLE_MAGIC):
        raise FileTypeRefused(
            f"The selected file is in an old Office format or is password-protected, so it cannot be checked. "
            f"Remove any password, save it as {ext} and upload it again"
        )
    expect(head.startswith(ZIP_MAGIC), not_office)
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as package:
            infos = package.infolist()
            total = _check_directory(infos, not_office)
            names = [info.filename for info in infos]
            _check_names(ext, names)
            expect("[Content_Types].xml" in names, not_office)
            content_types = _read_capped(package, "[Content_Types].xml", CONTENT_TYPES_LIMIT, not_office)
            lowered_types = content_types.lower()
            if any(marker in lowered_types for marker in MACRO_MARKERS):
                raise FileTypeRefused(_macro_message(ext))
            expect(main_type.encode() in lowered_types, not_office)
            for name in names:
                if name.endswith(".rels"):
                    _check_relationships(package, name, not_office)
            for info in infos:
                _inflate_to_the_end(package, info, not_office)
    except FileTypeRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, ValueError, KeyError):
        raise FileTypeRefused(not_office) from None
    return [
        f"opened as {kind} ({len(infos)} parts, {total:,} bytes uncompressed)",
        "within the limits on parts, size and compression ratio",
        "no macros or embedded programs",
        "no links to outside content except hyperlinks",
        "every part inflates to its declared size and checksum",
    ]


def _check_directory(infos: list[zipfile.ZipInfo], not_office: str) -> int:
    if len(infos) > MAX_MEMBERS:
        raise FileTypeRefused(
            f"The selected file has too many parts ({len(infos):,}) to be a real Office document. "
            "Save it again from Word, Excel or PowerPoint and upload it again"
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED:
        raise FileTypeRefused(
            "The selected file would take more than 200 MB once unpacked, far more than any real document. "
            "It may be a 'zip bomb', so it cannot be accepted"
        )
    compressed = sum(info.compress_size for info in infos)
    if total > PACKAGE_RATIO_FLOOR and total > MAX_RATIO * max(compressed, 1):
        raise FileTypeRefused(
            "The selected file unpacks to far more than any real document of its size "
            "(it may be a 'zip bomb'), so it cannot be accepted"
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileTypeRefused(
                "The selected file has encrypted parts, so it cannot be checked. "
                "Remove any password, save it again and upload it"
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FileTypeRefused(
                "The selected file contains a part that unpacks to far more than any real document "
                "(it may be a 'zip bomb'), so it cannot be accepted"
            )
        name = info.filename
        if name.startswith(("/", "\\")) or "\\" in name or ".." in posixpath.normpath(name).split("/"):
            raise FileTypeRefused(not_office)
    return total


def _check_names(ext: str, names: list[str]) -> None:
    for name in (name.lower() for name in names):
        if name.endswith(("vbaproject.bin", "vbadata.xml")):
            raise FileTypeRefused(_macro_message(ext))
        if "/activex/" in name or ("/embeddings/" in name and name.endswith((".bin", ".exe", ".dll", ".js"))):
            raise FileTypeRefused(
                "The selected file contains an embedded object or control (such as a program or ActiveX), "
                "which could run when it is opened. Remove it, save the file again and upload it"
            )


def _read_capped(package: zipfile.ZipFile, name: str, limit: int, not_office: str) -> bytes:
    with package.open(name) as member:
        data = member.read(limit + 1)
    expect(len(data) <= limit, not_office)
    return data


def _check_relationships(package: zipfile.ZipFile, name: str, not_office: str) -> None:
    data = _read_capped(package, name, RELS_LIMIT, not_office)
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ElementTree.ParseError, ValueError):
        raise FileTypeRefused(not_office + ": one of its parts is not well-formed") from None
    for relationship in root.iter(_RELATIONSHIP):
        external = (relationship.get("TargetMode") or "").lower() == "external"
        if external and relationship.get("Type") != HYPERLINK:
            raise FileTypeRefused(
                "The selected file links to content outside itself (such as a remote template or a linked "
                "object), which can be used to attack whoever opens it. Remove the link, save the file again "
                "and upload it"
            )


def _inflate_to_the_end(package: zipfile.ZipFile, info: zipfile.ZipInfo, not_office: str) -> None:
    """Read a member to its end in chunks: zipfile stops at the declared size and checks the CRC."""
    read = 0
    with package.open(info) as member:
        while chunk := member.read(CHUNK):
            read += len(chunk)
            if read > info.file_size:
                raise FileTypeRefused(not_office)


def _macro_message(ext: str) -> str:
    return f"The selected file contains macros. Save it as {ext} without macros and upload it again"
