"""In a real Chromium: a board member reads a recommendation and an action in their place in the report,
with the passage highlighted and scrolled into view."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import check
from tests.browser.conftest import sign_in_as

pytestmark = pytest.mark.browser
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _shoot(page, name: str) -> None:
    """Screenshots at 320px and 1280px when SCREENSHOT_DIR is set (for a person to look at, not asserted)."""
    if not SCREENSHOTS:
        return
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#passage").scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def test_recommendation_and_action_pages_link_to_their_highlighted_passage(live_server, page):
    sign_in_as(page, live_server, "board_member")
    page.goto(f"{live_server}/reviews")
    page.get_by_role("link", name="Serious Case Review: Child J").first.click()
    page.locator("details.app-rec summary", has_text="Recommendation F").click()
    page.get_by_role("link", name="Open recommendation F on its own page").click()
    expect(page.get_by_role("heading", name="Recommendation F", level=1)).to_be_visible()

    page.get_by_role("link", name="Read it in the report").click()
    expect(page).to_have_url(re.compile(r"/recommendations/\d+/report#passage$"))
    expect(page.get_by_role("heading", name="Recommendation F in the report")).to_be_visible()
    passage = page.locator("mark#passage")
    expect(passage).to_be_visible()
    expect(passage).to_contain_text("That MKSB ensures practitioners are competent in working with families")
    expect(passage).to_be_in_viewport()
    assert passage.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    _shoot(page, "recommendation-in-report")

    # The action that comes from footnote 47 of the same review.
    page.go_back()
    page.get_by_role("link", name="Pregnancy and babies noted properly on DASH forms").first.click()
    expect(page.get_by_text("This has been addressed by the police since").first).to_be_visible()
    page.get_by_role("link", name="Read it in the report").click()
    expect(page).to_have_url(re.compile(r"/actions/\d+/report#passage$"))
    expect(page.get_by_text("It comes from footnote 47")).to_be_visible()
    passage = page.locator("mark#passage")
    expect(passage).to_contain_text("This has been addressed by the police since")
    expect(passage).to_be_in_viewport()
    _shoot(page, "action-in-report")
    page.wait_for_load_state("networkidle")

    # The whole report, in its own scroll box: a keyboard must be able to reach and scroll it (axe).
    page.goto(f"{live_server}/reviews")
    page.get_by_role("link", name="Serious Case Review: Child J").first.click()
    page.get_by_role("link", name="Read the published report").click()
    expect(page.get_by_role("region", name="Text of the published report")).to_be_visible()
    check(page, "the published report")
