"""The action page: each person sees only the steps they may take, and stale edits are refused."""

from __future__ import annotations

import re

from tests.actions.helpers import add_evidence, police_action, user
from tracker.actions import services
from tracker.extensions import db


def _version(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def test_two_people_editing_the_same_action(app, users):
    action = police_action(planned=False)
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.post("/sign-in", data={"email": users["board_member"], "password": "correct horse battery staple"})
    version = _version(first.get(f"/actions/{action.id}").get_data(as_text=True))
    assert _version(second.get(f"/actions/{action.id}").get_data(as_text=True)) == version

    saved = first.post(
        f"/actions/{action.id}/plan",
        data={"version": version, "owner": "", "due_date": ["31", "1", "2027"], "success_measure": "Audit"},
    )
    assert saved.status_code == 302
    refused = second.post(
        f"/actions/{action.id}/plan",
        data={"version": version, "owner": "", "due_date": ["30", "6", "2027"], "success_measure": "Other"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "changed this action after you opened it" in page and "due date set to 2027-01-31" in page
    db.session.refresh(action)
    assert action.due_date.isoformat() == "2027-01-31" and action.success_measure == "Audit"


def test_a_bad_date_is_explained(signed_in):
    client = signed_in("board_member")
    action = police_action()
    response = client.post(
        f"/actions/{action.id}/plan",
        data={"version": str(action.version), "owner": "", "due_date": ["31", "2", "2027"]},
    )
    assert response.status_code == 422
    assert "Due date must be a real date" in response.get_data(as_text=True)


def test_agency_lead_sees_agency_steps_and_never_the_decision(signed_in, users):
    action = police_action()
    client = signed_in("agency_lead")
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Start work on this action" in page and "Add evidence" in page
    assert "Record the decision" not in page and "Change the owner, due date" not in page

    lead = user(users["agency_lead"])
    services.change_status(db.session, lead, action, action.version, "in_progress")
    add_evidence(action, lead)
    services.submit_for_assurance(db.session, lead, action, action.version, None)
    db.session.commit()
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "with the board for assurance" in page and "Record the decision" not in page
    refused = client.post(
        f"/actions/{action.id}/decision",
        data={"version": str(action.version), "decision": "accept", "meets_measure": "yes"},
    )
    assert refused.status_code == 403
    db.session.refresh(action)
    assert action.status == "submitted"


def test_board_member_decides_and_the_history_reads_in_plain_words(signed_in, users):
    action = police_action()
    lead = user(users["agency_lead"])
    services.change_status(db.session, lead, action, action.version, "in_progress")
    add_evidence(action, lead)
    services.submit_for_assurance(db.session, lead, action, action.version, "Protocol adopted")
    db.session.commit()
    client = signed_in("board_member")
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "waiting for your decision" in page and "Protocol adopted" in page
    response = client.post(
        f"/actions/{action.id}/decision",
        data={"version": _version(page), "decision": "return", "meets_measure": "no", "comments": ""},
    )
    assert response.status_code == 422 and "Give the reasons for returning it" in response.get_data(as_text=True)
    response = client.post(
        f"/actions/{action.id}/decision",
        data={
            "version": _version(page),
            "decision": "return",
            "meets_measure": "no",
            "comments": "Show the training records",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    # In sentences, with people's names rather than their e-mail addresses.
    assert "Member returned it to the agency: Show the training records" in page
    assert "Lead changed the status from “Not started” to “In progress”" in page
    assert "Lead submitted it for assurance, with 1 evidence item" in page
    history = page.split('id="history"', 1)[1]
    assert users["agency_lead"] not in history and users["board_member"] not in history


def test_posting_extra_fields_changes_nothing_else(signed_in):
    action = police_action(planned=False)
    client = signed_in("agency_lead")
    client.post(
        f"/actions/{action.id}/status",
        data={
            "version": str(action.version),
            "status": "in_progress",
            "agency_id": "1",
            "owner_id": "1",
            "due_date": "2000-01-01",
            "closed_reason": "x",
        },
    )
    db.session.refresh(action)
    assert action.status == "in_progress"
    assert (action.due_date, action.owner_id, action.closed_reason) == (None, None, None)
    assert action.agency.key == "thames-valley-police"
