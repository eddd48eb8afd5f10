"""The PDF: WeasyPrint draws the same report, with its key and charts, fetching nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from flask import render_template

from tracker.extensions import db
from tracker.reports import charts, drawing
from tracker.reports.builder import build_report
from tracker.reports.pdf import report_pdf_bytes
from tracker.reports.scope import scope_for


def _pdf_text(data: bytes, tmp_path) -> str:
    """The PDF's text, from poppler's pdftotext (installed with the browser test dependencies on Debian);
    without it, the HTML WeasyPrint drew from."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    result = subprocess.run([shutil.which("pdftotext"), str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", result.stdout.decode())


def _html(report) -> str:
    html = render_template("reports/pdf.html", report=report, charts=charts.report_charts(report), pdf=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_pdf_holds_the_report_with_its_key(plan, tmp_path):
    data = report_pdf_bytes(db.session, board=plan.board)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    if shutil.which("pdftotext"):
        text = _pdf_text(data, tmp_path)
    else:
        text = _html(build_report(db.session, scope_for(board=plan.board)))
    for words in (
        "Board report-test-board",
        "Key to the ratings",
        "Red: Overdue, or not started past its due date",
        "Amber: At risk",
        "Green: A dated, owned action on track, or assured",
        "No owner or due date: Not planned",
        "No action set",
        "Blue: Assured and embedded",
        "Recurring themes across reviews",
        "Information sharing",
        "Overdue actions",
        "Lead 0 of report-test-board",
        "Add the audit results",
        "Progress per agency",
    ):
        assert words in text, words


def test_pdf_as_at_a_past_date_marks_what_changed(plan, tmp_path):
    data = report_pdf_bytes(db.session, board=plan.board, as_at=date(2026, 1, 31))
    assert data.startswith(b"%PDF-")
    report = build_report(db.session, scope_for(board=plan.board), as_at=date(2026, 1, 31))
    text = _pdf_text(data, tmp_path) if shutil.which("pdftotext") else _html(report)
    assert "As at the end of 31 January 2026" in text
    assert "Changed since 31 January 2026" in text


def test_pdf_for_a_review_and_an_agency(plan):
    assert report_pdf_bytes(db.session, review=plan.reviews[0]).startswith(b"%PDF-")
    police = plan.agencies["thames-valley-police"]
    assert report_pdf_bytes(db.session, agency=police, viewer=plan.leads["thames-valley-police"]).startswith(b"%PDF-")


def test_pdf_refuses_a_viewer_who_may_not_see_the_board(plan, users):
    from tests.actions.helpers import user
    from tracker.errors_domain import NotPermitted

    with pytest.raises(NotPermitted):
        report_pdf_bytes(db.session, board=plan.board, viewer=user(users["auditor"]))


def test_pdf_fetches_nothing_and_links_nowhere(plan):
    report = build_report(db.session, scope_for(board=plan.board))
    html = render_template("reports/pdf.html", report=report, charts=charts.report_charts(report), pdf=True)
    assert " href=" not in html and " src=" not in html and "<link" not in html
    with pytest.raises(ValueError, match="does not fetch"):
        drawing._refuse("https://example.com/logo.png")
