"""The report's reads: a fixed number of queries for a scope, whatever its size.

Figures are aggregated in SQL (GROUP BY review, recommendation, agency, status and the timing of the due
date); lists load only the rows a page shows (the most overdue first, and so on: ``list_queries.py``) with
the total beside them. As at a past date, the figures and lists are read over the action periods
(``timeline/queries.py``); the reads below of the actions' own rows and of their history up to a date feed the
history's replay (``asat.py``), which the periods are tested against. Every function takes the scope's
conditions (``reports/scope.py``), never lists of ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from tracker.actions.models import Action
from tracker.actions.states import FINISHED, Status
from tracker.assurance.models import SignOff, Submission
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.orgs.models import Agency
from tracker.reports.brag import Timing, brag, soon_until
from tracker.reviews.models import Recommendation, Review, Theme, recommendation_themes

UNFINISHED = [s.value for s in Status if s not in FINISHED]
SIGNED_OFF = [Status.ASSURED.value, Status.EMBEDDED.value]


@dataclass
class Groups:
    """Actions counted by status and timing of their due date: per recommendation (with its review; None for
    an agency's own actions, counted per review), across the scope's context; and per agency, in the scope."""

    recommendations: list[tuple]  # (review id, recommendation id, status, counts per Timing, in its order)
    agencies: list[tuple]  # (agency id, status, counts per Timing)

    def plus(self, other: Groups) -> Groups:
        """These counts with ``other``'s added, group by group (``other``'s may be negative: counts taken
        away); a group left with none at all is dropped, as a grouped count never returns one."""
        return Groups(_added(self.recommendations, other.recommendations), _added(self.agencies, other.agencies))


def _added(groups: list[tuple], more: list[tuple]) -> list[tuple]:
    if not more:
        return groups
    summed: dict[tuple, list[int]] = {}
    for *key, counts in groups + more:
        key = tuple(key)
        if key in summed:
            summed[key] = [a + b for a, b in zip(summed[key], counts, strict=True)]
        else:
            summed[key] = list(counts)
    return [(*key, tuple(counts)) for key, counts in summed.items() if any(counts)]


def timing_case(due: ColumnElement, owner_id: ColumnElement, today: date) -> ColumnElement:
    """``brag.timing`` in SQL: the same buckets, from the same comparisons."""
    return case(
        (due.is_(None), literal(Timing.NO_DATE.value)),
        (due < today, literal(Timing.PAST.value)),
        (owner_id.is_(None), literal(Timing.NO_OWNER.value)),
        (due <= soon_until(today), literal(Timing.SOON.value)),
        else_=literal(Timing.LATER.value),
    )


def timing_counts(due: ColumnElement, owner_id: ColumnElement, today: date) -> list[ColumnElement]:
    """``brag.timing``'s buckets counted inside one group: all, dated, past, dated but not owned, and due
    soon (``action_groups`` turns them into a count per Timing). Counting with FILTER reads each row once,
    where grouping by a CASE costs a sort and summing a CASE per bucket evaluates it five times. (The
    differences that give the other buckets are left to Python: written in SQL, each repeats its aggregates
    with bound parameters of their own, which SQLite then computes again.)"""
    soon = soon_until(today)
    return [
        func.count(),
        func.count(due),
        func.count().filter(due < today),
        func.count().filter(due >= today, owner_id.is_(None)),
        func.count().filter(due >= today, due <= soon, owner_id.is_not(None)),
    ]


def rating_case(status: ColumnElement, when: ColumnElement) -> ColumnElement:
    """``brag.brag`` in SQL: the rating of every status and timing, written out from the function itself."""
    return case({s.value: case({t.value: brag(s, t).value for t in Timing}, value=when) for s in Status}, value=status)


def action_groups(session: Session, where: ColumnElement, today: date, review_id: int | None = None) -> Groups:
    """The actions counted per recommendation and status, and per agency and status (only the actions of
    review ``review_id`` when given), each with how many fall in each timing bucket: two grouped scans (each
    follows an index in its GROUP BY order: ``ix_actions_report_groups``, ``ix_actions_agency_groups``), in one
    statement. The rows returned grow with the number of recommendations and agencies, never with the number
    of actions."""
    return action_groups_on(session, where, (today,), review_id)[0]


def action_groups_on(
    session: Session, where: ColumnElement, days: tuple[date, ...], review_id: int | None = None
) -> list[Groups]:
    """``action_groups`` with the due dates timed against each of ``days``, from the same scans (the report
    as at a past day reads the rows timed against that day and against today)."""
    counts = [func.count(), func.count(Action.due_date)]
    for day in days:
        counts += timing_counts(Action.due_date, Action.owner_id, day)[2:]
    no_id = cast(null(), Integer)
    per_recommendation = (
        select(Action.review_id, Action.recommendation_id, no_id, Action.status, *counts)
        .where(where)
        .group_by(Action.review_id, Action.recommendation_id, Action.status)
    )
    agency_where = where if review_id is None else and_(where, Action.review_id == review_id)
    per_agency = (
        select(no_id, no_id, Action.agency_id, Action.status, *counts)
        .where(agency_where)
        .group_by(Action.agency_id, Action.status)
    )
    found = [Groups([], []) for _ in days]
    # One statement, two scans: a recommendation's rows always carry its review id, an agency's never do.
    # .all() reads the rows with one fetchall: iterating the result would fetch them one call at a time.
    # Unpacked, not indexed: indexing or slicing a Row costs several times more than unpacking it. The counts
    # per Timing, in its order (none, past, no owner, soon, later), are written out here for the same reason.
    for review, rec, agency, status, every, dated, *timed in session.execute(
        union_all(per_recommendation, per_agency)
    ).all():
        for n, groups in enumerate(found):
            past, not_owned, soon = timed[3 * n : 3 * n + 3]
            per_timing = (every - dated, past, not_owned, soon, dated - past - not_owned - soon)
            if review is not None:
                groups.recommendations.append((review, rec, status, per_timing))
            else:
                groups.agencies.append((agency, status, per_timing))
    return found


def grouped(session: Session, actions: Select, review_id: int | None = None) -> Groups:
    """The same counts as ``action_groups`` over any selection of actions with the columns (review_id,
    recommendation_id, agency_id, status, timing, sign): the actions as they stood (``timeline.queries``),
    each counted ``sign`` times (1, or -1 for counts taken away)."""
    scoped = actions.cte("scoped").prefix_with("MATERIALIZED")
    buckets = [func.sum(case((scoped.c.timing == when.value, scoped.c.sign), else_=0)) for when in Timing]
    no_id = cast(null(), Integer)
    per_recommendation = select(
        literal("recommendation").label("kind"),
        scoped.c.review_id,
        scoped.c.recommendation_id,
        no_id.label("agency_id"),
        scoped.c.status,
        *buckets,
    ).group_by(scoped.c.review_id, scoped.c.recommendation_id, scoped.c.status)
    per_agency = select(literal("agency"), no_id, no_id, scoped.c.agency_id, scoped.c.status, *buckets).group_by(
        scoped.c.agency_id, scoped.c.status
    )
    if review_id is not None:
        per_agency = per_agency.where(scoped.c.review_id == review_id)
    groups = Groups([], [])
    for kind, review, recommendation, agency, status, *counts in session.execute(
        union_all(per_recommendation, per_agency)
    ).all():  # (one fetchall: iterating the result fetches a row at a time)
        counts = tuple(int(n or 0) for n in counts)
        if kind == "recommendation":
            groups.recommendations.append((review, recommendation, status, counts))
        else:
            groups.agencies.append((agency, status, counts))
    return groups


def reviews(session: Session, where: ColumnElement) -> list:
    return list(
        session.execute(
            select(Review.id, Review.ref, Review.title, Review.report_date)
            .where(where)
            .order_by(Review.report_date.desc().nulls_last(), Review.title)
        ).all()
    )


def recommendations(session: Session, where: ColumnElement) -> list:
    return list(
        session.execute(
            select(
                Recommendation.id,
                Recommendation.review_id,
                Recommendation.ref,
                Recommendation.text,
                Recommendation.response,
            )
            .where(where)
            .order_by(Recommendation.review_id, Recommendation.position, Recommendation.id)
        ).all()
    )


def themes(session: Session, recommendations_where: ColumnElement) -> list:
    """(recommendation id, theme key, theme label) for every recommendation in the condition."""
    return list(
        session.execute(
            select(recommendation_themes.c.recommendation_id, Theme.key, Theme.label)
            .join(Theme, Theme.id == recommendation_themes.c.theme_id)
            .where(
                recommendation_themes.c.recommendation_id.in_(select(Recommendation.id).where(recommendations_where))
            )
        ).all()
    )


# Actions with at least one theme: the condition of the partial index ``ix_actions_themed``, written as literal
# SQL so that both databases see the index's own condition in the query (a bound parameter would not match).
THEMED = "CAST(actions.themes AS TEXT) NOT IN ('[]', 'null')"


def action_themes(session: Session, actions_where: ColumnElement) -> list:
    """(review id, theme key, theme label, how many actions carry it) for every theme of the actions in the
    condition: actions carry themes from the same vocabulary as recommendations (seeds/themes.yaml).

    The JSON lists are opened in SQL, so the rows returned grow with reviews and themes, never with actions
    (decoding 50,000 lists in Python cost more than every other part of a board's report)."""
    labels = dict(session.execute(select(Theme.key, Theme.label)).all())
    opened = "json_array_elements_text" if session.get_bind().dialect.name == "postgresql" else "json_each"
    element = getattr(func, opened)(Action.themes).table_valued("value").alias("theme")
    rows = session.execute(
        select(Action.review_id, element.c.value, func.count(func.distinct(Action.id)))
        .select_from(Action)
        .join(element, true())
        .where(actions_where, text(THEMED))
        .group_by(Action.review_id, element.c.value)
    )
    return [(review_id, key, labels.get(key, key), int(n)) for review_id, key, n in rows]


def agency_names(session: Session) -> dict[int, str]:
    """Every agency's name (a short table: cheaper to read whole than to find those in the scope)."""
    return dict(session.execute(select(Agency.id, Agency.name)).all())


# The headline's waiting and quiet actions ---------------------------------------------------------------


def waiting_and_stale(session: Session, where: ColumnElement, stale_before: datetime) -> tuple[datetime | None, int]:
    """For the headline, in one query: when the longest-waiting submission still without a decision was made,
    and how many unfinished actions have not changed at all since ``stale_before``."""
    waiting = (
        select(func.min(Submission.submitted_at))
        .join(Action, Action.id == Submission.action_id)
        .outerjoin(SignOff, SignOff.submission_id == Submission.id)
        .where(where, Action.status == Status.SUBMITTED.value, SignOff.id.is_(None))
        .scalar_subquery()
    )
    stale = (
        select(func.count(Action.id))
        .where(where, Action.status.in_(UNFINISHED), Action.updated_at < stale_before)
        .scalar_subquery()
    )
    oldest, count = session.execute(select(waiting, stale)).one()
    return oldest, int(count or 0)


# As at a past date ----------------------------------------------------------------------------------------


def action_rows(session: Session, where: ColumnElement) -> list:
    """Every action in the scope, the columns the report needs, without their text."""
    owner = aliased(User)
    return list(
        session.execute(
            select(
                Action.id,
                Action.review_id,
                Action.recommendation_id,
                Action.agency_id,
                Action.status,
                Action.due_date,
                Action.recheck_due,
                Action.created_at,
                owner.name.label("owner"),
            )
            .outerjoin(owner, owner.id == Action.owner_id)
            .where(where)
        )
    )


# What the history's entries about an action may say of it (see asat.py), in the order of ActionState.
HISTORY_KEYS = ("status", "due_date", "recheck_due", "owner")


def _has_key(session: Session, column, key: str) -> ColumnElement:
    """Whether a JSON column's object has ``key``, even with a null value (which the ->> extraction cannot
    tell from a missing key). ``key`` is one of HISTORY_KEYS, never user input."""
    if session.get_bind().dialect.name == "postgresql":
        return column.op("->")(literal_column(f"'{key}'")).is_not(None)
    return func.json_type(column, f'$."{key}"').is_not(None)


def latest_action_values(session: Session, where: ColumnElement, end: datetime) -> dict[int, dict]:
    """For each action in the scope with history before ``end``: the value each of HISTORY_KEYS had in the
    latest entry before ``end`` that named it (keys no entry named are left out), as text.

    One query: the history is read once and grouped per action (the id of the latest entry naming each key),
    then those entries are joined back for their values; nothing is decoded in Python."""
    latest = (
        select(
            HistoryEntry.object_id,
            *[
                func.max(case((_has_key(session, HistoryEntry.after, key), HistoryEntry.id))).label(key)
                for key in HISTORY_KEYS
            ],
        )
        .where(
            HistoryEntry.object_type == "action",
            HistoryEntry.at < end,
            HistoryEntry.object_id.in_(select(Action.id).where(where)),
        )
        .group_by(HistoryEntry.object_id)
        .subquery()
    )
    entries = {key: aliased(HistoryEntry, name=f"entry_{key}") for key in HISTORY_KEYS}
    query = select(latest.c.object_id, *[latest.c[key] for key in HISTORY_KEYS])
    query = query.add_columns(*[entries[key].after[key].as_string() for key in HISTORY_KEYS])
    for key in HISTORY_KEYS:
        query = query.outerjoin(entries[key], entries[key].id == latest.c[key])
    values = {}
    width = len(HISTORY_KEYS)
    for object_id, *found in session.execute(query):
        ids, texts = found[:width], found[width:]
        values[object_id] = {key: text for key, id_, text in zip(HISTORY_KEYS, ids, texts, strict=True) if id_}
    return values


def actions_with_history_after(session: Session, where: ColumnElement, end: datetime) -> set[int]:
    rows = session.execute(
        select(HistoryEntry.object_id)
        .where(
            HistoryEntry.object_type == "action",
            HistoryEntry.at >= end,
            HistoryEntry.object_id.in_(select(Action.id).where(where)),
        )
        .distinct()
    )
    return set(rows.scalars())


def recommendation_entries(session: Session, where: ColumnElement) -> list:
    """(recommendation id, at, before, after) of every history entry about the recommendations, oldest first."""
    return list(
        session.execute(
            select(HistoryEntry.object_id, HistoryEntry.at, HistoryEntry.before, HistoryEntry.after)
            .where(
                HistoryEntry.object_type == "recommendation",
                HistoryEntry.object_id.in_(select(Recommendation.id).where(where)),
            )
            .order_by(HistoryEntry.id)
        )
    )


def action_texts(session: Session, ids: set[int]) -> dict[int, tuple[str, str | None]]:
    """(text, recommendation ref) of a few actions, by id."""
    if not ids:
        return {}
    rows = session.execute(
        select(Action.id, Action.text, Recommendation.ref)
        .outerjoin(Recommendation, Recommendation.id == Action.recommendation_id)
        .where(Action.id.in_(sorted(ids)))
    )
    return {row.id: (row.text, row.ref) for row in rows}


def returns_until(session: Session, where: ColumnElement, end: datetime) -> dict[int, tuple]:
    """The latest return (comments, when, by whom) of each action in the scope, decided before ``end``."""
    rows = session.execute(
        select(SignOff.action_id, SignOff.comments, SignOff.decided_at, User.name)
        .join(User, User.id == SignOff.decided_by_id)
        .where(
            SignOff.action_id.in_(select(Action.id).where(where)),
            SignOff.decision == "returned",
            SignOff.decided_at < end,
        )
        .order_by(SignOff.id)
    )
    return {row.action_id: (row.comments, row.decided_at, row.name) for row in rows}
