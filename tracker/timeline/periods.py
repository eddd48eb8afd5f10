"""Writing and rebuilding action periods (``models.ActionPeriod``).

``record_change`` is the one writer: called in the same transaction, right after each history entry about
an action, it ends the action's open period and opens one with the action's new values when any of them
changed. ``from_history`` derives the same periods from the history alone, with the rules ``reports/asat.py``
describes (each entry names the keys it set; "nobody" is no owner; an action starts "not started"), so that
a migration can backfill them and a test can hold the two against each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tracker.actions.states import Status
from tracker.audit import HistoryEntry
from tracker.timeline.models import ActionPeriod

NOBODY = "nobody"
# An action's state before its first entry says otherwise (create_action's entry does not name the status).
START = {"status": Status.NOT_STARTED.value, "due_date": None, "recheck_due": None, "owner": None}


def _state_of(action) -> tuple:
    owner = action.owner.name if action.owner is not None else None
    return (action.status, action.due_date, action.recheck_due, owner)


def _place_of(action) -> dict:
    return {"review_id": action.review_id, "recommendation_id": action.recommendation_id, "agency_id": action.agency_id}


def record_change(session: Session, action, entry: HistoryEntry) -> ActionPeriod | None:
    """After ``entry`` (just appended about ``action``): close the open period and open a new one, when the
    action's status, due date, re-check date or owner differ from the open period's; either way, mark the
    action in step with its timeline (``_mark_in_step``). Flushes, never commits."""
    state = _state_of(action)
    current = session.execute(
        select(ActionPeriod).where(ActionPeriod.action_id == action.id, ActionPeriod.valid_to.is_(None))
    ).scalar_one_or_none()
    _mark_in_step(session, action)
    place = _place_of(action)
    if current is not None and place != _place_of(current):
        # Moved (the seed loader corrects a seeded action's place): every period carries where it is now.
        session.execute(update(ActionPeriod).where(ActionPeriod.action_id == action.id).values(**place))
    if current is not None:
        if (current.status, current.due_date, current.recheck_due, current.owner) == state:
            return None
        current.valid_to = entry.at
    period = ActionPeriod(
        action_id=action.id,
        **place,
        status=state[0],
        due_date=state[1],
        recheck_due=state[2],
        owner=state[3],
        valid_from=entry.at,
        history_id=entry.id,
    )
    session.add(period)
    session.flush()
    return period


def _mark_in_step(session: Session, action) -> None:
    """Record that the action's row now stands as its open period says: its ``timeline_version`` is the
    version it has. Written past the ORM's unit of work, which would otherwise count this write as a change of
    the action and move its version on (out of step again)."""
    from tracker.actions.models import Action

    table = Action.__table__
    session.execute(
        update(table)
        .where(table.c.id == action.id)
        .values(timeline_version=action.version, updated_at=table.c.updated_at)  # (its onupdate would move it)
    )
    set_committed_value(action, "timeline_version", action.version)


def mark_in_step_where_they_agree(connection, actions, periods, users) -> None:
    """Mark in step every action whose row stands exactly as its open period says (status, due date, re-check
    date and owner's name), and out of step every other one: after the periods are rebuilt from the history
    or backfilled (each time with the place copied from the actions), when nothing is known of the rows but
    what they hold. Takes the tables
    (the models' own, or a migration's reflected ones), so that a migration runs the same rule as the app."""
    owner_name = select(users.c.name).where(users.c.id == actions.c.owner_id).correlate(actions).scalar_subquery()
    agrees = (
        select(periods.c.id)
        .where(
            periods.c.action_id == actions.c.id,
            periods.c.valid_to.is_(None),
            periods.c.status == actions.c.status,
            periods.c.due_date.is_not_distinct_from(actions.c.due_date),
            periods.c.recheck_due.is_not_distinct_from(actions.c.recheck_due),
            periods.c.owner.is_not_distinct_from(owner_name),
        )
        .exists()
    )
    # (updated_at is kept as it is: this says nothing new about the action, and its onupdate would.)
    untouched = {"updated_at": actions.c.updated_at}
    connection.execute(update(actions).values(timeline_version=None, **untouched))
    connection.execute(update(actions).where(agrees).values(timeline_version=actions.c.version, **untouched))


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _apply(state: dict, after: dict | None) -> dict:
    after = after or {}
    new = dict(state)
    if after.get("status"):
        new["status"] = after["status"]
    for key in ("due_date", "recheck_due"):
        if key in after:
            new[key] = _as_date(after[key])
    if "owner" in after:
        new["owner"] = None if after["owner"] in (None, "", NOBODY) else after["owner"]
    return new


def from_history(entries: Iterable[tuple[int, int, datetime, dict | None]]) -> list[dict]:
    """Periods (as dicts of ActionPeriod's columns) from history entries about actions, given as
    (entry id, action id, at, after) in entry order."""
    open_: dict[int, dict] = {}
    state: dict[int, dict] = {}
    periods: list[dict] = []
    for entry_id, action_id, at, after in entries:
        before = state.get(action_id, START)
        now = _apply(before, after)
        state[action_id] = now
        if action_id in open_ and now == before:
            continue
        if action_id in open_:
            open_[action_id]["valid_to"] = at
        period = {"action_id": action_id, **now, "valid_from": at, "valid_to": None, "history_id": entry_id}
        periods.append(period)
        open_[action_id] = period
    return periods


def history_of_actions(session: Session):
    """(entry id, action id, at, after) of every history entry about an action, in entry order."""
    return session.execute(
        select(HistoryEntry.id, HistoryEntry.object_id, HistoryEntry.at, HistoryEntry.after)
        .where(HistoryEntry.object_type == "action", HistoryEntry.object_id.is_not(None))
        .order_by(HistoryEntry.id)
    )


def rebuild(session: Session, batch: int = 10_000) -> int:
    """Replace every action's periods with those derived from the history (the migration's backfill, and
    for data loaded outside the services), and mark in step the actions whose rows agree with them. Returns
    how many periods were written."""
    from tracker.actions.models import Action  # (actions import nothing from here; kept local all the same)

    session.execute(delete(ActionPeriod))
    places = {
        action_id: {"review_id": review_id, "recommendation_id": recommendation_id, "agency_id": agency_id}
        for action_id, review_id, recommendation_id, agency_id in session.execute(
            select(Action.id, Action.review_id, Action.recommendation_id, Action.agency_id)
        )
    }
    derived = from_history(history_of_actions(session))
    rows = [{**period, **places[period["action_id"]]} for period in derived if period["action_id"] in places]
    for start in range(0, len(rows), batch):
        session.execute(insert(ActionPeriod), rows[start : start + batch])
    session.flush()
    from tracker.auth.models import User

    mark_in_step_where_they_agree(session, Action.__table__, ActionPeriod.__table__, User.__table__)
    return len(rows)
