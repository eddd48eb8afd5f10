"""In a real Chromium: an agency lead signs in, lands on their home page and opens their agency's actions;
errors are summarised."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_as

pytestmark = pytest.mark.browser


def test_agency_lead_signs_in_and_sees_their_agencys_actions(live_server, page):
    sign_in_as(page, live_server, "agency_lead")
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", name="What is waiting for you")).to_be_visible()
    page.get_by_role("link", name="My agency's actions").click()
    expect(page.get_by_role("heading", name="Your agency's actions")).to_be_visible()
    rows = page.locator("table.govuk-table tbody tr")
    expect(rows).to_have_count(8)  # Thames Valley Police: 5 in Baby K, 3 in Child J
    expect(page.get_by_text("Actions owned by Thames Valley Police")).to_be_visible()

    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Action A\d+"))).to_be_visible()
    page.get_by_text("Where this action comes from in the report").click()
    expect(page.get_by_text("What the report said of progress")).to_be_visible()


def test_wrong_password_shows_the_error_summary_and_moves_focus_to_it(live_server, page):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill("lead@browser.invalid")
    page.get_by_label("Password", exact=True).fill("not the right password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(summary).to_be_focused()  # GOV.UK Frontend's JavaScript ran under the strict CSP


def test_board_member_filters_a_review_by_agency_with_the_keyboard(live_server, page):
    sign_in_as(page, live_server, "board_member")
    page.get_by_role("link", name="Reviews").first.click()
    page.get_by_role("link", name="Serious Case Review re Baby K").click()
    page.get_by_label("Agency", exact=True).select_option(label="Thames Valley Police")
    page.get_by_role("button", name="Apply filters").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"agency=\d+"))
    # Filtered, the recommendations holding those actions are open, each action with its agency.
    actions = page.locator("li.app-action-row")
    expect(actions).to_have_count(5)
    for text in actions.all_inner_texts():
        assert "Thames Valley Police ·" in text


def test_signing_out_in_the_browser_returns_to_sign_in(live_server, page):
    sign_in_as(page, live_server, "agency_lead")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    page.goto(f"{live_server}/my-agency")
    expect(page).to_have_url(re.compile(r"/sign-in"))
