"""Reading the timeline: each action's state at a moment, from the period covering it (one indexed join),
with the rules ``reports/asat.py`` states for actions that have no history at all; and the report's figures
and lists as they stood then, limited and ordered as the live lists are. Those read the rows of the actions
that stand as they stood (most of them: in step with their timeline and unchanged since), and the periods of
the few others (``rows_differing``), so that their cost follows what changed since."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    and_,
    case,
    cast,
    except_,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.visitors import replacement_traverse

from tracker.actions.models import OUT_OF_STEP, Action
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
    """The columns of the actions ``among`` a set, as they stood at ``end``, for a query that outer-joins
    ``period`` on ``joined``: the covering period's values; for an action with no period at all (made outside
    the services), its own, when it was created before ``end`` (``existed``); any other action did not exist
    yet."""

    def __init__(self, end: datetime, among: Select | None = None):
        self.period = period = aliased(ActionPeriod)
        # (valid_from is never null: tested on it, the index holds all the join reads.)
        self.held = held = period.valid_from.is_not(None)
        self.among = true() if among is None else Action.id.in_(among)
        self.joined = and_(period.action_id == Action.id, covering(period, end))
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


def out_of_step() -> Select:
    """The ids of the actions whose rows may not stand as their open period says (``Action.timeline_version``:
    changed behind the history's back, or made outside the services, so without periods): read from their
    own partial index, almost always empty."""
    return select(Action.id).where(text(OUT_OF_STEP))


def on_periods(where: ColumnElement, period) -> ColumnElement:
    """The scope's condition on the actions (``reports.scope``: on their review and agency) put to ``period``'s
    copy of its action's place."""
    actions = Action.__table__
    place = {name: getattr(period, name).__clause_element__() for name in ("review_id", "agency_id")}

    def moved(element):
        if isinstance(element, Column) and element.table is actions:
            if element.name not in place:
                raise ValueError(f"A scope on actions.{element.name} cannot be read from the periods")
            return place[element.name]
        return None

    return replacement_traverse(where, {}, moved)


class Since:
    """The periods of the actions in step with their timeline that changed since ``end``, read by range: each
    one's open period, begun since (``now``: its row, as it is in step), and the closed one covering ``end``
    (``then``: how it stood; none when it was created since)."""

    def __init__(self, where: ColumnElement, end: datetime):
        self.now, self.then = now, then = aliased(ActionPeriod), aliased(ActionPeriod)
        in_step = now.action_id.not_in(out_of_step())
        self.began = and_(now.valid_to.is_(None), now.valid_from >= end, on_periods(where, now), in_step)
        self.ended = and_(
            then.valid_to >= end,
            then.valid_from < end,
            on_periods(where, then),
            then.action_id.not_in(out_of_step()),
        )


# The columns a list's row carries that the changes read from the action now, not as it stood.
_NOT_READ = [("due_date", "due_date"), ("recheck_due", "recheck_due"), ("period_owner", "owner"), ("owned", "owner")]


def rows_differing(end: datetime) -> CompoundSelect:
    """The ids of the actions whose rows may not say how they stood at ``end``: their open period began at
    or after ``end`` (their status, due date, owner or re-check date changed since, or they were created
    since: a created action's first period begins with it), or they are out of step. Read by two index
    ranges, so it grows with what changed since, not with the actions.

    Every other action stands as its open period says (it is in step), and that period began before ``end``,
    so it is the one covering ``end``: its row says how it stood then, and the report reads the row (the live
    report's own index-only count) instead of the period."""
    period = aliased(ActionPeriod)
    return union(
        select(period.action_id).where(period.valid_to.is_(None), period.valid_from >= end),
        out_of_step(),
    )


def groups_at(
    session: Session, where: ColumnElement, end: datetime, day: date, review_id: int | None, rows_on_day: Groups
) -> Groups:
    """The report's grouped counts (``reports.queries.action_groups``) as the actions stood at ``end``, due
    dates timed against ``day``. ``rows_on_day``: the same counts over the actions' rows, timed against ``day``
    (read with today's: ``queries.action_groups_on``). Those rows say how every action stood except the few
    ``rows_differing``; so, in one statement over those few, their rows' counts are taken away and their
    counts as they stood put in their place. For the actions in step that changed since (``Since``), both
    come from the periods alone, by range: the open period is the row, the one covering ``end`` how it stood.
    For those out of step, from the actions (the rule of ``states_at`` for an action without periods)."""
    since = Since(where, end)
    parts = [
        select(
            period.review_id,
            period.recommendation_id,
            period.agency_id,
            period.status,
            timing_case(period.due_date, period.owner, day).label("timing"),
            literal(sign).label("sign"),
        ).where(condition)
        for period, condition, sign in ((since.then, since.ended, 1), (since.now, since.began, -1))
    ]
    stood = Stood(end, out_of_step())
    # No owner makes an action not planned (brag.timing): the period's owner name, or the action's owner id.
    owner = stood.owner(cast(Action.owner_id, String))
    parts.append(
        select(
            Action.review_id,
            Action.recommendation_id,
            Action.agency_id,
            stood.status_at_end,
            timing_case(stood.due_date, owner, day),
            literal(1),
        )
        .outerjoin(stood.period, stood.joined)
        .where(where, stood.among, stood.existed)
    )
    parts.append(
        select(
            Action.review_id,
            Action.recommendation_id,
            Action.agency_id,
            Action.status,
            timing_case(Action.due_date, Action.owner_id, day),
            literal(-1),
        ).where(where, Action.id.in_(out_of_step()))
    )
    return rows_on_day.plus(grouped(session, union_all(*parts), review_id))


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

    One statement, over two parts: the few actions whose rows differ from how they stood
    (``rows_differing``), joined to the period covering ``end`` in a materialised CTE of their state then and
    whether it differs now; and every other action, read from its row (as it stood), by the live lists'
    indexes. Each list takes its first rows from each part (ORDER BY … LIMIT, no window over all of them),
    then the first of those; it is counted over both parts, unless its total is ``known``; only the rows taken
    are joined to their texts, owners and returns."""
    day, today = when
    known = known or {}
    rating_now = rating_case(Action.status, timing_case(Action.due_date, Action.owner_id, today))
    differing = rows_differing(end).cte("differing").prefix_with("MATERIALIZED")
    # The actions in step that changed since, from their periods alone, by two ranges: how each stood (the
    # closed period covering ``end``: ``ended``; none when it was created since) and its row now (its open
    # period, begun since). What changed is found by set difference (their states then, less their states
    # now; those begun since, less those that stood then), which both databases do with one sort or hash:
    # joining the one range to the other would seek each action's periods in turn, and pairing them by
    # grouping costs an aggregate per column.
    since = Since(where, end)
    then, now = since.then, since.now
    ended = (
        select(
            then.action_id.label("id"),
            true().label("existed"),
            true().label("held"),
            then.status.label("status"),
            then.due_date.label("due_date"),
            then.recheck_due.label("recheck_due"),
            then.owner.label("period_owner"),
            then.owner.label("owned"),
            rating_case(then.status, timing_case(then.due_date, then.owner, day)).label("rating"),
        )
        .where(since.ended)
        .cte("ended")
        .prefix_with("MATERIALIZED")
    )
    as_now = rating_case(now.status, timing_case(now.due_date, now.owner, today))
    differ = except_(
        select(ended.c.id, ended.c.status, ended.c.rating), select(now.action_id, now.status, as_now).where(since.began)
    ).subquery("differ")
    created = except_(select(now.action_id.label("id")).where(since.began), select(ended.c.id)).subquery("created")
    nothing = {name: cast(null(), getattr(ActionPeriod, column).type).label(name) for name, column in _NOT_READ}
    changed_since = (
        union_all(
            select(
                differ.c.id.label("id"),
                true().label("existed"),
                true().label("held"),
                differ.c.status.label("status"),
                *nothing.values(),
                differ.c.rating.label("rating"),
                true().label("changed"),
            ),
            select(
                created.c.id, false(), false(), cast(null(), String), *nothing.values(), cast(null(), String), true()
            ),
        )
        .cte("changed_since")
        .prefix_with("MATERIALIZED")
    )
    # The actions out of step, from the period covering ``end`` (or the rule for those without periods).
    stood = Stood(end, out_of_step())
    # Only whether there is an owner counts for a rating (brag.timing): the name then, or the owner's id.
    owned = stood.owner(cast(Action.owner_id, String))
    rating_then = rating_case(stood.status_at_end, timing_case(stood.due_date, owned, day))
    out_of_step_then = (
        select(
            Action.id,
            stood.existed.label("existed"),
            stood.held.label("held"),
            stood.status_at_end.label("status"),
            stood.due_date.label("due_date"),
            stood.recheck_due.label("recheck_due"),
            stood.period.owner.label("period_owner"),
            owned.label("owned"),
            rating_then.label("rating"),
            case(
                (~stood.existed, true()),
                (stood.status_at_end != Action.status, true()),
                (rating_then != rating_now, true()),
                else_=false(),
            ).label("changed"),
        )
        .outerjoin(stood.period, stood.joined)
        .where(where, stood.among)
        .cte("out_of_step")
        .prefix_with("MATERIALIZED")
    )
    # Every other action stood as its row says: read from the rows, by the live lists' own indexes (a plain
    # subquery, which both databases merge into the query over it, so that its conditions reach the index).
    row_rating_then = rating_case(Action.status, timing_case(Action.due_date, Action.owner_id, day))
    as_their_rows = (
        select(
            Action.id,
            true().label("existed"),
            false().label("held"),
            Action.status.label("status"),
            Action.due_date.label("due_date"),
            Action.recheck_due.label("recheck_due"),
            cast(null(), String).label("period_owner"),
            cast(Action.owner_id, String).label("owned"),
            row_rating_then.label("rating"),
            (row_rating_then != rating_now).label("changed"),
        )
        .where(where, Action.id.not_in(select(differing.c.action_id)))
        .subquery("rows")
    )
    parts = [ended, out_of_step_then, as_their_rows]
    latest, last_return = _latest_return(end), aliased(SignOff)
    soon = soon_until(today)
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
        # A row that stands as it stood differs only in its rating, when its due date fell between the day and
        # today's "soon" (brag.timing's buckets are the same on both days outside it): the index's range.
        "changes": (
            lambda c: and_(c.due_date.between(day, soon), c.changed) if c is as_their_rows.c else c.changed,
            lambda c: [c.id],
        ),
    }
    names = ["id", "existed", "held", "status", "due_date", "recheck_due", "period_owner", "owned", "rating"]
    arms, totals = [], {}
    for name, (condition, order) in picks.items():
        if name not in limits:
            continue
        firsts = []
        of_list = [changed_since, *parts[1:]] if name == "changes" else parts
        for source in of_list:
            # The source's columns, read once: asking a select for its columns again costs as much as building
            # it (SQLAlchemy walks them each time), and this loop builds a few dozen.
            columns = {n: source.c[n] for n in names}
            taken = select(*columns.values()).where(condition(source.c))
            if name == "returned":  # in the order of their latest return (its time is only for ordering)
                columns["decided_at"] = last_return.decided_at
                taken = (
                    taken.add_columns(last_return.decided_at)
                    .outerjoin(latest, latest.c.action_id == source.c.id)
                    .outerjoin(last_return, last_return.id == latest.c.sign_off_id)
                )
            first = taken.order_by(*order(SimpleNamespace(**columns))).limit(limits[name]).subquery()
            firsts.append(select(*first.c))
        both = union_all(*firsts).subquery()
        taken = select(*both.c).order_by(*order(both.c)).limit(limits[name]).subquery()
        # The order within the few rows taken, to read them back in it.
        position = func.row_number().over(order_by=order(taken.c)).label("position")
        arms.append(select(literal(name).label("list"), position, *[taken.c[n] for n in names]))
        if name in known:
            continue
        counts = [select(func.count()).select_from(part).where(condition(part.c)).scalar_subquery() for part in of_list]
        totals[name] = sum(counts[1:], counts[0]).label(f"{name}_total")
    picked = union_all(*arms).subquery("picked")
    owner, decider, sign_off = aliased(User), aliased(User), aliased(SignOff)
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
            picked.c.rating,
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
