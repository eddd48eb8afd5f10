"""The report pages and their PDF downloads, through the test client."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import sign_in
from tracker.audit import HistoryEntry
from tracker.extensions import db
from tracker.reviews.models import Review


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_board_report_page_shows_every_part_with_the_key_and_charts(plan, client):
    sign_in(client, plan.member.email)
    response = client.get(f"/reports/boards/{plan.board.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _text(response)
    for heading in (
        "Headline figures",
        "Key to the ratings",
        "Recurring themes across reviews",
        "Overdue actions",
        "Re-checks due",
        "Returned submissions",
        "Progress per agency",
        "Recommendations and their actions",
    ):
        assert heading in text
    # The key, in words.
    assert "Red: Overdue, or not started past its due date" in text
    assert "Blue: Assured and embedded" in text
    # Charts are inline SVG images with a title, and the same figures are in a table beside them.
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img"') == 3
    assert "<title id=" in html and "the figures in the chart" in text
    # The overdue list names the owner and days late; the returned one the board's reasons.
    assert "Lead 0 of report-test-board" in text and "Add the audit results" in text
    assert re.search(r"Information sharing.*Recurs in 3 reviews", text)
    # No inline style: the Content Security Policy forbids it.
    assert "style=" not in html


def test_as_at_shows_the_past_position_and_marks_changes(plan, client):
    sign_in(client, plan.member.email)
    response = client.get(f"/reports/boards/{plan.board.id}?as_at=2026-01-31")
    assert response.status_code == 200
    text = _text(response)
    assert "This report shows the position at the end of 31 January 2026, rebuilt from the history" in text
    assert "Changed since 31 January 2026" in text
    # Three boxes (the GOV.UK date input) work as well as a quick link's ISO date.
    same = client.get(f"/reports/boards/{plan.board.id}?as_at=31&as_at=1&as_at=2026")
    assert "position at the end of 31 January 2026" in _text(same)
    assert "/pdf?as_at=2026-01-31" in response.get_data(as_text=True)


def test_a_date_in_the_future_or_not_a_date_is_an_error_on_the_page(plan, client):
    sign_in(client, plan.member.email)
    future = client.get(f"/reports/boards/{plan.board.id}?as_at=1&as_at=1&as_at=2030")
    assert future.status_code == 422
    assert "The date must be today or in the past" in _text(future)
    assert "There is a problem" in _text(future)
    wrong = client.get(f"/reports/boards/{plan.board.id}?as_at=31&as_at=2&as_at=2026")
    assert wrong.status_code == 422 and "must be a real date" in _text(wrong)
    # The report is still shown, as it stands today.
    assert "Headline figures" in _text(wrong)
    pdf = client.get(f"/reports/boards/{plan.board.id}/pdf?as_at=1&as_at=1&as_at=2030")
    assert pdf.status_code == 302 and f"/reports/boards/{plan.board.id}?as_at=1" in pdf.headers["Location"]


def test_pdf_is_an_attachment_and_its_download_is_recorded(plan, client):
    sign_in(client, plan.member.email)
    response = client.get(f"/reports/boards/{plan.board.id}/pdf?as_at=2026-05-31")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="assurance-report-report-test-board-2026-05-31.pdf"'
    )
    entry = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.event == "report.downloaded").order_by(HistoryEntry.id.desc())
    ).scalar_one()
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("board", plan.board.id, plan.member.id)
    assert entry.after == {"scope": "board", "as_at": "2026-05-31", "format": "pdf"}
    assert "as at 2026-05-31" in entry.summary


def test_agency_lead_sees_their_agencys_report_soonest_due_first(plan, client, users):
    sign_in(client, users["agency_lead"])
    response = client.get("/reports/agency")
    assert response.status_code == 200
    text = _text(response)
    assert "What Thames Valley Police owes, soonest due first" in text
    assert text.index("Action for 1 by thames-valley-police") < text.index("Serious Case Review: Child J")
    index = _text(client.get("/reports"))
    assert "Thames Valley Police: everything your agency owes" in index
    assert "Boards" not in index


def test_reports_index_lists_the_boards_and_reviews_in_reach(app, signed_in):
    client = signed_in("board_member")
    text = _text(client.get("/reports"))
    assert "Milton Keynes Safeguarding Children Board" in text
    assert "Buckinghamshire" not in text
    assert "Serious Case Review: Child J" in text


def test_review_page_links_to_its_report_for_those_who_may_see_it(app, signed_in):
    review_id = db.session.execute(select(Review.id).where(Review.ref == "mk-child-j")).scalar_one()
    member = signed_in("board_member")
    page = member.get(f"/reviews/{review_id}").get_data(as_text=True)
    assert f'href="/reports/reviews/{review_id}">View the assurance report' in page
    assert 'href="/reports">Assurance reports' in page
    report = member.get(f"/reports/reviews/{review_id}")
    assert report.status_code == 200 and "Serious Case Review: Child J" in _text(report)
    member.post("/sign-out")
    lead = signed_in("agency_lead")
    assert "View the assurance report" not in lead.get(f"/reviews/{review_id}").get_data(as_text=True)


def test_auditor_downloads_their_boards_review_report(app, signed_in):
    review_id = db.session.execute(select(Review.id).where(Review.ref == "bucks-baby-k")).scalar_one()
    client = signed_in("auditor")
    response = client.get(f"/reports/reviews/{review_id}/pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert 'filename="assurance-report-bucks-baby-k-' in response.headers["Content-Disposition"]
