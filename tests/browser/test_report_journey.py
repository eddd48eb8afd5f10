"""In a real Chromium: a board chair opens their board's assurance report, switches to how it stood at the end
of last quarter, and downloads that as a PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import a11y
from tests.browser.conftest import sign_in_as
from tracker import clock
from tracker.reports.forms import quick_dates
from tracker.template_helpers import format_date

pytestmark = pytest.mark.browser


def test_chair_opens_the_report_switches_to_last_quarter_and_downloads_the_pdf(live_server, page, tmp_path):
    # A board chair is a board member in this service.
    sign_in_as(page, live_server, "board_member")
    page.get_by_role("link", name="Assurance reports").click()
    page.get_by_role("link", name="Milton Keynes Safeguarding Children Board").click()
    expect(page.get_by_role("heading", name="Milton Keynes Safeguarding Children Board", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Key to the ratings")).to_be_visible()
    expect(page.get_by_role("heading", name="Recurring themes across reviews")).to_be_visible()
    expect(page.get_by_role("img", name="Actions of each agency, by status")).to_be_visible()

    quarter_end = dict(quick_dates(clock.today()))["End of last quarter"]
    page.get_by_role("link", name=re.compile(r"end of last quarter")).click()
    expect(page).to_have_url(re.compile(rf"as_at={quarter_end.isoformat()}"))
    expect(page.get_by_text(f"This report shows the position at the end of {format_date(quarter_end)}")).to_be_visible()
    # The seeds were loaded today, so every action is marked as added since.
    expect(page.get_by_role("heading", name=f"Changed since {format_date(quarter_end)}")).to_be_visible()
    # The date boxes show the date chosen.
    expect(page.get_by_label("Year")).to_have_value(str(quarter_end.year))
    a11y.check(page, "board report as at the end of last quarter")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download this report as a PDF").click()
    download = info.value
    assert download.suggested_filename == f"assurance-report-milton-keynes-{quarter_end.isoformat()}.pdf"
    saved = Path(tmp_path) / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    # Back to today's position with the date boxes.
    page.get_by_role("link", name="Show today's position").click()
    expect(page.get_by_text(f"The position on {format_date(clock.today())}")).to_be_visible()
    # Let the page's scripts finish loading before the browser closes, so no request is cut off mid-way.
    page.wait_for_load_state("networkidle")


@pytest.fixture(scope="module")
def server_drawing_pdfs_in_the_worker(tmp_path_factory):
    from tests.browser.conftest import serve

    with serve(
        tmp_path_factory.mktemp("large"), prepare=lambda app: app.config.update(REPORT_PDF_JOB_ACTIONS=0)
    ) as url:
        yield url


def test_a_large_reports_pdf_is_offered_then_prepared_in_the_background(server_drawing_pdfs_in_the_worker, page):
    from tests.browser import a11y

    base = server_drawing_pdfs_in_the_worker
    sign_in_as(page, base, "board_member")
    page.get_by_role("link", name="Assurance reports").click()
    page.get_by_role("link", name="Milton Keynes Safeguarding Children Board").click()
    page.get_by_role("link", name="Download this report as a PDF").click()
    expect(
        page.get_by_role("heading", name=re.compile("Prepare the PDF of the assurance report"), level=1)
    ).to_be_visible()
    a11y.check(page, "prepare the PDF")
    page.get_by_role("button", name="Prepare the PDF").click()
    # The test app runs jobs at once (no worker to wait for): the page offers the file.
    expect(page.get_by_text("Your PDF is ready")).to_be_visible()
    a11y.check(page, "PDF ready")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Download assurance-report-milton-keynes-")).click()
    assert info.value.suggested_filename.startswith("assurance-report-milton-keynes-")
