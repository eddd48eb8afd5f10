"""The review page is a summary: headline figures and ratings first, jump links, each recommendation
collapsed to its reference, first line, rating and actions' statuses, and a single-agency recommendation not
repeated word for word as its action."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import sign_in
from tracker import clock
from tracker.auth.models import User
from tracker.extensions import db
from tracker.reports.brag import Brag, rate_action
from tracker.reviews.models import Recommendation, Review
from tracker.reviews.summary import review_summary, same_words


def _page(client, ref):
    review_id = db.session.execute(select(Review.id).where(Review.ref == ref)).scalar_one()
    response = client.get(f"/reviews/{review_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_headline_figures_and_jump_links_come_first(signed_in):
    page = _page(signed_in("auditor"), "bucks-baby-k")
    assert page.index('id="summary"') < page.index('id="recommendations"') < page.index('id="about"')
    for anchor in ("#summary", "#recommendations", "#own-actions", "#exercises-heading", "#about"):
        assert f'href="{anchor}"' in page
    summary = page.split('id="summary"', 1)[1].split("</section>", 1)[0]
    assert "Waiting for the board's decision" in summary and "Recommendations by rating" in summary


def test_recommendations_are_collapsed_with_ref_first_line_and_rating(signed_in):
    page = _page(signed_in("auditor"), "bucks-baby-k")
    rec = db.session.execute(
        select(Recommendation).join(Review).where(Review.ref == "bucks-baby-k", Recommendation.ref == "8.8.3")
    ).scalar_one()
    block = page.split(f'id="rec-{rec.id}"', 1)[1]
    assert block.index("Recommendation 8.8.3:") < block.index("</summary>")
    status_line = block.split("</details>", 1)[1].split("</p>", 1)[0]
    assert "app-brag" in status_line


def test_a_single_agency_recommendation_is_not_repeated_as_its_action(signed_in):
    rec = db.session.execute(
        select(Recommendation).join(Review).where(Review.ref == "bucks-baby-k", Recommendation.ref == "8.8.3")
    ).scalar_one()
    assert rec.kind == "single_agency" and any(same_words(a.text, rec.text) for a in rec.actions)
    page = _page(signed_in("auditor"), "bucks-baby-k")
    block = page.split(f'id="rec-{rec.id}"', 1)[1].split("</details>", 1)[0]
    first_line = " ".join(rec.text.split())[:60]
    assert " ".join(block.split()).count(first_line) <= 2  # the summary line and the full text, not the action
    assert "the recommendation itself, for" in block


def test_the_review_page_rates_each_action_as_the_report_does(signed_in, users):
    """An owned action with a due date well ahead is on track (Green), not "No owner or due date": the page
    must pass the owner to the one rule (brag.rate_action), as the report and the exports do."""
    today = clock.today()
    review = db.session.execute(select(Review).where(Review.ref == "bucks-baby-k")).scalar_one()
    action = next(a for a in review.actions if a.status in ("not_started", "in_progress"))
    action.owner_id = db.session.execute(select(User.id).where(User.email == users["admin"])).scalar_one()
    action.due_date = today + timedelta(days=100)
    db.session.flush()

    summary = review_summary(review, review.recommendations, today)
    assert summary.action_ratings == {a.id: rate_action(a, today) for a in review.actions}
    assert summary.action_ratings[action.id] == Brag.GREEN
    page = _page(signed_in("auditor"), "bucks-baby-k")
    row = page.split(f'href="/actions/{action.id}"', 1)[1].split("</li>", 1)[0]
    assert "app-brag--green" in row and "No owner or due date" not in row


def _status_line(page, rec_ref):
    rec = db.session.execute(
        select(Recommendation).join(Review).where(Review.ref == "bucks-baby-k", Recommendation.ref == rec_ref)
    ).scalar_one()
    return page.split(f'id="rec-{rec.id}"', 1)[1].split("</details>", 1)[1].split("</p>", 1)[0]


def test_a_lead_sees_no_rating_made_from_another_agencys_actions(app, signed_in, users):
    """A recommendation's rating is the worst of its actions': an agency lead sees it only where they may see
    every one of those ratings (permissions.visible_action_fields), as in the Excel download."""
    page = _page(signed_in("agency_lead"), "bucks-baby-k")  # a lead at Thames Valley Police
    assert "app-brag" in _status_line(page, "8.2.1")  # the police's own recommendation
    other = _status_line(page, "8.1.1")  # the council's
    assert "app-brag" not in other and "Rating not shown: it includes other agencies' actions" in other
    summary = page.split('id="summary"', 1)[1].split("</section>", 1)[0]
    assert "Not shown (they include other agencies' actions)" in summary
    auditor = app.test_client()
    assert sign_in(auditor, users["auditor"]).status_code == 302
    board_page = _page(auditor, "bucks-baby-k")
    assert "app-brag" in _status_line(board_page, "8.1.1") and "Not shown" not in board_page
