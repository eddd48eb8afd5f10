"""Reading the timeline: each action's state at a moment, from the period covering it (one indexed join),
with the rules ``reports/asat.py`` states for actions that have no history at all; and the report's lists as
they stood then, limited and ordered as the live lists are, read over the same join in one statement."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
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
    union,
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
    when it was created before ``end`` (``existed``); any other action did not exist yet.

    A reading is of the actions ``among`` a part (``readings``): all of them, joined to the period covering
    ``end``; those changed since ``end`` (``changed``: ``changed_since``), likewise; or the others
    (``unchanged``), joined to their open period: none of theirs began at or after ``end``, so the open one
    began before it and covers it."""

    def __init__(self, end: datetime, changed: CompoundSelect | None = None, unchanged: bool = False):
        self.period = period = aliased(ActionPeriod)
        # (valid_from is never null: tested on it, the index holds all the join reads.)
        self.held = held = period.valid_from.is_not(None)
        self.changed, self.unchanged = changed, unchanged
        if unchanged:
            self.joined = and_(period.action_id == Action.id, period.valid_to.is_(None))
            # Not changed since: created before ``end`` (``changed_since`` holds those created later).
            self.existed = true()
        else:
            self.joined = and_(period.action_id == Action.id, covering(period, end))
            anything = exists().where(ActionPeriod.action_id == Action.id)
            # A CASE, not OR: the databases stop at the first true branch, so the period lookup for actions
            # without periods runs only when no period is held (OR evaluated both sides: twice the time).
            self.existed = case((held, true()), (Action.created_at >= end, false()), (anything, false()), else_=true())
        # Named apart from "status": only the one status writer assigns an attribute of that name.
        self.status_at_end = case((held, period.status), else_=Action.status)
        self.due_date = case((held, period.due_date), else_=Action.due_date)
        self.recheck_due = case((held, period.recheck_due), else_=Action.recheck_due)

    @property
    def among(self) -> ColumnElement:
        """The actions this reading is for."""
        if self.changed is None:
            return true()
        return Action.id.not_in(self.changed) if self.unchanged else Action.id.in_(self.changed)

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


def changed_since(end: datetime) -> CompoundSelect:
    """The ids of the actions that may have stood differently at ``end`` from how they stand now: one of
    their periods began at or after ``end`` (their status, due date, owner or re-check date changed since), or
    they were created then or later. Read by two index ranges, so it grows with what changed since, not with
    the actions.

    For every other action, no period began at or after ``end``: the one open now began before it, so it is
    the period covering ``end`` (``Stood`` with ``unchanged``). It is still the period that is read, not the
    action's own columns: the history, which the periods follow, is the record of what stood then, even when
    a row was changed behind its back (tests/reports/test_as_at.py)."""
    return union(
        select(ActionPeriod.action_id).where(ActionPeriod.valid_from >= end),
        select(Action.id).where(Action.created_at >= end),
    )


def readings(session: Session, end: datetime) -> list[Stood]:
    """How to read the actions as they stood at ``end``, by database (chosen with EXPLAIN on both, on a board of
    50,000 actions with a quarter changed since: benchmarks/report_speed.py). PostgreSQL hashes the join of
    every action to its covering period in one pass over the periods: one reading. SQLite joins by index
    seeks, an action at a time: the actions changed since are joined to the covering period (two seeks each),
    the others to their open one (one seek: valid_to is null, in the periods' index by action)."""
    if session.get_bind().dialect.name == "postgresql":
        return [Stood(end)]
    changed = changed_since(end)
    return [Stood(end, changed), Stood(end, changed, unchanged=True)]


