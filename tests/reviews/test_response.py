"""The board's response to a recommendation, kept apart from progress, which rolls up from its actions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Recommendation, Review
from tracker.reviews.services import progress


def _rec(ref: str, rec_ref: str) -> Recommendation:
    return db.session.execute(
        select(Recommendation).join(Review).where(Review.ref == ref, Recommendation.ref == rec_ref)
    ).scalar_one()


def test_board_member_records_the_response_with_a_rationale(signed_in):
    rec = _rec("mk-child-j", "A")
    client = signed_in("board_member")
    refused = client.post(f"/recommendations/{rec.id}/response", data={"response": "accepted_in_part"})
    assert refused.status_code == 422 and "Give the board" in refused.get_data(as_text=True)
    saved = client.post(
        f"/recommendations/{rec.id}/response",
        data={"response": "accepted_in_part", "rationale": "Training is funded; audit is not"},
    )
    assert saved.status_code == 302
    db.session.refresh(rec)
    assert (rec.response, rec.response_rationale) == ("accepted_in_part", "Training is funded; audit is not")
    page = client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert "Accepted in part" in page and "Training is funded; audit is not" in page


def test_board_member_adds_an_action_for_an_agency(signed_in):
    rec = _rec("mk-child-j", "B")
    police = db.session.execute(select(Agency).where(Agency.key == "thames-valley-police")).scalar_one()
    client = signed_in("board_member")
    assert client.get(f"/recommendations/{rec.id}/actions/new").status_code == 200
    refused = client.post(f"/recommendations/{rec.id}/actions/new", data={"agency": str(police.id)})
    assert refused.status_code == 422 and "Enter what will be done" in refused.get_data(as_text=True)
    created = client.post(
        f"/recommendations/{rec.id}/actions/new",
        data={
            "agency": str(police.id),
            "text": "Brief all MASH staff on the new protocol",
            "due_date": ["31", "3", "2027"],
            "success_measure": "All MASH staff briefed",
        },
    )
    assert created.status_code == 302
    db.session.refresh(rec)
    action = rec.actions[-1]
    assert (action.agency_id, action.due_date, action.original_due_date, action.status) == (
        police.id,
        date(2027, 3, 31),
        date(2027, 3, 31),
        "not_started",
    )


def test_progress_rolls_up_from_the_actions():
    from tracker.actions.models import Action

    rec = Recommendation(
        actions=[
            Action(status="assured"),
            Action(status="embedded"),
            Action(status="in_progress", due_date=date(2026, 1, 1)),
        ]
    )
    figures = progress(rec, date(2026, 6, 1))
    assert (figures["total"], figures["done"], figures["overdue"]) == (3, 2, 1)
    assert figures["summary"] == "2 of 3 assured, 1 overdue, 1 open"
    assert progress(Recommendation(actions=[]), date(2026, 6, 1))["summary"] == "No actions yet"
