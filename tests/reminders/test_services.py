"""The reminder rules without a mail server: windows, recipients, and a query count that does not grow."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from tests.reminders.test_send_reminders import PASSWORD, TODAY, plan
from tracker.actions.models import Action
from tracker.actions.states import Status
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.reminders import services
from tracker.reviews.models import Review


@pytest.mark.parametrize(
    ("days_left", "kind"),
    [(31, None), (30, "due_30"), (8, "due_30"), (7, "due_7"), (2, "due_7"), (1, "due_1"), (0, "due_1"), (-1, None)],
)
def test_only_the_nearest_due_window_applies(days_left, kind):
    assert services.due_kind(days_left) == kind


def test_the_summary_counts_each_kind_and_names_the_failures():
    sent = Counter({"due_30": 1, "due_7": 2, "overdue": 2, "overdue_board": 1, "recheck_due": 1, "returned": 3})
    assert services.summary(
        sent, [(1, "a@test.invalid about action 4 (due_7): refused"), (2, "the server went away")]
    ) == (
        "Queued 10 reminders for sending (3 due soon, 2 overdue, 1 overdue, to the board, 1 re-check due, 3 returned); "
        "3 failed: a@test.invalid about action 4 (due_7): refused; the server went away"
    )
    assert services.summary(Counter(), []) == "Queued 0 reminders for sending"


def _actions_of(ref: str) -> list[Action]:
    return list(db.session.execute(select(Action).join(Review).where(Review.ref == ref).order_by(Action.id)).scalars())


def test_a_board_member_of_both_boards_of_a_review_gets_one_board_notice(app, users):
    both = create_user(
        db.session,
        email="both@test.invalid",
        name="Both Boards",
        role="board_member",
        password=PASSWORD,
        board_keys=["northamptonshire", "milton-keynes"],
    )
    db.session.commit()
    action = _actions_of("northants-mk-child-m")[0]
    plan(action, due=TODAY - timedelta(days=20), owner=None)

    notices = services.pending_notices(db.session, TODAY, grace_days=14).notices

    board = sorted(n.recipient for n in notices if n.kind == "overdue_board")
    assert board == [both.email, users["board_member"]]
    assert {n.occasion for n in notices} == {(TODAY - timedelta(days=20)).isoformat()}


def _count_queries(session_call) -> int:
    statements = []

    def _count(*_args):
        statements.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", _count)
    try:
        session_call()
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return len(statements)


def _lead_for(agency, leads: dict):
    if agency.id not in leads:
        leads[agency.id] = create_user(
            db.session,
            email=f"lead.{agency.id}@test.invalid",
            name=f"Lead of {agency.name}",
            role="agency_lead",
            password=PASSWORD,
            agency_key=agency.key,
        )
    return leads[agency.id]


def _plan_many(count: int, leads: dict) -> None:
    """``count`` actions in every state that earns a notice: due soon, overdue past grace (board), re-check
    due, returned, every other one with an owner."""
    for position, action in enumerate(_actions_of("northants-mk-child-m")[:count]):
        owner = _lead_for(action.agency, leads) if position % 2 else None
        if position % 3 == 0:
            plan(action, due=TODAY + timedelta(days=position % 30), owner=owner)
        elif position % 3 == 1:
            plan(action, due=TODAY - timedelta(days=30 + position), owner=owner)
        else:
            action.recheck_due = TODAY - timedelta(days=position)
            plan(action, due=TODAY - timedelta(days=60), owner=owner, status=Status.ASSURED)


def test_working_out_the_notices_takes_the_same_number_of_queries_for_more_actions(app, users):
    create_user(
        db.session,
        email="northants@test.invalid",
        name="Northants Member",
        role="board_member",
        password=PASSWORD,
        board_keys=["northamptonshire"],
    )
    db.session.commit()
    leads = {}
    _plan_many(3, leads)
    db.session.expire_all()
    few = _count_queries(lambda: services.pending_notices(db.session, TODAY, 14))
    few_notices = len(services.pending_notices(db.session, TODAY, 14).notices)

    _plan_many(15, leads)
    db.session.expire_all()
    many = _count_queries(lambda: services.pending_notices(db.session, TODAY, 14))
    many_notices = len(services.pending_notices(db.session, TODAY, 14).notices)

    assert many_notices > few_notices > 0
    assert many == few


def test_an_inactive_owner_is_passed_over_for_the_agencys_active_leads(app, users):
    owner = create_user(
        db.session,
        email="left@test.invalid",
        name="Has Left",
        role="agency_lead",
        password=PASSWORD,
        agency_key="thames-valley-police",
    )
    action = db.session.execute(
        select(Action).join(Review).where(Review.ref == "mk-child-j", Action.agency_id == owner.agency_id).limit(1)
    ).scalar_one()
    plan(action, due=TODAY + timedelta(days=7), owner=owner)
    owner.is_active_account = False
    db.session.commit()

    [notice] = services.pending_notices(db.session, TODAY, grace_days=14).notices

    assert notice.recipient == users["agency_lead"] and notice.kind == "due_7"
    assert notice.facts["to_owner"] is False and notice.facts["owner_name"] is None


def test_a_notice_can_be_claimed_only_once(app, users):
    action = db.session.execute(select(Action).join(Review).where(Review.ref == "mk-child-j").limit(1)).scalar_one()
    notice = services.Notice(action.id, "due_7", "2026-03-09", users["agency_lead"], "Lead", {})
    services.claim(db.session, notice)
    db.session.commit()

    # A second run that worked out the same notice before the first one recorded it cannot send it again.
    with pytest.raises(IntegrityError):
        services.claim(db.session, notice)
    db.session.rollback()
