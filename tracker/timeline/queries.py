"""Reading the timeline: each action's state at a moment, from the period covering it (one indexed join),
with the rules ``reports/asat.py`` states for actions that have no history at all."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, String, and_, case, cast, exists, or_, select
from sqlalchemy.orm import Session, aliased

from tracker.actions.models import Action
from tracker.reports.asat import ActionState, utc
from tracker.reports.queries import Groups, grouped, timing_case
from tracker.timeline.models import ActionPeriod


def covering(period, end: datetime) -> ColumnElement:
    """The period held at ``end``: it began before ``end`` and had not ended by then."""
    return and_(period.valid_from < end, or_(period.valid_to.is_(None), period.valid_to >= end))


def states_at(session: Session, where: ColumnElement, end: datetime, rows) -> dict[int, ActionState]:
    """Each action's state at ``end``, by id, as ``asat.states_at`` gives it from the history: the covering
    period's values; an action with no period at all (made outside the services) as it is now, when it was
    created before ``end``; any other action did not exist yet and is left out. ``rows``: the actions
    (``reports.queries.action_rows``), for those without periods."""
    period = aliased(ActionPeriod)
    anything = exists().where(ActionPeriod.action_id == Action.id)
    found = session.execute(
        select(Action.id, period.status, period.due_date, period.recheck_due, period.owner, anything)
        .outerjoin(period, and_(period.action_id == Action.id, covering(period, end)))
        .where(where)
    )
    end = utc(end)
    by_id = {row.id: row for row in rows}
    states = {}
    for action_id, status, due_date, recheck_due, owner, has_periods in found:
        if status is not None:
            states[action_id] = ActionState(status, due_date, recheck_due, owner)
        elif not has_periods:
            row = by_id.get(action_id)
            if row is not None and row.created_at is not None and utc(row.created_at) < end:
                states[action_id] = ActionState(row.status, row.due_date, row.recheck_due, row.owner)
    return states


def groups_at(session: Session, where: ColumnElement, end: datetime, day: date, review_id: int | None) -> Groups:
    """The report's grouped counts (``reports.queries.action_groups``) as the actions stood at ``end``, due
    dates timed against ``day``: the same aggregate, in SQL, over the covering periods instead of the actions'
    own columns (with the same rule as ``states_at`` for actions that have no period at all)."""
    period = aliased(ActionPeriod)
    anything = exists().where(ActionPeriod.action_id == Action.id)
    held = period.id.is_not(None)
    status = case((held, period.status), else_=Action.status)
    due = case((held, period.due_date), else_=Action.due_date)
    # No owner makes an action not planned (brag.timing): the period's owner name, or the action's owner id.
    owner = case((held, period.owner), else_=cast(Action.owner_id, String))
    then = (
        select(
            Action.review_id,
            Action.recommendation_id,
            Action.agency_id,
            status.label("status"),
            timing_case(due, owner, day).label("timing"),
        )
        .outerjoin(period, and_(period.action_id == Action.id, covering(period, end)))
        .where(where, or_(held, and_(~anything, Action.created_at < end)))
    )
    return grouped(session, then, review_id)
