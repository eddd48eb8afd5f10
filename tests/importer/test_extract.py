"""Extraction from PDF and Word: the same proposals as from the text, page furniture and all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.importer.documents import make_docx, make_pdf
from tracker.importer.extract import ExtractionError, extract_pages
from tracker.importer.propose import propose_from_file

SAMPLE = (Path(__file__).parent / "samples" / "sar-wrapped.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "make"), [("report.pdf", make_pdf), ("report.docx", make_docx)])
def test_pdf_and_word_give_the_same_recommendations_as_the_text(name, make):
    from_text = propose_from_file("report.txt", SAMPLE.encode())
    found = propose_from_file(name, make(SAMPLE))
    assert [(r.ref, r.text, r.sub_points) for r in found.recommendations] == [
        (r.ref, r.text, r.sub_points) for r in from_text.recommendations
    ]
    assert {a.text for a in found.actions} >= {a.text for a in from_text.actions if "welfare" in a.text}


def test_running_headers_on_every_page_are_removed():
    pages = extract_pages("report.pdf", make_pdf(SAMPLE * 3, header="Riverside SAB: Mr P"))
    assert len(pages) >= 3
    found = propose_from_file("report.pdf", make_pdf(SAMPLE * 3, header="Riverside SAB: Mr P"))
    assert "Riverside SAB: Mr P" not in found.text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"%PDF-1.4 not really", "could not be read"),
        ("report.docx", b"PK\x03\x04 not really", "could not be read"),
        ("report.txt", b"\x00\x01binary", "binary"),
        ("report.odt", b"anything", "must be a PDF"),
    ],
)
def test_unreadable_reports_say_why(name, data, message):
    with pytest.raises(ExtractionError, match=message):
        extract_pages(name, data)
