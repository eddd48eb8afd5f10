"""In a real Chromium: a board member reads a large board's report, which shows a few rows of each list, and
follows "See all" to every overdue action, page by page, and to every recommendation by need. Each page is
checked with axe-core at 320 px and 1280 px, with no sideways scroll at 320 px."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.a11y import check
from tests.browser.conftest import serve, sign_in_as
from tracker import clock
from tracker.actions.models import Action
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Recommendation, Review

pytestmark = pytest.mark.browser

EXTRA = 60  # recommendations, each with an overdue action: more than a report shows and than a page holds


def _prepare(app) -> None:
    review = db.session.execute(select(Review).where(Review.ref == "mk-child-j")).scalar_one()
    police = db.session.execute(select(Agency).where(Agency.key == "thames-valley-police")).scalar_one()
    today = clock.today()
    for n in range(1, EXTRA + 1):
        rec = Recommendation(
            review=review,
            ref=f"X{n}",
            position=1000 + n,
            addressed_to="board",
            kind="board",
            text=f"Extra recommendation {n}: make sure the partnership hears from every agency in time",
        )
        db.session.add(rec)
        db.session.add(
            Action(
                review=review,
                recommendation=rec,
                agency_id=police.id,
                text=f"Extra overdue action {n}: brief every officer on the new referral route",
                due_date=today - timedelta(days=n),
                original_due_date=today - timedelta(days=n),
            )
        )


@pytest.fixture(scope="module")
def big_server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("see-all"), _prepare) as url:
        yield url


def test_board_member_follows_see_all_from_a_large_report(big_server, page):
    sign_in_as(page, big_server, "board_member")
    page.goto(f"{big_server}/reports")
    page.get_by_role("link", name="Milton Keynes Safeguarding Children Board").click()
    expect(page.get_by_role("heading", name="Overdue actions")).to_be_visible()
    check(page, "large board report")
    overdue = page.locator("section[aria-labelledby=overdue]")
    expect(overdue.locator("tbody tr")).to_have_count(10)

    overdue.get_by_role("link", name=re.compile(r"See all \d+ overdue actions")).click()
    expect(page.get_by_role("heading", name="Overdue actions, the longest overdue first", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Page 1 of \d+"))).to_be_visible()
    check(page, "see all overdue actions")
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text(re.compile(r"Page 2 of \d+"))).to_be_visible()
    page.get_by_role("link", name="Back to the assurance report").click()

    page.get_by_role("link", name=re.compile(r"See all \d+ recommendations")).click()
    expect(page.get_by_role("heading", name="Recommendations by need of attention")).to_be_visible()
    check(page, "see all recommendations")
    page.wait_for_load_state("networkidle")
