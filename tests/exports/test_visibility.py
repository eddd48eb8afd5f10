"""One visibility rule (``permissions.visible_action_fields``) for pages and exports: an agency lead sees what
every agency was asked to do on a shared review and where it stands, but another agency's owner, dates,
measure of success and rating only where that agency's people and the board do. No export holds a field
its user could not see on a page."""

from __future__ import annotations

import io
import json
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from tests.actions.helpers import user
from tests.conftest import PASSWORD
from tracker import permissions
from tracker.actions.models import Action
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review

SECRET_OWNER = "Olive Otheragency"
SECRET_MEASURE = "Measured by the secret casefile audit"


def _other_agencys_action() -> Action:
    """A Milton Keynes social care action in the review the police lead also works on, fully planned."""
    police = db.session.execute(select(Agency).where(Agency.key == "thames-valley-police")).scalar_one()
    action = db.session.execute(
        select(Action)
        .join(Review)
        .where(Review.ref == "mk-child-j", Action.agency_id != police.id)
        .order_by(Action.id)
        .limit(1)
    ).scalar_one()
    owner = create_user(
        db.session,
        email="olive@visibility.invalid",
        name=SECRET_OWNER,
        role="agency_lead",
        password=PASSWORD,
        agency_key=action.agency.key,
    )
    action.owner, action.due_date, action.success_measure = owner, date(2031, 7, 19), SECRET_MEASURE
    db.session.commit()
    return action


def _walk_actions(plan: dict):
    for review in plan["reviews"]:
        for rec in review["recommendations"]:
            yield from rec["actions"]
        yield from review["agency_actions"]


def test_a_lead_sees_the_shared_plan_but_not_another_agencys_owner_dates_or_measure(app, users, signed_in):
    other = _other_agencys_action()
    lead = user(users["agency_lead"])
    client = signed_in("agency_lead")

    page = client.get(f"/reviews/{other.review_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1" in text
    assert other.text[:60] in text  # the shared work is there
    assert SECRET_OWNER not in text and "19 July 2031" not in text
    assert client.get(f"/actions/{other.id}").status_code == 404

    exported = json.loads(client.post("/export/plan.json").get_data(as_text=True))
    actions = {a["id"]: a for a in _walk_actions(exported)}
    assert actions[other.id]["text"] == other.text and actions[other.id]["status"] == other.status
    assert actions[other.id]["owner"] is None and actions[other.id]["due_date"] is None
    assert actions[other.id]["success_measure"] is None and actions[other.id]["brag"] is None
    # No export holds a field its user could not see on a page.
    for action_id, data in actions.items():
        shown = permissions.visible_action_fields(lead, db.session.get(Action, action_id))
        assert {key for key, value in data.items() if value not in (None, [], "")} <= shown, action_id

    csv_text = client.post("/export/plan.csv").get_data(as_text=True)
    assert other.text.splitlines()[0][:40] in csv_text
    assert SECRET_OWNER not in csv_text and SECRET_MEASURE not in csv_text and "2031-07-19" not in csv_text

    book = load_workbook(io.BytesIO(client.post("/export/plan.xlsx").get_data()), read_only=True)
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert other.text in cells
    assert SECRET_OWNER not in cells and SECRET_MEASURE not in cells
    assert not any("2031-07-19" in c for c in cells)


def test_the_board_sees_everything_of_the_same_action(app, users, signed_in):
    other = _other_agencys_action()
    client = signed_in("board_member")
    exported = json.loads(client.post("/export/plan.json").get_data(as_text=True))
    data = {a["id"]: a for a in _walk_actions(exported)}[other.id]
    assert (data["owner"], data["due_date"], data["success_measure"]) == (SECRET_OWNER, "2031-07-19", SECRET_MEASURE)
    page = client.get(f"/reviews/{other.review_id}").get_data(as_text=True)
    assert SECRET_OWNER in page


def test_the_rule_itself():
    from types import SimpleNamespace as NS

    review = NS(boards=[NS(id=1)])
    action = NS(agency_id=10, review=review)
    agency = NS(id=10, boards=[NS(id=1)])
    other_agency = NS(id=20, boards=[NS(id=1)])

    def lead(of):
        return NS(
            id=1, role="agency_lead", board_ids=set(), agency=of, agency_id=of.id, is_authenticated=True, is_active=True
        )

    assert permissions.visible_action_fields(lead(agency), action) == permissions.ACTION_FIELDS
    shared = permissions.visible_action_fields(lead(other_agency), action)
    assert shared == permissions.SHARED_ACTION_FIELDS
    assert not shared & {"owner", "due_date", "success_measure", "brag", "evidence", "history"}
    stranger = lead(NS(id=30, boards=[NS(id=2)]))
    assert permissions.visible_action_fields(stranger, action) == frozenset()
