"""The assurance report as a PDF, drawn by WeasyPrint from the same template as the page.

Used by the report pages' downloads and by the evidence packs. Nothing is fetched while drawing: the
stylesheet is a string here, the charts are inline SVG, and any URL WeasyPrint would follow is refused.
Making the HTML reads the database and needs an application context; drawing it (``html_to_pdf``, the slow
part: seconds for a board) needs neither, so an evidence pack draws it in a thread while its evidence streams.
WeasyPrint is imported when the first PDF is drawn, not when the app starts.
"""

from __future__ import annotations

from datetime import date

from flask import render_template
from sqlalchemy.orm import Session

from tracker.reports import charts
from tracker.reports.builder import Report, build_report
from tracker.reports.scope import scope_for

STYLESHEET = """
@page { size: A4 landscape; margin: 14mm 12mm 16mm;
  @bottom-left { content: "Review Action Tracker · assurance report"; font: 8pt "DejaVu Sans", sans-serif;
    color: #505a5f; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt "DejaVu Sans", sans-serif;
    color: #505a5f; } }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 9pt; color: #0b0c0c; line-height: 1.3; }
h1 { font-size: 20pt; margin: 0 0 6pt; }
h2 { font-size: 14pt; margin: 14pt 0 6pt; border-top: 2px solid #1d70b8; padding-top: 6pt; }
.govuk-caption-l, .govuk-caption-m { color: #505a5f; display: block; font-weight: normal; font-size: 9pt; }
.govuk-body-s, .app-more { font-size: 8pt; color: #505a5f; }
.govuk-visually-hidden { display: none; }
.app-as-at { border-left: 4pt solid #1d70b8; padding: 4pt 8pt; background: #f3f2f1; }
.govuk-inset-text { border-left: 4pt solid #b1b4b6; padding: 4pt 8pt; margin: 6pt 0; }
table { width: 100%; border-collapse: collapse; margin: 4pt 0 10pt; page-break-inside: auto; }
caption { text-align: left; font-weight: bold; padding: 2pt 0 4pt; }
tr { page-break-inside: avoid; }
th, td { text-align: left; vertical-align: top; border-bottom: 0.5pt solid #b1b4b6; padding: 3pt 4pt; }
thead th { border-bottom: 1pt solid #0b0c0c; }
.govuk-table__header--numeric, .govuk-table__cell--numeric { text-align: right; }
.govuk-tag { display: inline-block; padding: 1pt 4pt; font-weight: bold; font-size: 8pt; border: 0.5pt solid #0b0c0c; }
.govuk-tag--red { background: #f4cdc6; color: #2a0b06; }
.govuk-tag--orange { background: #fcd6c3; color: #6e3619; }
.govuk-tag--green { background: #cce2d8; color: #005a30; }
.govuk-tag--blue { background: #bbd4ea; color: #0c2d4a; }
.govuk-tag--light-blue { background: #e8f1f8; color: #0c2d4a; }
.govuk-tag--grey { background: #eeefef; color: #383f43; }
.govuk-tag--purple { background: #dbd5e9; color: #3d2375; }
.govuk-tag--pink { background: #efd3e0; color: #6b1c40; }
.app-row--changed td:first-child { border-left: 3pt solid #d53880; }
.app-chart { width: 100%; max-width: 190mm; height: auto; }
.app-chart-wrap { margin: 4pt 0; page-break-inside: avoid; }
"""


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"The report does not fetch anything: {url}")


def render_html(report: Report, prepared_for: str | None = None) -> str:
    return render_template(
        "reports/pdf.html",
        report=report,
        charts=charts.report_charts(report),
        pdf=True,
        prepared_for=prepared_for,
    )


def html_to_pdf(html: str) -> bytes:
    """Draw the report's HTML as PDF: no database, no application context, so any thread may call it."""
    from weasyprint import CSS, HTML  # a second or more to import: only where a PDF is drawn

    return HTML(string=html, url_fetcher=_refuse).write_pdf(stylesheets=[CSS(string=STYLESHEET, url_fetcher=_refuse)])


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
