"""The action lifecycle rules: planning, progress, submission, sign-off with segregation of duties, re-checks."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from tests.actions.helpers import add_evidence, police_action, second_lead, second_member, user
from tracker import clock
from tracker.actions import services
from tracker.actions.states import InvalidTransition
from tracker.assurance.models import SignOff
from tracker.audit import HistoryEntry
from tracker.errors_domain import DomainError, NotPermitted, StaleEdit
from tracker.extensions import db


@pytest.fixture
def people(app, users):
    return {role: user(email) for role, email in users.items()}


def _history_count(action) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(HistoryEntry)
        .where(HistoryEntry.object_type == "action", HistoryEntry.object_id == action.id)
    ).scalar_one()


def _to_submitted(action, lead):
    services.change_status(db.session, lead, action, action.version, "in_progress")
    add_evidence(action, lead)
    return services.submit_for_assurance(db.session, lead, action, action.version, "Done, see the protocol")


def test_board_member_plans_and_moving_a_due_date_needs_a_reason(people):
    action = police_action(planned=False)
    member, lead = people["board_member"], people["agency_lead"]
    services.update_plan(
        db.session,
        member,
        action,
        action.version,
        owner_id=lead.id,
        due_date=date(2027, 1, 31),
        due_date_reason=None,
        success_measure="Audit of 20 case files shows the new template used",
    )
    assert (action.owner, action.due_date, action.original_due_date) == (lead, date(2027, 1, 31), date(2027, 1, 31))
    with pytest.raises(DomainError, match="Give a reason for changing the due date"):
        services.update_plan(
            db.session,
            member,
            action,
            action.version,
            owner_id=lead.id,
            due_date=date(2027, 3, 31),
            due_date_reason="",
            success_measure=action.success_measure,
        )
    services.update_plan(
        db.session,
        member,
        action,
        action.version,
        owner_id=lead.id,
        due_date=date(2027, 3, 31),
        due_date_reason="Training rescheduled",
        success_measure=action.success_measure,
    )
    assert (action.due_date, action.original_due_date) == (date(2027, 3, 31), date(2027, 1, 31))
    latest = services.action_history(db.session, action)[0]
    assert "Training rescheduled" in latest.summary and latest.before == {"due_date": "2027-01-31"}


def test_agency_lead_cannot_plan_but_can_reassign_within_the_agency(people):
    action = police_action()
    lead = people["agency_lead"]
    with pytest.raises(NotPermitted):
        services.update_plan(
            db.session,
            lead,
            action,
            action.version,
            owner_id=None,
            due_date=date(2027, 1, 1),
            due_date_reason=None,
            success_measure=None,
        )
    colleague = second_lead()
    services.reassign_owner(db.session, lead, action, action.version, colleague.id)
    assert action.owner == colleague
    with pytest.raises(DomainError, match="works for the agency"):
        services.reassign_owner(db.session, lead, action, action.version, people["other_lead"].id)


def test_a_wrong_move_is_refused_with_the_reason(people):
    action = police_action()
    with pytest.raises(InvalidTransition, match="Submit for assurance"):
        services.change_status(db.session, people["agency_lead"], action, action.version, "submitted")
    with pytest.raises(InvalidTransition, match="Only the agency responsible"):
        services.change_status(db.session, people["board_member"], action, action.version, "in_progress")
    action.status = "assured"
    with pytest.raises(InvalidTransition, match="cannot move to “In progress”"):
        services.change_status(db.session, people["agency_lead"], action, action.version, "in_progress")
    with pytest.raises(NotPermitted):
        services.change_status(db.session, people["auditor"], action, action.version, "in_progress")


def test_closing_needs_a_board_member_and_a_reason(people):
    action = police_action()
    with pytest.raises(NotPermitted):
        services.change_status(db.session, people["agency_lead"], action, action.version, "closed", "No money")
    with pytest.raises(DomainError, match="reason"):
        services.change_status(db.session, people["board_member"], action, action.version, "closed", "")
    services.change_status(db.session, people["board_member"], action, action.version, "closed", "Superseded")
    assert (action.status, action.closed_reason) == ("closed", "Superseded")


def test_submission_needs_evidence_and_records_exactly_what_was_put_forward(people):
    action = police_action()
    lead = people["agency_lead"]
    services.change_status(db.session, lead, action, action.version, "in_progress")
    with pytest.raises(DomainError, match="Add evidence"):
        services.submit_for_assurance(db.session, lead, action, action.version, None)
    item = add_evidence(action, lead)
    submission = services.submit_for_assurance(db.session, lead, action, action.version, "See the protocol")
    assert action.status == "submitted"
    assert submission.evidence == [
        {
            "item_id": item.id,
            "version": 1,
            "kind": "implementation",
            "title": item.title,
            "digest": item.digest,
            "files": [],
        }
    ]


def test_segregation_of_duties_on_sign_off(people):
    action = police_action()
    lead, member = people["agency_lead"], people["board_member"]
    _to_submitted(action, lead)
    with pytest.raises(NotPermitted):  # the agency's own lead
        services.decide(db.session, lead, action, action.version, accept=True, comments=None)
    with pytest.raises(NotPermitted):  # an auditor changes nothing
        services.decide(db.session, people["auditor"], action, action.version, accept=True, comments=None)
    with pytest.raises(NotPermitted):  # a board member of another board cannot even see it
        services.decide(db.session, second_member_on_bucks(), action, action.version, accept=True, comments=None)
    assert action.status == "submitted"
    sign_off = services.decide(db.session, member, action, action.version, accept=True, comments="Seen the protocol")
    assert sign_off.decision == "assured" and action.status == "assured"
    assert sign_off.decided_by_id == member.id and sign_off.evidence_seen == sign_off.submission.evidence


def test_nobody_signs_off_a_submission_they_submitted_or_evidenced(people, monkeypatch):
    action = police_action()
    lead, member = people["agency_lead"], people["board_member"]
    services.change_status(db.session, lead, action, action.version, "in_progress")
    add_evidence(action, member, title="Board's own audit")  # evidence added by the board member
    services.submit_for_assurance(db.session, lead, action, action.version, None)
    with pytest.raises(NotPermitted, match="added evidence"):
        services.decide(db.session, member, action, action.version, accept=True, comments=None)
    second = second_member()
    services.decide(db.session, second, action, action.version, accept=True, comments=None)
    assert action.status == "assured"


def test_return_needs_reasons_and_resumes_with_the_agency(people):
    action = police_action()
    lead, member = people["agency_lead"], people["board_member"]
    _to_submitted(action, lead)
    with pytest.raises(DomainError, match="reasons"):
        services.decide(db.session, member, action, action.version, accept=False, comments=" ")
    services.decide(db.session, member, action, action.version, accept=False, comments="Add the audit results")
    assert action.status == "returned"
    services.change_status(db.session, lead, action, action.version, "in_progress")
    assert action.status == "in_progress"


def test_assurance_sets_a_recheck_six_months_on_and_records_completion(people, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2026, 8, 31))
    action = police_action()
    action.due_date = action.original_due_date = date(2000, 1, 1)
    lead, member = people["agency_lead"], people["board_member"]
    _to_submitted(action, lead)
    services.decide(db.session, member, action, action.version, accept=True, comments=None)
    assert action.recheck_due == date(2027, 2, 28)
    assert action.completed_on is not None and action.completed_late


def test_evidence_after_sign_off_goes_back_for_assurance(people):
    action = police_action()
    lead, member = people["agency_lead"], people["board_member"]
    _to_submitted(action, lead)
    services.decide(db.session, member, action, action.version, accept=True, comments=None)
    add_evidence(action, lead, title="Corrected protocol")
    submission = services.evidence_changed(db.session, lead, action)
    assert action.status == "submitted" and submission.kind == "assurance"
    with pytest.raises(DomainError, match="cannot change while they review it"):
        services.ensure_evidence_can_change(action)


def test_recheck_confirmed_is_embedded_and_not_confirmed_reopens(people, monkeypatch):
    lead, member = people["agency_lead"], people["board_member"]
    for confirmed, expected in ((True, "embedded"), (False, "in_progress")):
        action = police_action() if confirmed else police_action("bucks-baby-k")
        if not confirmed:
            member = second_member_on_bucks()
        _to_submitted(action, lead)
        services.decide(
            db.session, member, action, action.version, accept=True, comments=None, recheck_due=date(2027, 6, 1)
        )
        monkeypatch.setattr(clock, "today", lambda: date(2027, 6, 2))
        with pytest.raises(DomainError, match="fresh evidence of impact"):
            services.submit_for_assurance(db.session, lead, action, action.version, None)
        add_evidence(action, lead, kind="impact", title="Case-file audit, May 2027")
        submission = services.submit_for_assurance(db.session, lead, action, action.version, "Still in place")
        assert submission.kind == "recheck"
        services.decide(
            db.session,
            member,
            action,
            action.version,
            accept=confirmed,
            comments=None if confirmed else "The audit shows it lapsed",
        )
        assert action.status == expected and action.recheck_due is None
        monkeypatch.setattr(clock, "today", date.today)


def second_member_on_bucks():
    from tests.conftest import PASSWORD
    from tracker.auth.services import create_user

    return create_user(
        db.session,
        email="bucks.member@test.invalid",
        name="Bucks Member",
        role="board_member",
        password=PASSWORD,
        board_keys=["buckinghamshire"],
    )


def test_a_stale_edit_is_refused_and_says_what_changed(people):
    action = police_action(planned=False)
    member = people["board_member"]
    loaded = action.version
    services.update_plan(
        db.session,
        member,
        action,
        loaded,
        owner_id=None,
        due_date=date(2027, 1, 31),
        due_date_reason=None,
        success_measure=None,
    )
    with pytest.raises(StaleEdit) as stale:
        services.update_plan(
            db.session,
            member,
            action,
            loaded,
            owner_id=None,
            due_date=date(2027, 5, 1),
            due_date_reason="later",
            success_measure=None,
        )
    assert any("due date set to 2027-01-31" in change for change in stale.value.changes)
    assert action.due_date == date(2027, 1, 31)


def test_every_change_writes_one_history_entry(people):
    action = police_action()
    lead, member = people["agency_lead"], people["board_member"]
    before = _history_count(action)
    services.change_status(db.session, lead, action, action.version, "in_progress")
    assert _history_count(action) == before + 1
    add_evidence(action, lead)
    services.submit_for_assurance(db.session, lead, action, action.version, None)
    assert _history_count(action) == before + 2
    services.decide(db.session, member, action, action.version, accept=True, comments=None)
    assert _history_count(action) == before + 3


def test_a_sign_off_can_never_be_changed(people):
    action = police_action()
    _to_submitted(action, people["agency_lead"])
    services.decide(db.session, people["board_member"], action, action.version, accept=True, comments="ok")
    with pytest.raises(DatabaseError, match="never changed"), db.session.begin_nested():
        db.session.execute(text("UPDATE sign_offs SET decision = 'returned'"))
    assert db.session.execute(select(SignOff.decision)).scalars().all() == ["assured"]


def test_the_page_reads_the_pending_submission_as_the_decision_does(people):
    """The action page takes the pending submission from the lists it shows; ``decide`` asks SQL. The two
    readings agree at every step: nothing pending, pending, decided, pending again, decided again."""
    action = police_action()
    lead, member = people["agency_lead"], people["board_member"]

    def agree():
        submissions, sign_offs, pending = services.assurance_record(db.session, action)
        assert pending is services.pending_submission(db.session, action)
        assert [s.id for s in submissions] == sorted((s.id for s in submissions), reverse=True)
        assert set(sign_offs) <= {s.id for s in submissions}
        return pending

    assert agree() is None
    first = _to_submitted(action, lead)
    assert agree() is first
    services.decide(db.session, member, action, action.version, accept=True, comments=None)
    assert agree() is None
    add_evidence(action, lead, title="Corrected protocol")
    second = services.evidence_changed(db.session, lead, action)
    assert agree() is second
    services.decide(db.session, member, action, action.version, accept=True, comments=None)
    assert agree() is None
