"""The action periods the services write agree with the periods rebuilt from the history alone (the
history is the source of truth), for the seeds and for a plan taken through every kind of change."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select, text

from tests.reports.helpers import POLICE, SOCIAL_CARE, new_plan
from tracker import audit
from tracker.actions import services
from tracker.extensions import db
from tracker.reports.asat import utc
from tracker.timeline import periods
from tracker.timeline.models import ActionPeriod


def _on(monkeypatch, day: date, hour: int = 10) -> None:
    monkeypatch.setattr(audit, "utcnow", lambda: datetime(day.year, day.month, day.day, hour, tzinfo=UTC))


def _key(action_id, status, due_date, recheck_due, owner, valid_from, valid_to):
    return (action_id, status, due_date, recheck_due, owner, utc(valid_from), utc(valid_to) if valid_to else None)


def written() -> list[tuple]:
    rows = db.session.execute(
        select(
            ActionPeriod.action_id,
            ActionPeriod.status,
            ActionPeriod.due_date,
            ActionPeriod.recheck_due,
            ActionPeriod.owner,
            ActionPeriod.valid_from,
            ActionPeriod.valid_to,
        ).order_by(ActionPeriod.action_id, ActionPeriod.id)
    )
    return [_key(*row) for row in rows]


def rebuilt() -> list[tuple]:
    found = periods.from_history(periods.history_of_actions(db.session))
    keys = [
        _key(p["action_id"], p["status"], p["due_date"], p["recheck_due"], p["owner"], p["valid_from"], p["valid_to"])
        for p in found
    ]
    return sorted(keys, key=lambda k: k[0])  # stable: each action's periods stay in history order


def test_the_seeds_periods_are_the_historys(app):
    from tracker.actions.models import Action

    assert written()
    assert written() == rebuilt()
    assert out_of_step(select(Action.id)) == set()  # the seed loader records each action's timeline


def test_every_change_writes_the_period_the_history_implies(app, monkeypatch):
    _on(monkeypatch, date(2026, 3, 2))
    plan = new_plan("timeline-board")
    review = plan.review("timeline-review", [["neglect"], ["information-sharing"]])
    rec1, rec2 = review.recommendations
    police = plan.action(rec1, POLICE, due=date(2026, 4, 1))
    care = plan.action(rec2, SOCIAL_CARE, due=date(2026, 5, 1), owner=False)
    returned = plan.action(rec2, POLICE, due=date(2026, 6, 1))
    _on(monkeypatch, date(2026, 3, 10))
    plan.start(police)
    services.update_plan(
        db.session,
        plan.member,
        police,
        police.version,
        owner_id=None,
        due_date=date(2026, 9, 30),
        due_date_reason="Waiting for the new case system",
        success_measure=None,
    )
    services.reassign_owner(db.session, plan.member, care, care.version, plan.leads[SOCIAL_CARE].id)
    _on(monkeypatch, date(2026, 3, 20))
    # Planned again (an owner and a measure) before it can be put forward: a third period for the owner.
    services.update_plan(
        db.session,
        plan.member,
        police,
        police.version,
        owner_id=plan.leads[POLICE].id,
        due_date=date(2026, 9, 30),
        due_date_reason=None,
        success_measure="An audit of cases shows the change",
    )
    _on(monkeypatch, date(2026, 4, 2))
    plan.assure(police, recheck_due=date(2026, 10, 1))
    plan.return_(returned)
    plan.close(care)
    db.session.flush()

    mine = {police.id, care.id, returned.id}
    assert [k for k in written() if k[0] in mine] == [k for k in rebuilt() if k[0] in mine]
    assert written() == rebuilt()
    # One open period per action, holding its values now.
    open_now = {k[0]: k for k in written() if k[6] is None}
    assert open_now[police.id][1:4] == ("assured", date(2026, 9, 30), date(2026, 10, 1))
    assert open_now[police.id][4] == plan.leads[POLICE].name  # taken off by the plan change, then given back
    assert any(k[0] == police.id and k[4] is None and k[6] is not None for k in written())  # the stretch without
    assert open_now[care.id][1] == "closed" and open_now[care.id][4] == plan.leads[SOCIAL_CARE].name
    # Every change went through the services: each row is in step with its timeline, so "as at" may read it.
    assert out_of_step(mine) == set()


def out_of_step(ids) -> set[int]:
    from tracker.actions.models import OUT_OF_STEP, Action

    return set(db.session.execute(select(Action.id).where(Action.id.in_(ids), text(OUT_OF_STEP))).scalars())


def test_a_row_changed_behind_the_historys_back_is_out_of_step_until_its_next_recorded_change(app):
    from tracker.actions.models import Action

    plan = new_plan("timeline-step-board")
    rec = plan.review("timeline-step", [["neglect"]]).recommendations[0]
    action = plan.action(rec, POLICE, due=date(2026, 4, 1))
    assert out_of_step({action.id}) == set()
    assert action.timeline_version == action.version
    action.due_date = date(2026, 4, 2)  # no history entry, no period: the row no longer says what it said
    db.session.flush()
    assert out_of_step({action.id}) == {action.id}
    plan.start(action)  # recorded: the period now holds the row's values, the moved date included
    assert out_of_step({action.id}) == set()
    assert written()[-1][1:3] == ("in_progress", date(2026, 4, 2))
    # An action made outside the services has no timeline at all.
    loose = Action(review_id=action.review_id, agency_id=action.agency_id, text="Made outside the services")
    db.session.add(loose)
    db.session.flush()
    assert out_of_step({loose.id}) == {loose.id}


def test_after_a_rebuild_only_the_rows_that_agree_with_their_open_period_are_in_step(app):
    from tracker.actions.models import Action

    plan = new_plan("timeline-rebuild-board")
    rec = plan.review("timeline-rebuild", [["neglect"]]).recommendations[0]
    # Two owners: each row is held against its own owner's name.
    kept = [plan.action(rec, POLICE, due=date(2026, 4, 1)), plan.action(rec, SOCIAL_CARE, due=date(2026, 5, 1))]
    moved = plan.action(rec, SOCIAL_CARE, due=None)
    ids = [action.id for action in kept] + [moved.id]
    assert kept[0].owner_id != kept[1].owner_id
    db.session.execute(Action.__table__.update().where(Action.id.in_(ids)).values(timeline_version=None))
    db.session.execute(Action.__table__.update().where(Action.id == moved.id).values(status="in_progress"))
    periods.rebuild(db.session)
    assert out_of_step(ids) == {moved.id}


def test_rebuild_replaces_the_periods_with_the_historys(app):
    from tracker.actions.models import Action

    before = written()
    touched = db.session.execute(select(Action.id, Action.updated_at).order_by(Action.id)).all()
    db.session.execute(ActionPeriod.__table__.delete())
    periods.rebuild(db.session)
    assert written() == before
    # Every seeded row agrees with its open period again, and none is counted as updated by it.
    assert out_of_step(select(Action.id)) == set()
    assert db.session.execute(select(Action.id, Action.updated_at).order_by(Action.id)).all() == touched


def test_states_from_periods_agree_with_the_history_replay(app, monkeypatch):
    """As at any day, the covering periods give each action the state the history's replay gives it."""
    from tracker.actions.models import Action
    from tracker.reports import asat, queries
    from tracker.timeline import queries as timeline

    _on(monkeypatch, date(2026, 3, 2))
    plan = new_plan("timeline-as-at-board")
    rec = plan.review("timeline-as-at", [["neglect"]]).recommendations[0]
    first = plan.action(rec, POLICE, due=date(2026, 4, 1))
    _on(monkeypatch, date(2026, 3, 20))
    plan.start(first)
    second = plan.action(rec, SOCIAL_CARE, due=date(2026, 5, 1))
    _on(monkeypatch, date(2026, 4, 5))
    plan.assure(first, recheck_due=date(2026, 9, 1))
    db.session.flush()
    where = Action.id.is_not(None)
    rows = queries.action_rows(db.session, where)
    for day in (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 25), date(2026, 4, 5), date(2026, 6, 1)):
        end = asat.end_of_day(day)
        replayed = asat.states_at(
            rows,
            queries.latest_action_values(db.session, where, end),
            queries.actions_with_history_after(db.session, where, end),
            end,
        )
        assert timeline.states_at(db.session, where, end, rows) == replayed, day
    assert first.id in replayed and second.id in replayed


