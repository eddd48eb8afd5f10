"""The assurance report as a PDF, drawn by WeasyPrint from the same template as the page.

Used by the report pages' downloads and by the evidence packs. Nothing is fetched while drawing: the
stylesheet is a string here, the charts are inline SVG, and any URL WeasyPrint would follow is refused.
Making the HTML reads the database and needs an application context; drawing it (``drawing.html_to_pdf``,
the slow part: seconds for a board) needs neither, so an evidence pack draws it in a process of its own while
its evidence streams. WeasyPrint is imported when the first PDF is drawn, not when the app starts.
"""

from __future__ import annotations

from datetime import date

from flask import render_template
from sqlalchemy.orm import Session

from tracker.reports import charts
from tracker.reports.builder import Report, build_report
from tracker.reports.drawing import html_to_pdf
from tracker.reports.scope import scope_for


def render_html(report: Report, prepared_for: str | None = None) -> str:
    return render_template(
        "reports/pdf.html",
        report=report,
        charts=charts.report_charts(report),
        pdf=True,
        prepared_for=prepared_for,
    )


def render_pdf(report: Report, prepared_for: str | None = None) -> bytes:
    return html_to_pdf(render_html(report, prepared_for))


def report_pdf_bytes(
    session: Session, *, board=None, review=None, agency=None, as_at: date | None = None, viewer=None
) -> bytes:
    """The assurance report for exactly one of ``board``, ``review`` or ``agency`` (an Agency: its actions across
    boards), as it stands today or as it stood at the end of ``as_at``, as PDF bytes.

    ``viewer`` narrows the report to what that user may see (and raises NotPermitted when they may not see
    the board or review at all); None means everything in the scope (the command line). Needs an
    application context (templates)."""
    return html_to_pdf(report_html(session, board=board, review=review, agency=agency, as_at=as_at, viewer=viewer))


def report_html(
    session: Session, *, board=None, review=None, agency=None, as_at: date | None = None, viewer=None
) -> str:
    """The HTML ``report_pdf_bytes`` draws (same arguments, same visibility rule)."""
    scope = scope_for(board=board, review=review, agency=agency, viewer=viewer)
    report = build_report(session, scope, as_at=as_at)
    return render_html(report, prepared_for=getattr(viewer, "name", None))
