"""Drawing an assurance report's HTML as PDF with WeasyPrint: here in this process (``html_to_pdf``, for the
report pages and jobs), or in a process of its own (``in_child``, for evidence packs).

This module imports nothing of the app, so that ``python tracker/reports/drawing.py`` (run by path, HTML on
standard input, PDF on standard output) starts a child that imports WeasyPrint alone. A pack draws its report
so while it streams its evidence: WeasyPrint is mostly pure Python and holds the interpreter lock for
seconds, which in a thread would slow the stream itself to a crawl.
"""

from __future__ import annotations

import subprocess
import sys

CHILD_TIMEOUT_SECONDS = 900

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


def html_to_pdf(html: str) -> bytes:
    """Draw the report's HTML as PDF: no database, no application context, so any thread may call it."""
    from weasyprint import CSS, HTML  # a second or more to import: only where a PDF is drawn

    return HTML(string=html, url_fetcher=_refuse).write_pdf(stylesheets=[CSS(string=STYLESHEET, url_fetcher=_refuse)])


def in_child(html: str) -> bytes:
    """``html_to_pdf`` in a child process; raises RuntimeError (with the end of its error output) if it fails."""
    done = subprocess.run(  # noqa: S603 - this interpreter, on this file
        [sys.executable, __file__],
        input=html.encode("utf-8"),
        capture_output=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        error = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"The report could not be drawn (exit {done.returncode}): {error[0]}")
    return done.stdout


if __name__ == "__main__":
    sys.stdout.buffer.write(html_to_pdf(sys.stdin.buffer.read().decode("utf-8")))
