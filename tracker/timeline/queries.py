"""Reading the timeline: each action's state at a moment, from the period covering it (one indexed join),
with the rules ``reports/asat.py`` states for actions that have no history at all; and the report's lists as
they stood then, limited and ordered as the live lists are, read over the same join in one statement."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
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
        # A CASE, not OR: the databases stop at the first true branch, so the period lookup for actions
        # without periods runs only when no period is held (OR evaluated both sides: twice the time).
        self.existed = case((held, true()), (Action.created_at >= end, false()), (anything, false()), else_=true())
        # Named apart from "status": only the one status writer assigns an attribute of that name.
        self.status_at_end = case((held, period.status), else_=Action.status)
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
            stood.status_at_end.label("status"),
            timing_case(stood.due_date, owner, day).label("timing"),
        )
        .outerjoin(stood.period, stood.joined)
        .where(where, stood.existed)
    )
    return grouped(session, then, review_id)


# The lists as they stood ----------------------------------------------------------------------------------


class Listed(NamedTuple):
    """An action in a list, as ``lists.Describer`` reads it: as it stood (or, in what changed since, as it is
    now), with its latest return before the end of the day; and, for what changed, its status and rating
    then (None when it did not exist yet)."""

    id: int
    text: str
    review_id: int
    recommendation_ref: str | None
    agency_id: int
    owner: str | None
    status: str
    due_date: date | None
    recheck_due: date | None
    comments: str | None
    decided_at: datetime | None
    decided_by: str | None
    status_then: str | None = None
    rating_then: str | None = None


def _latest_return(end: datetime):
    """Each action's latest return decided before ``end`` (the one the history's replay shows)."""
    return (
        select(SignOff.action_id, func.max(SignOff.id).label("sign_off_id"))
        .join(User, User.id == SignOff.decided_by_id)
        .where(SignOff.decision == "returned", SignOff.decided_at < end)
        .group_by(SignOff.action_id)
        .subquery()
    )


def lists_at(
    session: Session, where: ColumnElement, end: datetime, when: tuple[date, date], limits: dict[str, int]
) -> dict[str, tuple[list[Listed], int]]:
    """The report's lists as they stood at ``end`` (the end of ``day``; ``when``: (day, today)), each the
    first ``limits[name]`` rows in the live list's order, with how many there are, for those named in
    ``limits``: "overdue", "rechecks", "returned", "owed", and "changes" (the actions whose status or rating
    today differs from then's, or that did not exist then, by id, as they are now).

    One statement: the actions of ``where`` are joined once to their covering periods (a materialised CTE of
    their state then, and whether it differs now); each list takes its first rows from that (ORDER BY …
    LIMIT, no window over all of them) and counts them; only the rows taken are joined to their texts,
    owners and returns."""
    day, today = when
    stood = Stood(end)
    # Only whether there is an owner counts for a rating (brag.timing): the name then, or the owner's id.
    owned = stood.owner(cast(Action.owner_id, String))
    rating_then = rating_case(stood.status_at_end, timing_case(stood.due_date, owned, day))
    rating_now = rating_case(Action.status, timing_case(Action.due_date, Action.owner_id, today))
    state = select(
        Action.id,
        stood.existed.label("existed"),
        stood.held.label("held"),
        stood.status_at_end.label("status"),
        stood.due_date.label("due_date"),
        stood.recheck_due.label("recheck_due"),
        stood.period.owner.label("period_owner"),
        owned.label("owned"),
        case(
            (~stood.existed, true()),
            (stood.status_at_end != Action.status, true()),
            (rating_then != rating_now, true()),
            else_=false(),
        ).label("changed"),
    )
    then = state.outerjoin(stood.period, stood.joined).where(where).cte("stood").prefix_with("MATERIALIZED")
    latest, last_return = _latest_return(end), aliased(SignOff)
    picks = {
        "overdue": (
            and_(then.c.existed, then.c.status.in_(UNFINISHED), then.c.due_date < day),
            lambda c: [c.due_date, c.id],
        ),
        "rechecks": (
            and_(
                then.c.existed,
                then.c.status.in_(SIGNED_OFF),
                then.c.recheck_due.is_not(None),
                then.c.recheck_due <= soon_until(day),
            ),
            lambda c: [c.recheck_due, c.id],
        ),
        "returned": (
            and_(then.c.existed, then.c.status == Status.RETURNED.value),
            lambda c: [c.decided_at.nulls_first(), c.id],
        ),
        "owed": (and_(then.c.existed, then.c.status.in_(UNFINISHED)), lambda c: [c.due_date.nulls_last(), c.id]),
        "changes": (then.c.changed, lambda c: [c.id]),
    }
    arms, totals = [], {}
    for name, (condition, order) in picks.items():
        if name not in limits:
            continue
        shown = [then.c.id, then.c.existed, then.c.held, then.c.status, then.c.due_date, then.c.recheck_due]
        shown += [then.c.period_owner, then.c.owned]
        taken = select(*shown).where(condition)
        if name == "returned":  # in the order of their latest return (its time is only for ordering)
            taken = (
                taken.add_columns(last_return.decided_at)
                .outerjoin(latest, latest.c.action_id == then.c.id)
                .outerjoin(last_return, last_return.id == latest.c.sign_off_id)
            )
        taken = taken.order_by(*order(taken.selected_columns)).limit(limits[name]).subquery()
        # The order within the few rows taken, to read them back in it.
        position = func.row_number().over(order_by=order(taken.c)).label("position")
        arms.append(select(literal(name).label("list"), position, *[taken.c[c.name] for c in shown]))
        totals[name] = select(func.count()).select_from(then).where(condition).scalar_subquery().label(f"{name}_total")
    picked = union_all(*arms).subquery("picked")
    owner, decider, sign_off = aliased(User), aliased(User), aliased(SignOff)
    rating = rating_case(picked.c.status, timing_case(picked.c.due_date, picked.c.owned, day))
    rows = session.execute(
        select(
            picked.c.list,
            picked.c.id,
            picked.c.existed,
            picked.c.held,
            picked.c.status,
            picked.c.due_date,
            picked.c.recheck_due,
            picked.c.period_owner,
            rating,
            Action.text,
            Action.review_id,
            Recommendation.ref,
            Action.agency_id,
            owner.name,
            Action.status,
            Action.due_date,
            Action.recheck_due,
            sign_off.comments,
            sign_off.decided_at,
            decider.name,
            *totals.values(),
        )
        .join(Action, Action.id == picked.c.id)
        .outerjoin(Recommendation, Recommendation.id == Action.recommendation_id)
        .outerjoin(owner, owner.id == Action.owner_id)
        .outerjoin(latest, latest.c.action_id == Action.id)
        .outerjoin(sign_off, sign_off.id == latest.c.sign_off_id)
        .outerjoin(decider, decider.id == sign_off.decided_by_id)
        .order_by(picked.c.list, picked.c.position)
    ).all()
    found: dict[str, list[Listed]] = {name: [] for name in limits}
    for name, id_, existed, held, status, due, recheck, period_owner, rating_then, *now in rows:
        text, review_id, ref, agency_id, owner_now, status_now, due_now, recheck_now = now[:8]
        returned = now[8:11]
        if name == "changes":
            row = Listed(
                id_,
                text,
                review_id,
                ref,
                agency_id,
                owner_now,
                status_now,
                due_now,
                recheck_now,
                *returned,
                status if existed else None,
                rating_then if existed else None,
            )
        else:
            owner_then = period_owner if held else owner_now
            row = Listed(id_, text, review_id, ref, agency_id, owner_then, status, due, recheck, *returned)
        found[name].append(row)
    # The counts ride on every row; with no row at all, the lists are empty and their counts nought.
    counts = dict(zip(totals, rows[0][-len(totals) :], strict=True)) if rows else {}
    return {name: (items, int(counts.get(name, 0))) for name, items in found.items()}
