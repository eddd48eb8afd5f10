"""The action periods the services write agree with the periods rebuilt from the history alone (the
history is the source of truth), for the seeds and for a plan taken through every kind of change."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

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
    assert written()
    assert written() == rebuilt()


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


def test_rebuild_replaces_the_periods_with_the_historys(app):
    before = written()
    db.session.execute(ActionPeriod.__table__.delete())
    periods.rebuild(db.session)
    assert written() == before


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
