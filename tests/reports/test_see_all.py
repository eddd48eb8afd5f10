"""A report's size follows what a person reads: each list shows a few rows with its total and a "See all"
link to numbered pages of the same list, under the same visibility rule as the report itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import sign_in
from tests.perf.test_list_query_counts import statements_for
from tests.reports.helpers import POLICE, SOCIAL_CARE, new_plan
from tracker.actions.models import Action
from tracker.extensions import db
from tracker.reports import lists

RECOMMENDATIONS = 25  # above the page's 20 recommendations and 10 rows per list


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _section(html: str, anchor: str) -> str:
    start = html.index(f'aria-labelledby="{anchor}"')
    end = html.find("<section", start)
    return html[start : end if end > 0 else len(html)]


def _add_overdue(plan, review, today, count: int, first_ref: int = 1) -> None:
    """One overdue action per recommendation, the last recommendation's the most overdue."""
    lead = plan.leads[POLICE]
    for n, rec in enumerate(review.recommendations[first_ref - 1 : first_ref - 1 + count], start=first_ref):
        db.session.add(
            Action(
                review_id=review.id,
                recommendation_id=rec.id,
                agency_id=plan.agencies[POLICE].id,
                text=f"Overdue action {n:02d}",
                owner_id=lead.id,
                due_date=today - timedelta(days=n),
                original_due_date=today - timedelta(days=n),
                # Before the day a past-date report is shown at (these rows have no history to rebuild).
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    db.session.flush()


@pytest.fixture
def big(app, today):
    plan = new_plan("see-all-board")
    review = plan.review("see-all-review", [[] for _ in range(RECOMMENDATIONS)])
    _add_overdue(plan, review, today, RECOMMENDATIONS)
    # Recommendation 7 has a second overdue action: it needs attention most.
    plan.action(review.recommendations[6], SOCIAL_CARE, due=today - timedelta(days=1))
    db.session.commit()
    plan.main_review = review
    return plan


@pytest.fixture
def small_pages(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 10)


def test_the_report_shows_a_few_rows_of_each_list_and_links_to_all_of_them(big, client):
    sign_in(client, big.member.email)
    response = client.get(f"/reports/boards/{big.board.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    overdue = _section(html, "overdue")
    assert overdue.count("Overdue action ") == lists.PAGE.rows
    # The most overdue first, and the link to the rest with the total.
    assert "Overdue action 25" in overdue and "Overdue action 01" not in overdue
    link = f'href="/reports/boards/{big.board.id}/actions/overdue">See all {RECOMMENDATIONS + 1} overdue actions'
    assert link in overdue
    needing = _section(html, "recommendations")
    assert needing.count("Recommendation ") - needing.count("Recommendations") >= lists.PAGE.recommendations
    assert f"The 20 of {RECOMMENDATIONS} recommendations that most need attention" in _text(response)
    assert f'href="/reports/boards/{big.board.id}/recommendations">See all {RECOMMENDATIONS} recommendations' in html
    first = re.search(r"Recommendation (\d+)</a>", needing)
    assert first and first.group(1) == "7"
    assert client.get(f"/reports/boards/{big.board.id}/actions/overdue").status_code == 200
    assert client.get(f"/reports/boards/{big.board.id}/recommendations").status_code == 200


def test_the_pdf_keeps_its_fuller_appendix(big, client):
    from tracker.reports.builder import build_report
    from tracker.reports.scope import scope_for

    report = build_report(db.session, scope_for(board=big.board))
    assert len(report.overdue.items) == RECOMMENDATIONS + 1  # under the PDF's 50
    assert sum(len(section.recommendations) for section in report.reviews) == RECOMMENDATIONS


def test_a_past_date_report_is_bounded_too_and_says_what_is_not_listed(big, client, today):
    sign_in(client, big.member.email)
    response = client.get(f"/reports/boards/{big.board.id}?as_at={today.isoformat()}")
    assert response.status_code == 200
    overdue = _section(response.get_data(as_text=True), "overdue")
    assert overdue.count("Overdue action ") == lists.PAGE.rows
    assert "See all" not in overdue  # the See-all pages are today's; the past is rebuilt for the report only
    assert re.search(r"And \d+ more overdue actions not listed here", _text(response))


def test_see_all_pages_through_the_list_in_the_reports_order(big, client, small_pages):
    sign_in(client, big.member.email)
    base = f"/reports/boards/{big.board.id}/actions/overdue"
    seen = []
    for page in (1, 2, 3):
        response = client.get(base if page == 1 else f"{base}?page={page}")
        assert response.status_code == 200
        text = _text(response)
        assert f"Page {page} of 3" in text
        seen += re.findall(r"Overdue action (\d+)", text)
        html = response.get_data(as_text=True)
        assert (f'href="{base}?page={page + 1}"' in html) == (page < 3)
        assert (f'href="{base}?page={page - 1}"' in html) == (page > 1)
    # Every overdue action once, the longest overdue first (the social care action due yesterday, with
    # action 01, is ordered by id after it).
    assert seen == [f"{n:02d}" for n in range(RECOMMENDATIONS, 1, -1)] + ["01"]
    assert "Action for 7 by milton-keynes-childrens-social-care" in _text(client.get(f"{base}?page=3"))


def test_see_all_recommendations_lists_every_one_by_need(big, client, small_pages):
    sign_in(client, big.member.email)
    base = f"/reports/boards/{big.board.id}/recommendations"
    refs = []
    for page in (1, 2, 3):
        response = client.get(f"{base}?page={page}")
        assert response.status_code == 200
        refs += re.findall(r"Recommendation (\d+)</a>", response.get_data(as_text=True))
    assert refs == ["7"] + [str(n) for n in range(1, RECOMMENDATIONS + 1) if n != 7]


@pytest.mark.parametrize(
    "page", ["0", "-1", "abc", "1.5", "²", "١", "99999999999", "4", "100000", " 2", ""], ids=lambda p: repr(p)
)
def test_a_page_that_is_not_one_is_a_404_never_an_error(big, client, small_pages, page):
    sign_in(client, big.member.email)
    for path in ("actions/overdue", "recommendations"):
        response = client.get(f"/reports/boards/{big.board.id}/{path}", query_string={"page": page})
        assert response.status_code == 404, (path, page)


def test_an_unknown_list_is_a_404_and_what_an_agency_owes_is_only_on_its_own_report(big, client):
    sign_in(client, big.member.email)
    assert client.get(f"/reports/boards/{big.board.id}/actions/nothing").status_code == 404
    assert client.get(f"/reports/boards/{big.board.id}/actions/owed").status_code == 404


@pytest.mark.parametrize("role", ["board_member", "agency_lead", "other_lead", "auditor"])
@pytest.mark.parametrize("path", ["", "/recommendations", "/actions/overdue", "/actions/rechecks", "/actions/returned"])
def test_see_all_refuses_whoever_the_report_refuses(big, client, users, role, path):
    """A member of another board, an agency lead, an auditor of another board: each gets the report's own
    answer (404 out of reach, 403 in sight but not theirs) on every See-all page."""
    sign_in(client, users[role])
    report = client.get(f"/reports/boards/{big.board.id}").status_code
    assert report in (403, 404)
    assert client.get(f"/reports/boards/{big.board.id}{path}").status_code == report
    review = f"/reports/reviews/{big.main_review.id}"
    assert client.get(f"{review}{path}").status_code == client.get(review).status_code


def test_an_agency_lead_sees_only_their_own_agencys_list(big, client, users, small_pages):
    sign_in(client, users["agency_lead"])  # Thames Valley Police, whose are the 25 overdue actions
    response = client.get("/reports/agency/actions/owed?page=3")
    assert response.status_code == 200
    assert re.search(r"Overdue action \d\d", _text(response))
    client.post("/sign-out")
    sign_in(client, users["other_lead"])  # another agency: its own list, never Thames Valley Police's
    other = client.get("/reports/agency/actions/owed")
    assert other.status_code == 200 and not re.search(r"Overdue action \d\d", _text(other))
    assert client.get("/reports/agency/actions/overdue").status_code == 200
    assert not re.search(r"Overdue action \d\d", _text(client.get("/reports/agency/actions/overdue")))


def test_see_all_pages_run_as_many_statements_for_more_data(app, client, today, small_pages):
    plan = new_plan("see-all-count")
    review = plan.review("see-all-count-review", [[] for _ in range(40)])
    _add_overdue(plan, review, today, 3)
    db.session.commit()
    sign_in(client, plan.member.email)
    paths = [
        f"/reports/boards/{plan.board.id}/actions/overdue",
        f"/reports/boards/{plan.board.id}/recommendations",
        f"/reports/reviews/{review.id}/actions/overdue",
        f"/reports/boards/{plan.board.id}",
    ]
    small = [statements_for(client, path) for path in paths]
    _add_overdue(plan, review, today, 37, first_ref=4)
    more = plan.review("see-all-count-more", [[] for _ in range(30)])
    _add_overdue(plan, more, today, 30)
    db.session.commit()
    assert [statements_for(client, path) for path in paths] == small
    assert "Page 1 of 7" in _text(client.get(paths[0]))
