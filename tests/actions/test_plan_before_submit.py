"""Plan before doing: an action is submitted for assurance only once it has an owner, a due date and a
measure of success; the refusal says what is missing and who can set it. The reviewer is asked whether the
evidence meets the measure."""

from __future__ import annotations

import pytest

from tests.actions.helpers import add_evidence, plan_action, police_action, user
from tracker.actions import services
from tracker.errors_domain import DomainError
from tracker.extensions import db


def _started_with_evidence(users, planned: bool):
    action = police_action(planned=planned)
    lead = user(users["agency_lead"])
    services.change_status(db.session, lead, action, action.version, "in_progress")
    add_evidence(action, lead)
    return action, lead


def test_an_unplanned_action_cannot_be_submitted(app, users):
    action, lead = _started_with_evidence(users, planned=False)
    with pytest.raises(DomainError, match="until it has an owner, a due date and a measure of success"):
        services.submit_for_assurance(db.session, lead, action, action.version, "Done")
    assert action.status == "in_progress"
    plan_action(action, lead)
    action.success_measure = None
    with pytest.raises(DomainError, match="until it has a measure of success\\."):
        services.submit_for_assurance(db.session, lead, action, action.version, "Done")
    plan_action(action, lead)
    services.submit_for_assurance(db.session, lead, action, action.version, "Done")
    assert action.status == "submitted"


def test_the_refusal_shows_on_the_page(app, users, signed_in):
    action, _ = _started_with_evidence(users, planned=False)
    db.session.commit()
    client = signed_in("agency_lead")
    response = client.post(f"/actions/{action.id}/submit", data={"version": str(action.version), "statement": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "govuk-error-summary" in page and "<h1" in page
    assert "until it has an owner, a due date and a measure of success" in page
    db.session.refresh(action)
    assert action.status == "in_progress"


def test_the_reviewer_sees_the_measure_and_cannot_accept_evidence_they_say_falls_short(app, users, signed_in):
    action, lead = _started_with_evidence(users, planned=True)
    services.submit_for_assurance(db.session, lead, action, action.version, "Done")
    db.session.commit()
    client = signed_in("board_member")
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Does the evidence meet the measure of success?" in page
    assert 'app-measure">Audit shows the new practice in every case<' in page
    data = {"version": str(action.version), "decision": "accept"}
    unanswered = client.post(f"/actions/{action.id}/decision", data=data)
    assert unanswered.status_code == 422
    assert "Say whether the evidence meets the measure of success" in unanswered.get_data(as_text=True)
    refused = client.post(f"/actions/{action.id}/decision", data={**data, "meets_measure": "no"})
    assert refused.status_code == 422
    assert "does not meet the measure of success, so return it" in refused.get_data(as_text=True)
    db.session.refresh(action)
    assert action.status == "submitted"
    accepted = client.post(f"/actions/{action.id}/decision", data={**data, "meets_measure": "yes"})
    assert accepted.status_code == 302
    db.session.refresh(action)
    assert action.status == "assured"
    entry = services.action_history(db.session, action)[0]
    assert entry.after["meets_measure"] is True