def groups_at(session: Session, where: ColumnElement, end: datetime, day: date, review_id: int | None) -> Groups:
    """The report's grouped counts (``reports.queries.action_groups``) as the actions stood at ``end``, due
    dates timed against ``day``: the same aggregate, in SQL, over the periods covering ``end`` instead of the
    actions' own columns (with the same rule as ``states_at`` for actions that have no period at all). A
    statement per reading (``readings``); a recommendation or agency in two has its counts added
    (``builder._Figures`` adds every group)."""
    found = Groups([], [])
    for stood in readings(session, end):
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
            .where(where, stood.among, stood.existed)
        )
        part = grouped(session, then, review_id)
        found.recommendations += part.recommendations
        found.agencies += part.agencies
    return found


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
    session: Session,
    where: ColumnElement,
    end: datetime,
    when: tuple[date, date],
    limits: dict[str, int],
    known: dict[str, int] | None = None,
) -> dict[str, tuple[list[Listed], int]]:
    """The report's lists as they stood at ``end`` (the end of ``day``; ``when``: (day, today)), each the
    first ``limits[name]`` rows in the live list's order, with how many there are, for those named in
    ``limits``: "overdue", "rechecks", "returned", "owed", and "changes" (the actions whose status or rating
    today differs from then's, or that did not exist then, by id, as they are now). ``known``: the totals of
    lists already counted (by the figures as they stood), which are not counted again.

    One statement. The actions are read (``readings``: in one part or two) joined to the period covering
    ``end``, each part a materialised CTE of their state then and whether it differs now. Each list takes its
    first rows from each part (ORDER BY … LIMIT, no window over all of them), then the first of those; it is
    counted over every part, unless its total is ``known``; only the rows taken are joined to their texts,
    owners and returns."""
    day, today = when
    known = known or {}
    parts = []
    for n, stood in enumerate(readings(session, end)):
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
        read = state.outerjoin(stood.period, stood.joined).where(where, stood.among)
        parts.append(read.cte(f"stood_{n}").prefix_with("MATERIALIZED"))
    latest, last_return = _latest_return(end), aliased(SignOff)
    picks = {
        "overdue": (
            lambda c: and_(c.existed, c.status.in_(UNFINISHED), c.due_date < day),
            lambda c: [c.due_date, c.id],
        ),
        "rechecks": (
            lambda c: and_(
                c.existed, c.status.in_(SIGNED_OFF), c.recheck_due.is_not(None), c.recheck_due <= soon_until(day)
            ),
            lambda c: [c.recheck_due, c.id],
        ),
        "returned": (
            lambda c: and_(c.existed, c.status == Status.RETURNED.value),
            lambda c: [c.decided_at.nulls_first(), c.id],
        ),
        "owed": (lambda c: and_(c.existed, c.status.in_(UNFINISHED)), lambda c: [c.due_date.nulls_last(), c.id]),
        "changes": (lambda c: c.changed, lambda c: [c.id]),
    }
    names = ["id", "existed", "held", "status", "due_date", "recheck_due", "period_owner", "owned"]
    arms, totals = [], {}
    for name, (condition, order) in picks.items():
        if name not in limits:
            continue
        firsts = []
        for source in parts:
            taken = select(*[source.c[n] for n in names]).where(condition(source.c))
            if name == "returned":  # in the order of their latest return (its time is only for ordering)
                taken = (
                    taken.add_columns(last_return.decided_at)
                    .outerjoin(latest, latest.c.action_id == source.c.id)
                    .outerjoin(last_return, last_return.id == latest.c.sign_off_id)
                )
            first = taken.order_by(*order(taken.selected_columns)).limit(limits[name]).subquery()
            firsts.append(select(*first.c))
        both = union_all(*firsts).subquery()
        taken = select(*both.c).order_by(*order(both.c)).limit(limits[name]).subquery()
        # The order within the few rows taken, to read them back in it.
        position = func.row_number().over(order_by=order(taken.c)).label("position")
        arms.append(select(literal(name).label("list"), position, *[taken.c[n] for n in names]))
        if name in known:
            continue
        counts = [select(func.count()).select_from(part).where(condition(part.c)).scalar_subquery() for part in parts]
        totals[name] = sum(counts[1:], counts[0]).label(f"{name}_total")
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
    counts = dict(zip(totals, rows[0][-len(totals) :], strict=True)) if rows and totals else {}
    return {name: (items, known.get(name, int(counts.get(name, 0)))) for name, items in found.items()}
