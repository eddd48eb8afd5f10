"""The report's lists: overdue actions, re-checks due, returned submissions, what an agency owes, and (as at a
past date) what changed since. Live, each is one limited query, its total taken from the grouped counts; as
at a past date, they are picked from the rebuilt states, and their texts read in one query.

How many rows each list shows is the reader's, not the data's: the page shows a few (``PAGE``) with the
total and a "See all" link to a numbered page of the same query (``page_of``); the PDF, read offline, keeps
a fuller appendix (``FULL``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from tracker.actions.states import FINISHED, Status
from tracker.reports import asat, list_queries, queries
from tracker.reports.brag import brag_for_action, soon_until
from tracker.reports.figures import Change, Listing, ReportAction, Tally
from tracker.reports.scope import Scope


@dataclass(frozen=True)
class Limits:
    rows: int  # rows shown in each list (the most overdue first, …), with the total beside them
    owed: int  # an agency's actions still owed, soonest due first
    recommendations: int | None  # recommendations listed by need (None: every one, review by review)


PAGE = Limits(rows=10, owed=20, recommendations=20)
FULL = Limits(rows=50, owed=500, recommendations=None)

# The lists a "See all" page can show: their query, and the words of its heading.
NAMES = {
    "overdue": "Overdue actions, the longest overdue first",
    "rechecks": "Re-checks due within 30 days, the earliest first",
    "returned": "Returned submissions, the longest waiting first",
    "owed": "Actions still owed, soonest due first",
}
RETURNED_FIELDS = ("comments", "decided_at", "decided_by")


def list_query(name: str, where: ColumnElement, today: date) -> Select:
    if name == "overdue":
        return list_queries.overdue_query(where, today)
    if name == "rechecks":
        return list_queries.rechecks_query(where, today)
    if name == "returned":
        return list_queries.returned_query(where)
    return list_queries.owed_query(where)


class Describer:
    """Turns a row about an action into a ``ReportAction``, naming its review and agency."""

    def __init__(self, reviews: dict, agency_names: dict[int, str]):
        self.reviews, self.agency_names = reviews, agency_names

    def __call__(self, row, day: date, text: str | None = None, recommendation_ref: str | None = None, **extra):
        finished = Status(row.status) in FINISHED
        late = (day - row.due_date).days if row.due_date and row.due_date < day and not finished else 0
        review = self.reviews.get(row.review_id)
        return ReportAction(
            id=row.id,
            text=text if text is not None else row.text,
            review_id=row.review_id,
            review_title=review.title if review else "",
            recommendation_ref=recommendation_ref if text is not None else row.recommendation_ref,
            agency=self.agency_names.get(row.agency_id, ""),
            owner=row.owner,
            status=row.status,
            due_date=row.due_date,
            recheck_due=row.recheck_due,
            rating=brag_for_action(row.status, row.due_date, day, row.owner is not None),
            days_late=late,
            **extra,
        )


def describe_row(describe: Describer, name: str, row, today: date):
    extra = {field: getattr(row, field) for field in RETURNED_FIELDS} if name == "returned" else {}
    return describe(row, today, **extra)


def live(
    session: Session, scope: Scope, today: date, total: Tally, describe: Describer, limits: Limits = FULL
) -> dict[str, Listing]:
    """The first rows of each list; the totals of all but the re-checks come from the grouped counts."""
    where = scope.actions
    rechecks, rechecks_total = list_queries.rows_and_total(session, list_query("rechecks", where, today), limits.rows)
    totals = {"overdue": total.overdue, "returned": total.by_status[Status.RETURNED], "owed": total.unfinished}
    names = ["overdue", "returned"] + (["owed"] if scope.kind == "agency" else [])
    found = {"rechecks": Listing([describe_row(describe, "rechecks", r, today) for r in rechecks], rechecks_total)}
    for name in names:
        limit = limits.owed if name == "owed" else limits.rows
        shown = list_queries.rows(session, list_query(name, where, today), limit)
        found[name] = Listing([describe_row(describe, name, r, today) for r in shown], totals[name])
    return found


def page_of(session: Session, scope: Scope, name: str, today: date, page: int, size: int) -> tuple[list, int]:
    """Page ``page`` (from 1) of list ``name`` and how many rows the list has, in four statements whatever
    the page (the reviews' titles, the agencies' names, the count and the rows). A page past the end is
    empty; the caller refuses it."""
    describe = Describer(
        {row.id: row for row in queries.reviews(session, scope.context_reviews)}, queries.agency_names(session)
    )
    query = list_query(name, scope.actions, today)
    total = list_queries.count(session, query)
    found = list_queries.rows(session, query, size, (page - 1) * size) if (page - 1) * size < total else []
    return [describe_row(describe, name, r, today) for r in found], total


def as_at(
    session: Session, scope: Scope, rows, existing, states, when: tuple, describe: Describer, limits: Limits = FULL
) -> dict:
    """The lists as they stood at the end of ``day``, and the actions whose status or rating is different
    ``today``. ``rows``: the actions in the scope as they are; ``existing``: those that existed then, as they
    stood (their ``states``); ``when``: (day, today, the end of day as a UTC time)."""
    day, today, end = when
    unfinished = [r for r in existing if Status(r.status) not in FINISHED]
    returns = queries.returns_until(session, scope.actions, end)

    def returned_order(row):
        decided_at = returns.get(row.id, (None, None, None))[1]
        return ((1, asat.utc(decided_at).isoformat()) if decided_at else (0, ""), row.id)

    chosen = {
        "overdue": sorted((r for r in unfinished if r.due_date and r.due_date < day), key=lambda r: (r.due_date, r.id)),
        "rechecks": sorted(
            (
                r
                for r in existing
                if r.status in queries.SIGNED_OFF and r.recheck_due and r.recheck_due <= soon_until(day)
            ),
            key=lambda r: (r.recheck_due, r.id),
        ),
        "returned": sorted((r for r in existing if r.status == Status.RETURNED), key=returned_order),
        "owed": sorted(unfinished, key=lambda r: (r.due_date is None, r.due_date or day, r.id)),
    }
    changed = []
    for row in rows:
        state = states.get(row.id)
        rating_now = brag_for_action(row.status, row.due_date, today, row.owner is not None)
        rating_then = brag_for_action(state.status, state.due_date, day, state.owner is not None) if state else None
        if state is None or state.status != row.status or rating_then != rating_now:
            changed.append((row, state, rating_then))
    shown = {name: items[: limits.owed if name == "owed" else limits.rows] for name, items in chosen.items()}
    shown_changes = changed[: limits.rows]
    texts = queries.action_texts(
        session, {r.id for items in shown.values() for r in items} | {row.id for row, _, _ in shown_changes}
    )

    def item(row, on: date) -> ReportAction:
        text, ref = texts[row.id]
        comments, decided_at, decided_by = returns.get(row.id, (None, None, None)) if on == day else (None,) * 3
        return describe(row, on, text, ref, comments=comments, decided_at=decided_at, decided_by=decided_by)

    found = {name: Listing([item(r, day) for r in shown[name]], len(chosen[name])) for name in chosen}
    found["changes"] = Listing(
        [Change(item(row, today), state.status if state else None, rating) for row, state, rating in shown_changes],
        len(changed),
    )
    return found
