"""Reports as they stood at the end of a past day, rebuilt from the history, with what changed since.

The history's clock is moved (``tracker.audit.utcnow``) so that each step of the plan is written on its own
day; the services write the entries exactly as they do in use."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.reports.helpers import POLICE, SOCIAL_CARE, new_plan
from tracker import audit, clock
from tracker.actions import services
from tracker.actions.models import Action
from tracker.extensions import db
from tracker.orgs.models import Board
from tracker.reports import asat
from tracker.reports.brag import Brag
from tracker.reports.builder import build_report
from tracker.reports.scope import scope_for
from tracker.reviews.services import respond_to_recommendation

TODAY = date(2026, 6, 15)
DAY1, DAY2, DAY3 = date(2026, 3, 2), date(2026, 4, 10), date(2026, 5, 20)


def _on(monkeypatch, day: date, hour: int = 10) -> None:
    monkeypatch.setattr(audit, "utcnow", lambda: datetime(day.year, day.month, day.day, hour, tzinfo=UTC))


@pytest.fixture
def story(app, monkeypatch):
    """Day 1: two actions planned. Day 2: the police start theirs, its due date moves, the board responds.
    Day 3: the police submit; social care's action passes its date; a third action is added."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    _on(monkeypatch, DAY1)
    plan = new_plan("as-at-board")
    review = plan.review("as-at-review", [["information-sharing"], ["neglect"]])
    rec1, rec2 = review.recommendations
    police = plan.action(rec1, POLICE, due=date(2026, 4, 1))
    care = plan.action(rec2, SOCIAL_CARE, due=date(2026, 5, 1))
    _on(monkeypatch, DAY2)
    plan.start(police)
    services.update_plan(
        db.session,
        plan.member,
        police,
        police.version,
        owner_id=plan.leads[POLICE].id,
        due_date=date(2026, 9, 30),
        due_date_reason="Waiting for the new case system",
        success_measure="An audit of cases shows the change",
    )
    respond_to_recommendation(db.session, plan.member, rec1, "accepted", "We agree")
    _on(monkeypatch, DAY3)
    plan.submit(police)
    later = plan.action(rec2, POLICE, due=date(2026, 12, 1))
    return {"plan": plan, "police": police, "care": care, "later": later, "rec1": rec1, "rec2": rec2}


def _report(plan, as_at=None):
    return build_report(db.session, scope_for(board=plan.board), as_at=as_at)


def test_before_anything_was_planned_the_report_is_empty(story):
    report = _report(story["plan"], date(2026, 3, 1))
    assert report.headline.total == 0
    assert report.changes.total == 3
    assert {c.status_then for c in report.changes.items} == {None}


def test_statuses_and_due_dates_as_they_stood_at_the_end_of_each_day(story):
    plan, police, care = story["plan"], story["police"], story["care"]

    day1 = _report(plan, DAY1)
    assert dict(+day1.headline.by_status) == {"not_started": 2}
    assert day1.headline.total == 2  # the third action was added later
    assert day1.headline.overdue == 0

    day2 = _report(plan, DAY2)
    assert dict(+day2.headline.by_status) == {"not_started": 1, "in_progress": 1}
    # The police's due date had moved to September, so nothing was overdue on day 2.
    assert day2.headline.overdue == 0

    day3 = _report(plan, DAY3)
    assert dict(+day3.headline.by_status) == {"not_started": 2, "submitted": 1}
    # Social care's action (due 1 May) was overdue by the end of day 3, and is listed with its days late.
    assert [(i.id, i.days_late) for i in day3.overdue.items] == [(care.id, 19)]
    assert day3.headline.by_brag[Brag.RED] == 1

    # The police's action was owned from day 2; on day 1 it had its first owner.
    rows = {i.id: i for i in _report(plan, DAY2).overdue.items}
    assert police.id not in rows


def test_as_at_today_matches_the_live_report(story):
    plan = story["plan"]
    live, rebuilt = _report(plan), _report(plan, TODAY)
    assert rebuilt.headline.by_status == live.headline.by_status
    assert rebuilt.headline.by_brag == live.headline.by_brag
    assert rebuilt.headline.overdue == live.headline.overdue
    assert [i.id for i in rebuilt.overdue.items] == [i.id for i in live.overdue.items]
    assert [(t.label, t.tally.by_status) for t in rebuilt.themes] == [(t.label, t.tally.by_status) for t in live.themes]
    assert rebuilt.changes.total == 0


def test_what_changed_since_is_marked(story):
    plan, police, care, later = story["plan"], story["police"], story["care"], story["later"]
    report = _report(plan, DAY1)
    changes = {c.action.id: c for c in report.changes.items}
    assert set(changes) == {police.id, care.id, later.id}
    assert (changes[police.id].status_then, changes[police.id].action.status) == ("not_started", "submitted")
    # Social care's action did not change status, but its rating did: on track then, overdue now.
    assert (changes[care.id].rating_then, changes[care.id].action.rating) == (Brag.GREEN, Brag.RED)
    assert changes[later.id].status_then is None  # added since
    rows = {row.ref: row for row in report.reviews[0].recommendations}
    assert rows["1"].changed and rows["2"].changed
    assert rows["1"].now.summary() == "1 submitted for assurance"
    # Nothing changed between day 3 and today for the first recommendation.
    assert not {row.ref: row for row in _report(plan, DAY3).reviews[0].recommendations}["1"].changed