def test_an_action_moved_by_a_recorded_correction_is_counted_in_its_new_place_on_every_day(app, monkeypatch):
    """The seed loader may correct a seeded action's agency or recommendation, with a history entry: every
    period then carries the new place, so that "as at" a day before counts the action where it is now (as
    the history's replay does), and the row is in step again."""
    from tracker.actions.models import Action
    from tracker.actions.status import record
    from tracker.reports.builder import build_report
    from tracker.reports.scope import scope_for

    _on(monkeypatch, date(2026, 3, 2))
    plan = new_plan("timeline-moved-board")
    rec = plan.review("timeline-moved", [["neglect"]]).recommendations[0]
    action = plan.action(rec, POLICE, due=date(2027, 4, 1))
    _on(monkeypatch, date(2026, 3, 10))
    plan.start(action)  # a period begun after the day asked for, so that day is read from the periods
    _on(monkeypatch, date(2026, 3, 20))
    action.agency_id = plan.agencies[SOCIAL_CARE].id
    record(db.session, plan.member, action, "action.corrected", "Corrected from the seed file")
    db.session.flush()
    assert out_of_step({action.id}) == set()
    places = db.session.execute(select(ActionPeriod.agency_id).where(ActionPeriod.action_id == action.id)).scalars()
    assert set(places) == {plan.agencies[SOCIAL_CARE].id}
    report = build_report(db.session, scope_for(board=plan.board), as_at=date(2026, 3, 5))
    counted = {row.id: row.tally.by_status for row in report.agencies}
    assert counted == {plan.agencies[SOCIAL_CARE].id: {"not_started": 1}}
    assert db.session.get(Action, action.id).status == "in_progress"


