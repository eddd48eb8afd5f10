"""In a real Chromium: an agency lead starts work, uploads evidence and submits; a board member returns it,
then accepts it; the lead never gets the means to sign off their own action."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_as
from tests.evidence import pdf

pytestmark = pytest.mark.browser

PDF = pdf("Protocol adopted")  # a real PDF: uploads are parsed, not sniffed


def _add_evidence(page, title: str, with_file: bool) -> None:
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_label("Evidence of implementation (what was done)").check()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("The protocol was adopted by the senior leadership team.")
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    if with_file:
        page.get_by_label("Upload files (optional)").set_input_files(
            files=[{"name": "protocol.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
    page.get_by_role("button", name="Save evidence").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Action A\d+"))).to_be_visible()
    expect(page.get_by_text(title).first).to_be_visible()


def _submit(page, statement: str) -> None:
    # Once there is evidence, submitting is the next step, shown open as the page's one primary button.
    expect(page.get_by_role("heading", name="Next step: submit for assurance")).to_be_visible()
    page.get_by_label("Statement for the reviewer").fill(statement)
    page.get_by_role("button", name="Submit for assurance").click()
    expect(page.get_by_text("Submitted for assurance: a board member will review it")).to_be_visible()


def test_lead_submits_board_returns_then_accepts(live_server, browser):
    lead = browser.new_context().new_page()
    member = browser.new_context().new_page()

    sign_in_as(lead, live_server, "agency_lead")
    lead.get_by_role("link", name="My agency's actions").click()
    lead.locator("table.govuk-table tbody tr").first.get_by_role("link").click()
    action_url = lead.url
    lead.get_by_role("button", name="Start work on this action").click()
    expect(lead.get_by_text("The status has been changed")).to_be_visible()
    _add_evidence(lead, "Strategy meeting protocol", with_file=True)
    expect(lead.get_by_role("link", name=re.compile("protocol.pdf"))).to_be_visible()

    # Not planned yet: the submission is refused, saying what is missing and who can set it.
    lead.get_by_text("Submit for assurance", exact=True).first.click()
    lead.get_by_label("Statement for the reviewer").fill("Done.")
    lead.get_by_role("button", name="Submit for assurance").click()
    expect(lead.locator(".govuk-error-summary")).to_contain_text(
        "cannot be submitted for assurance until it has an owner, a due date and a measure of success"
    )
    expect(lead.locator(".govuk-error-summary")).to_contain_text("A board member of the review's board sets")

    sign_in_as(member, live_server, "board_member")
    member.goto(action_url)
    member.get_by_text("Change the owner, due date or measure of success").click()
    member.get_by_label("Owner", exact=True).select_option(index=1)  # the agency's lead
    plan = member.locator("form[action$='/plan']")
    plan.get_by_label("Day").fill("31")
    plan.get_by_label("Month").fill("3")
    plan.get_by_label("Year").fill("2030")
    member.get_by_label("How success will be measured").fill("Every strategy meeting follows the protocol")
    member.get_by_role("button", name="Save the plan").click()
    expect(member.get_by_text("The plan has been saved")).to_be_visible()

    lead.goto(action_url)
    _submit(lead, "The new protocol is in use across the force.")

    # The agency's own lead has no way to sign it off.
    expect(lead.get_by_role("button", name="Record the decision")).to_have_count(0)
    expect(lead.get_by_text("with the board for assurance")).to_be_visible()

    # From the landing page alone: the submission is listed as waiting for the member's decision.
    member.goto(live_server + "/home")
    expect(member.get_by_role("heading", name="What is waiting for you")).to_be_visible()
    path = action_url.removeprefix(live_server)
    member.locator("section[aria-labelledby=awaiting]").locator(f'a[href="{path}"]').click()
    assert member.url == action_url
    expect(member.get_by_text("waiting for your decision")).to_be_visible()
    # The evidence is above the decision: measure of success, then what was put forward, then the form.
    measure = member.get_by_role("heading", name="1. How success will be measured").bounding_box()
    evidence = member.get_by_role("heading", name="Strategy meeting protocol").bounding_box()
    decision = member.get_by_role("group", name="Your decision").bounding_box()
    assert measure["y"] < evidence["y"] < decision["y"]
    expect(member.locator(".app-measure")).to_contain_text("Every strategy meeting follows the protocol")
    member.get_by_role("group", name="Does the evidence meet the measure of success?").get_by_label("No").check()
    member.get_by_label("Return it to the agency, with reasons").check()
    member.get_by_label("Comments").fill("Add the training attendance records.")
    member.get_by_role("button", name="Record the decision").click()
    expect(member.get_by_text("returned it to the agency: Add the training attendance records.")).to_be_visible()

    lead.reload()
    expect(lead.get_by_text("Add the training attendance records.").first).to_be_visible()
    lead.get_by_role("button", name="Resume work on this action").click()
    _add_evidence(lead, "Training attendance records", with_file=False)
    _submit(lead, "Attendance records added.")

    member.reload()
    member.get_by_role("group", name="Does the evidence meet the measure of success?").get_by_label("Yes").check()
    member.get_by_label("Accept: the evidence shows it").check()
    member.get_by_role("button", name="Record the decision").click()
    expect(member.get_by_text("Your decision has been recorded")).to_be_visible()
    expect(member.locator(".govuk-summary-list__value .govuk-tag").first).to_have_text("Assured")
    expect(
        member.get_by_text(re.compile(r"accepted it: assured; re-check due \d{1,2} [A-Z][a-z]+ \d{4}"))
    ).to_be_visible()
    lead.context.close()
    member.context.close()