def test_the_boards_response_as_it_stood(story):
    plan = story["plan"]
    responses = lambda day: {r.ref: r.response for r in _report(plan, day).reviews[0].recommendations}  # noqa: E731
    assert responses(DAY1) == {"1": "No response recorded", "2": "No response recorded"}
    assert responses(DAY2)["1"] == "Accepted"
    assert _report(plan, DAY1).responses_recorded == 0 and _report(plan, DAY2).responses_recorded == 1


def test_a_future_date_is_refused(story):
    from tracker.errors_domain import DomainError

    with pytest.raises(DomainError, match="today or in the past"):
        _report(story["plan"], date(2026, 6, 16))


def test_seeded_actions_start_from_the_status_the_seed_loader_wrote(app):
    """The seed loader's "action.seeded" entries carry each action's first status, and the rebuild reads it
    from there, not from the action's row."""
    mk = db.session.execute(select(Board).where(Board.key == "milton-keynes")).scalar_one()
    today = clock.today()
    live = build_report(db.session, scope_for(board=mk))
    assert build_report(db.session, scope_for(board=mk), as_at=today).headline.by_status == live.headline.by_status
    # Change a row behind the history's back: the live report shows it, the rebuilt one still reads the seed.
    action = db.session.execute(
        select(Action).where(Action.seed_key.like("mk-child-j:%"), Action.status == "in_progress").limit(1)
    ).scalar_one()
    action.status = "assured"
    db.session.flush()
    assert build_report(db.session, scope_for(board=mk)).headline.by_status["assured"] == 1
    rebuilt = build_report(db.session, scope_for(board=mk), as_at=today)
    assert rebuilt.headline.by_status == live.headline.by_status
    assert [(c.action.id, c.status_then) for c in rebuilt.changes.items] == [(action.id, "in_progress")]


def test_states_at_uses_the_history_then_falls_back_to_the_action(app):
    """The pure rebuild: the history decides; an action without any history is taken as it is."""
    from tracker.reports.asat import ActionRow

    end = asat.end_of_day(date(2026, 3, 1))
    early = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        ActionRow(1, 1, None, 1, "submitted", date(2026, 9, 1), None, early, "Now Owner"),
        ActionRow(2, 1, None, 1, "in_progress", None, None, early, None),  # no history at all
        ActionRow(3, 1, None, 1, "in_progress", None, None, early, None),  # history only after the day
        ActionRow(4, 1, None, 1, "assured", None, date(2026, 12, 1), datetime(2026, 5, 1, tzinfo=UTC), None),
    ]
    # Action 1's history before the day: created with a first owner and due date, started, owner removed.
    latest = {1: {"owner": "nobody", "due_date": "2026-02-01", "status": "in_progress"}}
    states = asat.states_at(rows, latest, later={1, 3, 4}, end=end)
    assert states[1] == asat.ActionState("in_progress", date(2026, 2, 1), None, None)
    assert states[2] == asat.ActionState("in_progress", None, None, None)
    assert 3 not in states and 4 not in states
    # An action created by the service has no status in its first entry: it started "not started".
    created = asat.states_at(rows[:1], {1: {"owner": "First Owner", "due_date": None}}, later=set(), end=end)
    assert created[1] == asat.ActionState("not_started", None, None, "First Owner")


def test_latest_values_are_read_from_the_history_with_nulls_kept(story):
    """A due date cleared (null) is not the same as never set: the query tells them apart on both databases."""
    from tracker.reports import queries

    plan, police = story["plan"], story["police"]
    services.update_plan(
        db.session,
        plan.member,
        police,
        police.version,
        owner_id=None,
        due_date=None,
        due_date_reason="No longer time-bound",
        success_measure=None,
    )
    values = queries.latest_action_values(db.session, Action.id == police.id, asat.end_of_day(TODAY))
    assert values == {police.id: {"status": "submitted", "due_date": None, "owner": "nobody"}}
    day2 = queries.latest_action_values(db.session, Action.id == police.id, asat.end_of_day(DAY2))
    assert day2 == {police.id: {"status": "in_progress", "due_date": "2026-09-30", "owner": "Lead 0 of as-at-board"}}


def test_the_day_ends_at_midnight_in_england():
    assert asat.end_of_day(date(2026, 1, 15)) == datetime(2026, 1, 16, 0, tzinfo=UTC)
    assert asat.end_of_day(date(2026, 7, 15)) == datetime(2026, 7, 15, 23, tzinfo=UTC)  # British Summer Time


def test_an_action_changed_since_but_with_the_same_status_and_rating_is_not_a_change(app, monkeypatch):
    """Its due date moved after the day (a period begun since), far enough off to keep its rating: it stood
    differently in its dates, not in what the changes list shows."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    _on(monkeypatch, DAY1)
    plan = new_plan("as-at-same-board")
    rec = plan.review("as-at-same-review", [["neglect"]]).recommendations[0]
    moved = plan.action(rec, POLICE, due=date(2026, 12, 1))
    _on(monkeypatch, DAY2)
    services.update_plan(
        db.session,
        plan.member,
        moved,
        moved.version,
        owner_id=plan.leads[POLICE].id,
        due_date=date(2026, 12, 15),
        due_date_reason="Waiting for the new case system",
        success_measure="An audit of cases shows the change",
    )
    then = _report(plan, DAY1)
    assert then.headline.by_status == {"not_started": 1}
    assert then.headline.by_brag == _report(plan).headline.by_brag
    assert (then.changes.total, then.changes.items) == (0, [])