def test_an_agency_merge_moves_the_periods_with_the_actions_which_stay_in_step(app, users, monkeypatch):
    """Merging a duplicate agency moves its actions (their versions bumped): their periods move too, and an
    action that was in step stays so, counted under the agency kept on every day (out of step only if it was)."""
    from tracker.actions.models import Action
    from tracker.auth.models import User
    from tracker.orgs.services import merge_agencies
    from tracker.reports.builder import build_report
    from tracker.reports.scope import scope_for

    _on(monkeypatch, date(2026, 3, 2))
    plan = new_plan("timeline-merge-board")
    rec = plan.review("timeline-merge", [["neglect"]]).recommendations[0]
    action = plan.action(rec, SOCIAL_CARE, due=date(2027, 4, 1))
    tampered = plan.action(rec, SOCIAL_CARE, due=date(2027, 5, 1))
    _on(monkeypatch, date(2026, 3, 10))
    plan.start(action)  # a period begun after the day asked for below, so that day is read from the periods
    tampered.due_date = date(2027, 5, 2)  # behind the history's back: out of step before the merge
    db.session.flush()
    merged, kept = plan.agencies[SOCIAL_CARE], plan.agencies[POLICE]
    admin = db.session.execute(select(User).where(User.email == users["admin"])).scalar_one()
    merge_agencies(db.session, admin, merged, kept)
    db.session.flush()
    assert db.session.get(Action, action.id).agency_id == kept.id
    assert out_of_step({action.id, tampered.id}) == {tampered.id}
    places = db.session.execute(select(ActionPeriod.agency_id).where(ActionPeriod.action_id == action.id)).scalars()
    assert set(places) == {kept.id}
    report = build_report(db.session, scope_for(board=plan.board), as_at=date(2026, 3, 5))
    assert {row.id: row.tally.by_status for row in report.agencies} == {kept.id: {"not_started": 2}}
