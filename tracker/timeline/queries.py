"""Reading the timeline: each action's state at a moment, from the period covering it (one indexed join),
with the rules ``reports/asat.py`` states for actions that have no history at all; and the report's lists as
they stood then, each one limited query over the same join, ordered as the live lists are."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from tracker.actions.models import Action
from tracker.actions.states import Status
from tracker.assurance.models import SignOff
from tracker.auth.models import User
from tracker.reports.asat import ActionState, utc
from tracker.reports.brag import soon_until
from tracker.reports.queries import SIGNED_OFF, UNFINISHED, Groups, grouped, rating_case, timing_case
from tracker.reviews.models import Recommendation
from tracker.timeline.models import ActionPeriod


def covering(period, end: datetime) -> ColumnElement:
    """The period held at ``end``: it began before ``end`` and had not ended by then."""
    return and_(period.valid_from < end, or_(period.valid_to.is_(None), period.valid_to >= end))


class Stood:
    """An action's columns as it stood at ``end``, for a query that outer-joins ``period`` on ``joined``:
    the covering period's values; for an action with no period at all (made outside the services), its own,
    when it was created before ``end`` (``existed``); any other action did not exist yet."""

    def __init__(self, end: datetime):
        self.period = period = aliased(ActionPeriod)
        self.joined = and_(period.action_id == Action.id, covering(period, end))
        self.held = held = period.id.is_not(None)
        anything = exists().where(ActionPeriod.action_id == Action.id)
        self.existed = or_(held, and_(~anything, Action.created_at < end))
        self.status = case((held, period.status), else_=Action.status)
        self.due_date = case((held, period.due_date), else_=Action.due_date)
        self.recheck_due = case((held, period.recheck_due), else_=Action.recheck_due)

    def owner(self, now: ColumnElement) -> ColumnElement:
        """The owner's name then (the period's), or ``now`` for an action without periods."""
        return case((self.held, self.period.owner), else_=now)


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
    stood = Stood(end)
    # No owner makes an action not planned (brag.timing): the period's owner name, or the action's owner id.
    owner = stood.owner(cast(Action.owner_id, String))
    then = (
        select(
            Action.review_id,
            Action.recommendation_id,
            Action.agency_id,
            stood.status.label("status"),
            timing_case(stood.due_date, owner, day).label("timing"),
        )
        .outerjoin(stood.period, stood.joined)
        .where(where, stood.existed)
    )
    return grouped(session, then, review_id)


# The lists as they stood ----------------------------------------------------------------------------------


def _latest_return(end: datetime):
    """Each action's latest return decided before ``end`` (the one ``asat``'s rebuild shows)."""
    return (
        select(SignOff.action_id, func.max(SignOff.id).label("sign_off_id"))
        .join(User, User.id == SignOff.decided_by_id)
        .where(SignOff.decision == "returned", SignOff.decided_at < end)
        .group_by(SignOff.action_id)
        .subquery()
    )


def _listed_at(stood: Stood, where: ColumnElement, end: datetime, *extra, as_now: bool = False) -> Select:
    """The columns a list shows of each action in ``where``: as it stood at ``end`` (only those that existed
    then), or as it is now (``as_now``); with its latest return before ``end`` (reasons, when, by whom)."""
    owner, decider, sign_off, latest = aliased(User), aliased(User), aliased(SignOff), _latest_return(end)
    if as_now:
        state = [owner.name.label("owner"), Action.status, Action.due_date, Action.recheck_due]
    else:
        state = [
            stood.owner(owner.name).label("owner"),
            stood.status.label("status"),
            stood.due_date.label("due_date"),
            stood.recheck_due.label("recheck_due"),
        ]
    query = (
        select(
            Action.id,
            Action.text,
            Action.review_id,
            Recommendation.ref.label("recommendation_ref"),
            Action.agency_id,
            *state,
            sign_off.comments,
            sign_off.decided_at,
            decider.name.label("decided_by"),
            *extra,
        )
        .outerjoin(stood.period, stood.joined)
        .outerjoin(Recommendation, Recommendation.id == Action.recommendation_id)
        .outerjoin(owner, owner.id == Action.owner_id)
        .outerjoin(latest, latest.c.action_id == Action.id)
        .outerjoin(sign_off, sign_off.id == latest.c.sign_off_id)
        .outerjoin(decider, decider.id == sign_off.decided_by_id)
        .where(where)
    )
    return query if as_now else query.where(stood.existed)


def overdue_at(session: Session, where: ColumnElement, end: datetime, day: date, limit: int) -> list:
    """Unfinished at ``end`` and past the due date they had then, the most overdue first."""
    stood = Stood(end)
    query = _listed_at(stood, where, end).where(stood.status.in_(UNFINISHED), stood.due_date < day)
    return list(session.execute(query.order_by(stood.due_date, Action.id).limit(limit)))


def rechecks_at(session: Session, where: ColumnElement, end: datetime, day: date, limit: int) -> tuple[list, int]:
    """Signed off at ``end`` with a re-check due by then or soon after, the soonest first, and how many."""
    stood = Stood(end)
    query = _listed_at(stood, where, end, func.count().over().label("total")).where(
        stood.status.in_(SIGNED_OFF), stood.recheck_due.is_not(None), stood.recheck_due <= soon_until(day)
    )
    rows = list(session.execute(query.order_by(stood.recheck_due, Action.id).limit(limit)))
    return rows, (rows[0].total if rows else 0)


def returned_at(session: Session, where: ColumnElement, end: datetime, limit: int) -> list:
    """Returned at ``end``, those without a return on record first, then the longest waiting."""
    stood = Stood(end)
    query = _listed_at(stood, where, end).where(stood.status == Status.RETURNED.value)
    decided_at = query.selected_columns.decided_at
    return list(session.execute(query.order_by(decided_at.nulls_first(), Action.id).limit(limit)))


def owed_at(session: Session, where: ColumnElement, end: datetime, limit: int) -> list:
    """Unfinished at ``end``, soonest due (then) first, those without a date last."""
    stood = Stood(end)
    query = _listed_at(stood, where, end).where(stood.status.in_(UNFINISHED))
    return list(session.execute(query.order_by(stood.due_date.nulls_last(), Action.id).limit(limit)))


def changed_since(
    session: Session, where: ColumnElement, end: datetime, when: tuple[date, date], limit: int
) -> tuple[list, int]:
    """The actions in ``where`` whose status or rating today differs from the one they had at ``end`` (the
    end of ``day``; ``when``: (day, today)), or that did not exist then: the first ``limit`` by id, as they
    are now, with their status and rating then (None when they did not exist), and how many there are."""
    day, today = when
    stood = Stood(end)
    # Only whether there is an owner counts for the rating (brag.timing): the name then, or the owner's id.
    owned_then = stood.owner(cast(Action.owner_id, String))
    rating_then = rating_case(stood.status, timing_case(stood.due_date, owned_then, day))
    rating_now = rating_case(Action.status, timing_case(Action.due_date, Action.owner_id, today))
    query = _listed_at(
        stood,
        where,
        end,
        case((stood.existed, stood.status)).label("status_then"),
        case((stood.existed, rating_then)).label("rating_then"),
        func.count().over().label("total"),
        as_now=True,
    ).where(or_(~stood.existed, stood.status != Action.status, rating_then != rating_now))
    rows = list(session.execute(query.order_by(Action.id).limit(limit)))
    return rows, (rows[0].total if rows else 0)
