"""In a real Chromium: a board member adds a review from its PDF report, corrects two proposals, confirms, and
finds the review with its recommendations, its action and the passages of the report they came from."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_as
from tests.importer.documents import make_pdf

pytestmark = pytest.mark.browser

REPORT = """Local Child Safeguarding Practice Review: Child T

1 Introduction

1.1 Child T was four months old when he was taken to hospital with a head injury. The family were known
to several agencies in the months before.

1.2 Thames Valley Police did not share two domestic abuse incidents with the health visitor. Thames Valley
Police has since introduced a daily review of incidents involving babies.

2 Recommendations

The review makes the following recommendations to the Board:

A) The Board should seek assurance that every agency shares domestic abuse incidents involving a baby with
the health visitor within one working day.

B) The Board should review the training on the impact of domestic abuse on babies, including before birth.
"""


def test_board_member_adds_a_review_from_a_pdf_corrects_two_proposals_and_confirms(live_server, page, tmp_path):
    report = tmp_path / "child-t-review.pdf"
    report.write_bytes(make_pdf(REPORT))
    sign_in_as(page, live_server, "board_member")
    page.goto(f"{live_server}/reviews")
    page.get_by_role("link", name="Add a review from its report").click()
    expect(page.get_by_role("heading", name="Add a review from its report")).to_be_visible()

    page.get_by_label("The published report").set_input_files(str(report))
    page.get_by_label("Title of the review").fill("Child Safeguarding Practice Review: Child T")
    page.get_by_label("The child's or adult's pseudonym").fill("Child T")
    page.get_by_label("Milton Keynes Safeguarding Children Board").check()
    page.get_by_label("Year of the incident").fill("2024")
    page.get_by_role("button", name="Read the report").click()

    expect(page.get_by_role("heading", name=re.compile("Check the proposals for"))).to_be_visible()
    expect(page.get_by_role("heading", name="The report")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Recommendation A"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Recommendation B"))).to_be_visible()

    # Correction 1: the wording of recommendation B, then accept it.
    page.get_by_label("Text").nth(1).fill(
        "The Board should review the training on the impact of domestic abuse on babies, including before birth,"
        " and report to the Board within six months."
    )
    page.get_by_role("button", name="Accept recommendation B").click()
    expect(page.get_by_text("The recommendation has been accepted")).to_be_visible()
    page.get_by_role("button", name="Accept recommendation A").click()

    # Correction 2: the action's reported progress, then accept it.
    action = page.locator("#proposal-act-0")
    expect(action).to_contain_text("daily review of incidents")
    progress = action.get_by_label("What the report says of its progress")
    expect(progress).to_have_value("reported_done")  # "has since introduced": the proposal read it as done
    progress.select_option("in_progress")
    page.get_by_role("button", name="Accept action 1").click()
    for extra in range(1, page.locator("[id^=proposal-act-]").count()):
        page.get_by_role("button", name=f"Reject action {extra + 1}", exact=True).click()

    # The passage a proposal comes from is one link away, and marked.
    page.locator("#proposal-rec-0").get_by_role("link", name="Show the passage in the report").click()
    expect(page.locator(".app-report__block:target")).to_contain_text("shares domestic abuse incidents")

    # Nothing is saved until the board member confirms: the list of reviews does not have it yet.
    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server}/reviews")
    expect(other_tab.get_by_role("link", name="Child Safeguarding Practice Review: Child T")).to_have_count(0)
    other_tab.close()

    page.get_by_role("button", name="Confirm and create the review").click()
    expect(page.get_by_role("heading", name="Child Safeguarding Practice Review: Child T", level=1)).to_be_visible()
    review_url = page.url
    # Found again the way anyone would: from the list of reviews.
    page.goto(f"{live_server}/reviews")
    page.get_by_role("link", name="Child Safeguarding Practice Review: Child T").click()
    expect(page).to_have_url(review_url)
    # The review page is a summary: each recommendation opens to its words and actions.
    corrected = page.locator("details.app-rec", has_text="and report to the Board within six months.")
    corrected.locator("summary").click()
    expect(corrected.get_by_text("and report to the Board within six months.")).to_be_visible()
    page.get_by_text(re.compile("Thames Valley Police: 1 action")).click()
    expect(page.get_by_text(re.compile("has since introduced a daily review of incidents")).first).to_be_visible()

    # The action keeps the corrected progress, and opens in the report at its own passage.
    police = page.locator("details", has_text="Thames Valley Police: 1 action")
    police.locator(".app-action-row a").first.click()
    expect(page.locator(".govuk-summary-list__row", has_text="What the report said of progress")).to_contain_text(
        "Reported in progress"
    )
    page.locator("#read-in-report").click()
    expect(page.locator("mark#passage")).to_contain_text("daily review of incidents involving babies")

    # The whole report is kept as the review's source; each item opens in it with its own words marked.
    page.goto(review_url.rstrip("/") + "/report")
    expect(page.get_by_role("heading", name="The report", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile("shares domestic abuse incidents involving a baby")).first).to_be_visible()
    page.goto(review_url)
    page.locator("details.app-rec summary").first.click()
    page.get_by_role("link", name="Open recommendation A on its own page").click()
    page.locator("#read-in-report").click()
    expect(page.locator("mark#passage")).to_contain_text("shares domestic abuse incidents involving a baby")
    page.wait_for_load_state("networkidle")
