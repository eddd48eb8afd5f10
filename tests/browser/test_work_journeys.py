"""In a real Chromium, one journey per role from the landing page, with axe-core and the 320 px reflow check
on every page on the way:

- a board member reaches a submission waiting for their decision and decides it, the evidence above the form;
- an agency lead reaches an action the board returned (with its reasons) and an open exercise return;
- an auditor reaches their board's report and the evidence packs;
- an administrator's pages for people and organisations (the agencies table once widened the page at 320 px).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.actions.helpers import add_evidence
from tests.browser.a11y import check
from tests.browser.conftest import BROWSER_USERS, serve, sign_in_as
from tests.conftest import PASSWORD
from tracker import clock
from tracker.actions import services
from tracker.actions.models import Action
from tracker.assurance.exercises import open_exercise
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review

pytestmark = pytest.mark.browser

REASON = "Add the training attendance records."
ADMIN = "admin@browser.invalid"


def _prepare(app) -> None:
    """Two police actions submitted in Child J's review; the board returns one; an exercise is opened."""

    def person(role):
        return db.session.execute(select(User).where(User.email == BROWSER_USERS[role][0])).scalar_one()

    lead, member = person("agency_lead"), person("board_member")
    review = db.session.execute(select(Review).where(Review.ref == "mk-child-j")).scalar_one()
    waiting, returned = db.session.execute(
        select(Action)
        .join(Agency)
        .where(Action.review_id == review.id, Agency.key == "thames-valley-police")
        .order_by(Action.id)
        .limit(2)
    ).scalars()
    for action, title in ((waiting, "Strategy meeting protocol"), (returned, "Briefing slides")):
        action.status = "not_started"
        action.success_measure = "Every strategy meeting has the police present, checked by a dip sample"
        action.owner, action.due_date = lead, clock.today() + timedelta(days=90)  # planned: it may be submitted
        db.session.flush()
        services.change_status(db.session, lead, action, action.version, "in_progress")
        add_evidence(action, lead, title=title)
        services.submit_for_assurance(db.session, lead, action, action.version, "The protocol is in use.")
    services.decide(
        db.session,
        member,
        returned,
        returned.version,
        accept=False,
        comments=REASON,
        recheck_due=None,
        meets_measure=False,
    )
    open_exercise(
        db.session, member, review, title="Spring assurance check", deadline=clock.today() + timedelta(days=21)
    )
    create_user(db.session, email=ADMIN, name="Ada Admin", role="admin", password=PASSWORD)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("journeys"), _prepare) as url:
        yield url


def test_anonymous_pages(server, page):
    page.goto(f"{server}/sign-in")
    check(page, "sign in")
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", name="Accessibility statement for Review Action Tracker")).to_be_visible()
    check(page, "accessibility statement")


def test_board_member_decides_a_waiting_submission_from_the_landing_page(server, page):
    sign_in_as(page, server, "board_member")
    expect(page.get_by_role("heading", name="What is waiting for you")).to_be_visible()
    check(page, "board member home")
    waiting = page.locator("section[aria-labelledby=awaiting] li")
    expect(waiting).to_have_count(1)
    waiting.get_by_role("link").click()

    expect(page.get_by_text("waiting for your decision")).to_be_visible()
    measure = page.get_by_role("heading", name="1. How success will be measured").bounding_box()
    evidence = page.get_by_role("heading", name="Strategy meeting protocol").bounding_box()
    decision = page.get_by_role("group", name="Your decision").bounding_box()
    assert measure["y"] < evidence["y"] < decision["y"]
    check(page, "board member action to decide")
    # The re-check date belongs to accepting: hidden until "Accept" is chosen.
    expect(page.get_by_role("group", name="Re-check date")).to_be_hidden()
    page.get_by_label("Accept: the evidence shows it").check()
    expect(page.get_by_role("group", name="Re-check date")).to_be_visible()
    page.get_by_role("group", name="Does the evidence meet the measure of success?").get_by_label("Yes").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Your decision has been recorded")).to_be_visible()
    check(page, "board member action decided")

    page.get_by_role("link", name="Home").first.click()
    expect(page.locator("section[aria-labelledby=awaiting]")).to_contain_text("Nothing is waiting for your decision")
    page.locator("section[aria-labelledby=unanswered] li").first.get_by_role("link").click()
    check(page, "board member recommendation")
    page.get_by_role("link", name="Reviews").first.click()
    check(page, "board member reviews")
    page.get_by_role("link", name="Child J").first.click()
    check(page, "board member review")
    page.get_by_role("link", name="Home").first.click()
    page.locator("section[aria-labelledby=exercises] li").first.get_by_role("link").click()
    check(page, "board member exercise")
    page.get_by_role("link", name="Assurance reports").click()
    check(page, "board member reports")
    page.get_by_role("link", name="Milton Keynes Safeguarding Children Board").click()
    check(page, "board member board report")
    # The headline figures fit a phone: when they did not, the scroll cue's shadow sat over the numbers.
    page.set_viewport_size({"width": 320, "height": 900})
    figures = page.locator(".app-table-scroll", has=page.locator("table.app-figures"))
    expect(figures).to_be_visible()
    expect(figures).not_to_have_class(re.compile("app-table-scroll--overflowing"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Evidence packs").click()
    check(page, "board member evidence packs")


def test_agency_lead_reaches_a_returned_action_and_an_open_exercise_return(server, page):
    sign_in_as(page, server, "agency_lead")
    expect(page.get_by_role("heading", name="What is waiting for you")).to_be_visible()
    check(page, "agency lead home")
    returned = page.locator("section[aria-labelledby=returned] li")
    expect(returned).to_have_count(1)
    expect(returned).to_contain_text(REASON)
    returned.get_by_role("link").click()
    expect(page.get_by_text(REASON).first).to_be_visible()
    check(page, "agency lead returned action")
    page.get_by_role("link", name="Add evidence").click()
    check(page, "agency lead add evidence")

    page.get_by_role("link", name="Home").first.click()
    page.locator("section[aria-labelledby=returns] li").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Thames Valley Police: worksheet", level=1)).to_be_visible()
    expect(page.get_by_text("Spring assurance check").first).to_be_visible()
    check(page, "agency lead exercise return")
    page.get_by_role("link", name="My agency's actions").click()
    check(page, "agency lead agency actions")
    page.get_by_role("link", name="Assurance reports").click()
    check(page, "agency lead reports")


def test_auditor_reaches_board_reports_and_packs(server, page):
    sign_in_as(page, server, "auditor")
    check(page, "auditor home")
    page.locator("section[aria-labelledby=boards]").get_by_role("link", name="Assurance report").first.click()
    check(page, "auditor board report")
    page.get_by_role("link", name="Evidence packs").click()
    check(page, "auditor evidence packs")
    page.get_by_role("link", name="Export the plan").click()
    check(page, "auditor export")
    page.get_by_role("link", name="Your account").click()
    check(page, "auditor account")


def test_administrator_pages(server, page):
    page.goto(f"{server}/sign-in")
    page.get_by_label("Email address").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    check(page, "administrator home")
    page.goto(f"{server}/organisations")
    expect(page.get_by_role("heading", name="Boards and agencies")).to_be_visible()
    check(page, "administrator boards and agencies")
    page.goto(f"{server}/people")
    check(page, "administrator people")
