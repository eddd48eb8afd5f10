"""The rules of assurance exercises: opening, answering, returns, the board's decisions, closing, progress."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from tests.conftest import PASSWORD
from tracker import clock, permissions
from tracker.actions.models import Action
from tracker.assurance.exercise_queries import exercises_for_review, progress
from tracker.assurance.exercises import (
    answer_item,
    close_exercise,
    decide_item,
    open_exercise,
    submit_return,
)
from tracker.assurance.models import AgencyReturn, Exercise, ExerciseItem
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.errors_domain import DomainError, NotPermitted
from tracker.evidence.models import EvidenceItem
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review

TODAY = date(2026, 3, 2)
TVP = "thames-valley-police"
MK_CSC = "milton-keynes-childrens-social-care"


# Building blocks (also used by test_exercise_views.py) ---------------------------------------------------


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def review(ref: str = "mk-child-j") -> Review:
    return db.session.execute(select(Review).where(Review.ref == ref)).scalar_one()


def agency(key: str) -> Agency:
    return db.session.execute(select(Agency).where(Agency.key == key)).scalar_one()


def open_actions(ref: str = "mk-child-j", key: str | None = None) -> list[Action]:
    query = select(Action).join(Review).where(Review.ref == ref, Action.status != "closed").order_by(Action.id)
    if key:
        query = query.join(Agency).where(Agency.key == key)
    return list(db.session.execute(query).scalars())


def close_action(action: Action) -> None:
    action.status, action.closed_reason = "closed", "Superseded by a partnership-wide change"
    db.session.flush()


def add_evidence(action: Action, by: User, title: str = "Audit of 20 cases", supersedes=None) -> EvidenceItem:
    item = EvidenceItem(
        action_id=action.id,
        kind="implementation",
        title=title,
        narrative="What the audit found.",
        relates_to=date(2026, 1, 15),
        added_by_id=by.id,
        supersedes_id=supersedes.id if supersedes else None,
        version=supersedes.version + 1 if supersedes else 1,
        digest=hashlib.sha256(title.encode()).hexdigest(),
    )
    db.session.add(item)
    db.session.flush()
    return item


def items_of(exercise: Exercise, key: str) -> list[ExerciseItem]:
    wanted = agency(key).id
    return [item for item in exercise.items if item.agency_id == wanted]


def answer_yes(item: ExerciseItem, lead: User) -> None:
    evidence = add_evidence(item.action, lead, title=f"Evidence for action {item.action_id}")
    answer_item(
        db.session, lead, item, implemented=True, maintained=True, comment=None, evidence_item_ids=[evidence.id]
    )


def history(exercise: Exercise, event_name: str | None = None) -> list[HistoryEntry]:
    query = select(HistoryEntry).where(HistoryEntry.object_type == "exercise", HistoryEntry.object_id == exercise.id)
    if event_name:
        query = query.where(HistoryEntry.event == event_name)
    return list(db.session.execute(query.order_by(HistoryEntry.id)).scalars())


@pytest.fixture
def people(users):
    made = {role: user(email) for role, email in users.items()}
    made["police_member"] = create_user(
        db.session,
        email="police.member@test.invalid",
        name="Police Board Member",
        role="board_member",
        password=PASSWORD,
        board_keys=["milton-keynes"],
        agency_key=TVP,
    )
    made["soton_member"] = create_user(
        db.session,
        email="soton.member@test.invalid",
        name="Southampton Member",
        role="board_member",
        password=PASSWORD,
        board_keys=["southampton"],
    )
    made["csc_lead"] = create_user(
        db.session,
        email="csc.lead@test.invalid",
        name="CSC Lead",
        role="agency_lead",
        password=PASSWORD,
        agency_key=MK_CSC,
    )
    db.session.flush()
    return made


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def exercise(people, today) -> Exercise:
    return open_exercise(
        db.session, people["board_member"], review(), title="Spring check", deadline=today + timedelta(days=30)
    )


# Opening ------------------------------------------------------------------------------------------------


def test_open_for_all_agencies_takes_every_open_action(people, exercise):
    expected = open_actions()
    assert {item.action_id for item in exercise.items} == {action.id for action in expected}
    assert {item.agency_id for item in exercise.items} == {action.agency_id for action in expected}
    assert {a.id for a in exercise.agencies} == {action.agency_id for action in expected}
    assert all(item.agency_id == item.action.agency_id for item in exercise.items)
    [entry] = history(exercise)
    assert entry.event == "exercise.opened" and entry.actor_id == people["board_member"].id
    assert sorted(entry.after["action_ids"]) == sorted(action.id for action in expected)
    assert exercises_for_review(db.session, review().id) == [exercise]


def test_open_for_chosen_agencies_only(people, today):
    police = agency(TVP)
    exercise = open_exercise(
        db.session,
        people["board_member"],
        review(),
        title="Police",
        deadline=today + timedelta(1),
        agency_ids=[police.id],
    )
    assert [a.key for a in exercise.agencies] == [TVP]
    assert {item.action_id for item in exercise.items} == {a.id for a in open_actions(key=TVP)}
    assert len(exercise.items) == 3


def test_closed_actions_are_left_out(people, today):
    police_actions = open_actions(key=TVP)
    close_action(police_actions[0])
    exercise = open_exercise(db.session, people["board_member"], review(), title="T", deadline=today + timedelta(1))
    action_ids = {item.action_id for item in exercise.items}
    assert police_actions[0].id not in action_ids
    assert {a.id for a in police_actions[1:]} <= action_ids


def test_an_agency_whose_actions_are_all_closed_cannot_be_chosen(people, today):
    csc = agency(MK_CSC)
    for action in open_actions(key=MK_CSC):
        close_action(action)
    # A participant of the review can always be asked (tests/assurance/test_participants.py); this one is not.
    child_j = review()
    child_j.participants = [a for a in child_j.participants if a.id != csc.id]
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        open_exercise(
            db.session, people["board_member"], review(), title="T", deadline=today + timedelta(1), agency_ids=[csc.id]
        )
    assert refused.value.field == "agencies"
    everyone = open_exercise(db.session, people["board_member"], review(), title="T", deadline=today + timedelta(1))
    assert csc.id not in {a.id for a in everyone.agencies}


def test_an_exercise_with_nothing_in_scope_is_refused(people, today):
    for action in open_actions():
        close_action(action)
    child_j = review()
    child_j.participants = []
    db.session.flush()
    with pytest.raises(DomainError, match="no open actions"):
        open_exercise(db.session, people["board_member"], review(), title="T", deadline=today + timedelta(1))
    assert db.session.execute(select(func.count()).select_from(Exercise)).scalar_one() == 0


@pytest.mark.parametrize("days", [0, -1, -400])
def test_the_deadline_must_be_in_the_future(people, today, days):
    with pytest.raises(DomainError, match="deadline must be in the future") as refused:
        open_exercise(db.session, people["board_member"], review(), title="T", deadline=today + timedelta(days))
    assert refused.value.field == "deadline"


def test_a_title_is_needed(people, today):
    with pytest.raises(DomainError, match="Enter a title"):
        open_exercise(db.session, people["board_member"], review(), title="   ", deadline=today + timedelta(1))


@pytest.mark.parametrize("role", ["admin", "agency_lead", "auditor", "other_lead", "soton_member"])
def test_only_a_board_member_of_the_review_opens_an_exercise(people, today, role):
    with pytest.raises(NotPermitted):
        open_exercise(db.session, people[role], review(), title="T", deadline=today + timedelta(1))


# Answering ----------------------------------------------------------------------------------------------


def test_an_answer_is_saved_with_its_evidence_and_history(people, exercise):
    lead = people["agency_lead"]
    item = items_of(exercise, TVP)[0]
    evidence = add_evidence(item.action, lead)
    answer_item(
        db.session, lead, item, implemented=True, maintained=True, comment=" Checked ", evidence_item_ids=[evidence.id]
    )
    assert (item.implemented, item.maintained, item.comment) == (True, True, "Checked")
    assert item.evidence_item_ids == [evidence.id]
    assert item.answered_by_id == lead.id and item.answered_at is not None
    [entry] = history(exercise, "exercise.item_answered")
    assert entry.after["item_id"] == item.id and entry.after["agency_id"] == item.agency_id


def test_implemented_needs_evidence(people, exercise):
    item = items_of(exercise, TVP)[0]
    with pytest.raises(DomainError, match="Choose the evidence") as refused:
        answer_item(
            db.session, people["agency_lead"], item, implemented=True, maintained=True, comment="", evidence_item_ids=[]
        )
    assert refused.value.field == "evidence"
    assert item.answered_at is None


@pytest.mark.parametrize(
    ("implemented", "maintained", "words"),
    [(False, False, "not implemented"), (True, False, "not been maintained")],
)
def test_not_implemented_or_not_maintained_needs_a_comment(people, exercise, implemented, maintained, words):
    lead = people["agency_lead"]
    item = items_of(exercise, TVP)[0]
    ids = [add_evidence(item.action, lead).id] if implemented else []
    with pytest.raises(DomainError, match=words) as refused:
        answer_item(
            db.session, lead, item, implemented=implemented, maintained=maintained, comment=" ", evidence_item_ids=ids
        )
    assert refused.value.field == "comment"
    answer_item(
        db.session, lead, item, implemented=implemented, maintained=maintained, comment="Why", evidence_item_ids=ids
    )
    assert item.answered_at is not None


def test_not_implemented_cannot_have_been_maintained(people, exercise):
    item = items_of(exercise, TVP)[0]
    with pytest.raises(DomainError, match="cannot have been maintained"):
        answer_item(db.session, people["agency_lead"], item, implemented=False, maintained=True, comment="x")


def test_evidence_must_be_current_evidence_of_that_action(people, exercise):
    lead = people["agency_lead"]
    first, second = items_of(exercise, TVP)[:2]
    old = add_evidence(first.action, lead, title="First version")
    new = add_evidence(first.action, lead, title="Corrected version", supersedes=old)
    elsewhere = add_evidence(second.action, lead, title="Another action's evidence")
    for wrong in ([old.id], [elsewhere.id], [new.id, 999999], ["not a number"]):
        with pytest.raises(DomainError, match="current evidence"):
            answer_item(
                db.session, lead, first, implemented=True, maintained=True, comment=None, evidence_item_ids=wrong
            )
    answer_item(db.session, lead, first, implemented=True, maintained=True, comment=None, evidence_item_ids=[new.id])
    assert first.evidence_item_ids == [new.id]


@pytest.mark.parametrize("role", ["other_lead", "csc_lead", "board_member", "police_member", "admin", "auditor"])
def test_only_that_agencys_lead_answers(people, exercise, role):
    item = items_of(exercise, TVP)[0]
    with pytest.raises(NotPermitted):
        answer_item(db.session, people[role], item, implemented=False, maintained=False, comment="No")
    assert item.answered_at is None


# Returns ------------------------------------------------------------------------------------------------


def test_a_return_needs_every_action_answered_and_names_those_that_are_not(people, exercise):
    lead = people["agency_lead"]
    first, *rest = items_of(exercise, TVP)
    answer_yes(first, lead)
    with pytest.raises(DomainError) as refused:
        submit_return(db.session, lead, exercise, first.agency_id, "All checked")
    message = refused.value.message
    assert "Answer every action" in message
    for item in rest:
        assert " ".join(item.action.text.split())[:40] in message
    assert " ".join(first.action.text.split())[:40] not in message
    assert db.session.execute(select(func.count()).select_from(AgencyReturn)).scalar_one() == 0


def test_a_return_needs_a_statement_and_is_kept(people, exercise):
    lead = people["agency_lead"]
    items = items_of(exercise, TVP)
    for item in items:
        answer_yes(item, lead)
    with pytest.raises(DomainError, match="statement"):
        submit_return(db.session, lead, exercise, items[0].agency_id, "  ")
    submitted = submit_return(db.session, lead, exercise, items[0].agency_id, "We audited every case")
    assert (submitted.statement, submitted.submitted_by_id) == ("We audited every case", lead.id)
    assert [e.event for e in history(exercise)][-1] == "exercise.return_submitted"


def test_after_the_return_answers_are_frozen_and_it_cannot_be_sent_twice(people, exercise):
    lead = people["agency_lead"]
    items = items_of(exercise, TVP)
    for item in items:
        answer_yes(item, lead)
    submit_return(db.session, lead, exercise, items[0].agency_id, "Done")
    with pytest.raises(DomainError, match="only if the board returns it"):
        answer_item(db.session, lead, items[0], implemented=False, maintained=False, comment="Changed my mind")
    with pytest.raises(DomainError, match="already been submitted"):
        submit_return(db.session, lead, exercise, items[0].agency_id, "Again")
    assert items[0].implemented is True


def test_another_agency_cannot_submit_for_it(people, exercise):
    with pytest.raises(NotPermitted):
        submit_return(db.session, people["csc_lead"], exercise, agency(TVP).id, "Not ours")


# The board's decisions ----------------------------------------------------------------------------------


def _submitted(people, exercise, key=TVP, lead_role="agency_lead") -> list[ExerciseItem]:
    lead = people[lead_role]
    items = items_of(exercise, key)
    for item in items:
        answer_yes(item, lead)
    submit_return(db.session, lead, exercise, items[0].agency_id, "Checked")
    return items


def test_nothing_to_decide_before_the_return(people, exercise):
    item = items_of(exercise, TVP)[0]
    answer_yes(item, people["agency_lead"])
    with pytest.raises(DomainError, match="has not submitted its return"):
        decide_item(db.session, people["board_member"], item, accept=True, comment=None)
    assert item.decision is None


def test_segregation_of_duties(people, exercise):
    police_items = _submitted(people, exercise)
    csc_items = _submitted(people, exercise, MK_CSC, "csc_lead")
    for role in ("agency_lead", "police_member", "soton_member", "admin", "auditor"):
        with pytest.raises(NotPermitted):
            decide_item(db.session, people[role], police_items[0], accept=True, comment=None)
    assert police_items[0].decision is None
    # The board member who belongs to the police may decide another agency's answers.
    decide_item(db.session, people["police_member"], csc_items[0], accept=True, comment=None)
    assert csc_items[0].decision == "accepted"
    # A board member of another board cannot even see the exercise.
    assert not permissions.can_view_exercise(people["soton_member"], exercise)
    assert permissions.can_view_exercise(people["board_member"], exercise)


def test_returning_needs_the_reasons(people, exercise):
    item = _submitted(people, exercise)[0]
    with pytest.raises(DomainError, match="reasons") as refused:
        decide_item(db.session, people["board_member"], item, accept=False, comment=" ")
    assert refused.value.field == "comment"


def test_an_accepted_answer_is_final(people, exercise):
    item = _submitted(people, exercise)[0]
    decide_item(db.session, people["board_member"], item, accept=True, comment="Good audit")
    assert (item.decision, item.decision_comment, item.decided_by_id) == (
        "accepted",
        "Good audit",
        people["board_member"].id,
    )
    with pytest.raises(DomainError, match="already been accepted"):
        decide_item(db.session, people["board_member"], item, accept=False, comment="Second thoughts")
    assert [e.event for e in history(exercise, "exercise.item_accepted")] == ["exercise.item_accepted"]


def test_a_returned_answer_goes_back_to_be_answered_again(people, exercise):
    lead, member = people["agency_lead"], people["board_member"]
    returned, accepted, waiting = _submitted(people, exercise)
    first_return = db.session.execute(select(AgencyReturn)).scalar_one()
    decide_item(db.session, member, accepted, accept=True, comment=None)
    decide_item(db.session, member, returned, accept=False, comment="The audit covers 2019 only")
    assert returned.decision == "returned" and returned.answered_at is None
    assert returned.implemented is True  # the last answer stays as the starting point

    with pytest.raises(DomainError, match="waiting for them to answer again"):
        decide_item(db.session, member, returned, accept=True, comment=None)
    # Only the returned answer can change; a re-submission waits until it is answered again.
    with pytest.raises(DomainError, match="can change only if the board returns it"):
        answer_item(db.session, lead, waiting, implemented=False, maintained=False, comment="x")
    with pytest.raises(DomainError, match="Not answered yet"):
        submit_return(db.session, lead, exercise, returned.agency_id, "Fixed")
    answer_item(db.session, lead, returned, implemented=False, maintained=False, comment="Audit not repeated")
    again = submit_return(db.session, lead, exercise, returned.agency_id, "We re-checked the 2019 audit")

    # The first return is kept as it was; the new statement is in the history.
    assert again.id == first_return.id and again.statement == "Checked"
    entry = history(exercise, "exercise.return_resubmitted")[-1]
    assert entry.after["statement"] == "We re-checked the 2019 audit"
    assert entry.after["item_ids"] == [returned.id]
    assert entry.before["returned"] == [{"item_id": returned.id, "comment": "The audit covers 2019 only"}]
    assert returned.decision is None and returned.answered_at is not None
    assert accepted.decision == "accepted"
    decide_item(db.session, member, returned, accept=True, comment=None)
    assert returned.decision == "accepted"
    with pytest.raises(DomainError, match="already been submitted"):
        submit_return(db.session, lead, exercise, returned.agency_id, "Once more")


# Closing ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agency_lead", "admin", "auditor", "soton_member"])
def test_only_a_board_member_closes(people, exercise, role):
    with pytest.raises(NotPermitted):
        close_exercise(db.session, people[role], exercise)
    assert not exercise.is_closed


def test_closing_freezes_everything(people, exercise):
    lead, member = people["agency_lead"], people["board_member"]
    police = _submitted(people, exercise)
    csc = items_of(exercise, MK_CSC)[0]
    decide_item(db.session, member, police[0], accept=True, comment=None)
    close_exercise(db.session, member, exercise)
    assert exercise.is_closed and exercise.closed_by_id == member.id
    before = [(i.implemented, i.maintained, i.comment, i.evidence_item_ids, i.decision) for i in exercise.items]
    entries = len(history(exercise))

    attempts = [
        lambda: answer_item(db.session, people["csc_lead"], csc, implemented=False, maintained=False, comment="x"),
        lambda: submit_return(db.session, people["csc_lead"], exercise, csc.agency_id, "Late"),
        lambda: decide_item(db.session, member, police[1], accept=True, comment=None),
        lambda: close_exercise(db.session, member, exercise),
        lambda: answer_item(db.session, lead, police[1], implemented=False, maintained=False, comment="x"),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError, match="This exercise is closed"):
            attempt()
    assert [(i.implemented, i.maintained, i.comment, i.evidence_item_ids, i.decision) for i in exercise.items] == before
    assert len(history(exercise)) == entries
    assert history(exercise)[-1].event == "exercise.closed"


# Progress -----------------------------------------------------------------------------------------------


def test_progress_figures(people, exercise):
    lead, member = people["agency_lead"], people["board_member"]
    police = items_of(exercise, TVP)
    answer_yes(police[0], lead)
    answer_yes(police[1], lead)
    answer_item(db.session, lead, police[2], implemented=False, maintained=False, comment="Not yet")
    submit_return(db.session, lead, exercise, police[0].agency_id, "Checked")
    decide_item(db.session, member, police[0], accept=True, comment=None)
    decide_item(db.session, member, police[1], accept=False, comment="Show the re-audit")
    csc = items_of(exercise, MK_CSC)
    answer_item(db.session, people["csc_lead"], csc[0], implemented=False, maintained=False, comment="Not yet")

    rows = {row.agency.key: row for row in progress(db.session, exercise)}
    assert [row.agency.name for row in rows.values()] == sorted(row.agency.name for row in rows.values())
    p = rows[TVP]
    assert (p.items, p.answered, p.implemented, p.maintained) == (3, 2, 1, 1)
    assert (p.accepted, p.returned, p.awaiting_decision) == (1, 1, 1)
    assert p.return_submitted and p.submitted_by == lead.name
    c = rows[MK_CSC]
    assert (c.items, c.answered, c.implemented, c.maintained, c.accepted, c.returned) == (len(csc), 1, 0, 0, 0, 0)
    assert not c.return_submitted and c.awaiting_decision == 0
    assert sum(row.items for row in rows.values()) == len(exercise.items)


def test_progress_takes_a_fixed_number_of_queries(people, exercise, today):
    small = open_exercise(
        db.session,
        people["board_member"],
        review(),
        title="One agency",
        deadline=today + timedelta(1),
        agency_ids=[agency(TVP).id],
    )
    statements = []

    def count(*_args):
        statements.append(1)

    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        progress(db.session, small)
        few = len(statements)
        statements.clear()
        progress(db.session, exercise)
        many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(exercise.agencies) > len(small.agencies)
    assert few == many == 3
