"""The upload allowlist: each accepted type, and each refusal with its reason. Pure: no app, no database."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.evidence import jpeg, legacy_office, office, pdf, plain_zip, png
from tracker.evidence import filetypes
from tracker.evidence.filetypes import FileTypeRefused, identify


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("report.pdf", pdf(), "application/pdf"),
        ("Report.PDF", pdf(), "application/pdf"),
        ("chart.png", png(), "image/png"),
        ("photo.jpg", jpeg(), "image/jpeg"),
        ("photo.jpeg", jpeg(), "image/jpeg"),
        ("protocol.docx", office("docx"), filetypes.DOCX),
        ("audit.xlsx", office("xlsx"), filetypes.XLSX),
        ("briefing.pptx", office("pptx"), filetypes.PPTX),
        ("data.csv", b"child,date\nA,2024-03-01\r\n", "text/csv"),
        ("data.csv", b"\xef\xbb\xbfname,note\nB,caf\xc3\xa9\n", "text/csv"),
        ("notes.txt", b"  plain words, then <b> is fine later", "text/plain"),
    ],
)
def test_accepted_types_return_the_allowlisted_content_type(name, content, expected):
    assert identify(name, io.BytesIO(content)) == expected


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("evil.pdf", b"<html><script>alert(1)</script></html>", "is not a PDF"),
        ("chart.png", pdf(), "is not a PNG image"),
        ("photo.jpg", png(), "is not a JPEG image"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "must be a PDF, Word"),
        ("page.html", b"<html></html>", "must be a PDF, Word"),
        ("run.exe", b"MZ\x90\x00", "must be a PDF, Word"),
        ("no-extension", pdf(), "must be a PDF, Word"),
        ("macros.docm", office("docx", macros=True), "macro-enabled Word file (.docm)"),
        ("macros.xlsm", office("xlsx", macros=True), "macro-enabled Excel file"),
        ("macros.pptm", office("pptx", macros=True), "macro-enabled PowerPoint file"),
        ("renamed.docx", office("docx", macros=True), "contains macros"),
        ("hidden.docx", office("docx", vba_part=True), "contains macros"),
        ("archive.docx", plain_zip(), "is not a Word document"),
        ("no-types.xlsx", office("xlsx", content_types=False), "is not an Excel spreadsheet"),
        ("wrong-main.xlsx", office("docx"), "is not an Excel spreadsheet"),
        ("truncated.docx", office("docx")[:200], "is not a Word document"),
        ("old.doc", legacy_office(), "old Word format (.doc)"),
        ("old.xls", legacy_office(), "Save it as .xlsx"),
        ("old.ppt", legacy_office(), "Save it as .pptx"),
        ("old-renamed.docx", legacy_office(), "old Office format or is password-protected"),
        ("binary.txt", b"text\x00with a NUL byte", "binary data"),
        ("binary.csv", b"a,b\n\x01\x02\x03", "binary data"),
        ("page.txt", b"   \n<!DOCTYPE html><html></html>", "looks like a web page"),
        ("image.txt", b'<svg onload="alert(1)"></svg>', "looks like a web page"),
        ("data.csv", b"\xef\xbb\xbf<?xml version='1.0'?><a/>", "looks like a web page"),
        ("script.txt", b"\t<script>alert(1)</script>", "looks like a web page"),
        ("utf16.txt", "text".encode("utf-16"), "binary data"),
        ("undefined.txt", b"caf\x81 is not Windows-1252", "must be saved as UTF-8"),
        ("windows.txt", "Réunion du comité – notes".encode("cp1252"), "must be saved as UTF-8"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_refused_types_say_why(name, content, reason):
    with pytest.raises(FileTypeRefused) as refused:
        identify(name, io.BytesIO(content))
    assert reason in refused.value.message
    assert refused.value.field == "files"


def test_windows_text_only_where_asked_for():
    content = "Réunion du comité – notes".encode("cp1252")
    assert identify("plan.csv", io.BytesIO(content), windows_text=True) == "text/csv"
    with pytest.raises(FileTypeRefused, match="must be saved as UTF-8 or Windows text"):
        identify("plan.csv", io.BytesIO(b"caf\x81"), windows_text=True)


def test_a_large_text_file_is_checked_in_chunks_to_its_end():
    content = b"a,b\n" * (filetypes.TEXT_CHUNK // 2) + b"\x00"
    with pytest.raises(FileTypeRefused):
        identify("big.csv", io.BytesIO(content))


def test_utf8_split_across_chunks_is_still_text():
    content = b"a" * (filetypes.TEXT_CHUNK - 1) + "é".encode() + b"\n"
    assert identify("split.txt", io.BytesIO(content)) == "text/plain"


def test_a_zip_bomb_in_content_types_is_not_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", b" " * (filetypes.CONTENT_TYPES_LIMIT * 4))
        package.writestr("word/document.xml", "<document/>")
    with pytest.raises(FileTypeRefused, match="zip bomb"):
        identify("bomb.docx", buffer)


def test_extension_is_read_from_the_end_of_the_name():
    assert filetypes.extension_of("C:\\fakepath\\Report.Final.PDF") == ".pdf"
    assert filetypes.extension_of("x.pdf.exe") == ".exe"
    assert filetypes.extension_of("README") == ""
