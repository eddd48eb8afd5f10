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

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from tracker.actions.states import Status
from tracker.audit import HistoryEntry
from tracker.timeline.models import ActionPeriod

NOBODY = "nobody"
# An action's state before its first entry says otherwise (create_action's entry does not name the status).
START = {"status": Status.NOT_STARTED.value, "due_date": None, "recheck_due": None, "owner": None}


def _state_of(action) -> tuple:
    owner = action.owner.name if action.owner is not None else None
    return (action.status, action.due_date, action.recheck_due, owner)


def record_change(session: Session, action, entry: HistoryEntry) -> ActionPeriod | None:
    """After ``entry`` (just appended about ``action``): close the open period and open a new one, when the
    action's status, due date, re-check date or owner differ from the open period's. Flushes, never commits."""
    state = _state_of(action)
    current = session.execute(
        select(ActionPeriod).where(ActionPeriod.action_id == action.id, ActionPeriod.valid_to.is_(None))
    ).scalar_one_or_none()
    if current is not None:
        if (current.status, current.due_date, current.recheck_due, current.owner) == state:
            return None
        current.valid_to = entry.at
    period = ActionPeriod(
        action_id=action.id,
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
    for data loaded outside the services). Returns how many periods were written."""
    from tracker.actions.models import Action  # (actions import nothing from here; kept local all the same)

    session.execute(delete(ActionPeriod))
    existing = set(session.execute(select(Action.id)).scalars())
    rows = [p for p in from_history(history_of_actions(session)) if p["action_id"] in existing]
    for start in range(0, len(rows), batch):
        session.execute(insert(ActionPeriod), rows[start : start + batch])
    session.flush()
    return len(rows)
