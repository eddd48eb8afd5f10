"""The report's lists: overdue actions, re-checks due, returned submissions, what an agency owes, and (as at a
past date) what changed since. Each is one limited query, ordered as the page shows it, its total taken from
the grouped counts or counted beside it: live over the actions' own columns (``list_queries.py``), as at a
past date over the action periods covering the end of that day (``timeline/queries.py``).

How many rows each list shows is the reader's, not the data's: the page shows a few (``PAGE``) with the
total and a "See all" link to a numbered page of the same query (``page_of``); the PDF, read offline, keeps
a fuller appendix (``FULL``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from tracker.actions.states import FINISHED, Status
from tracker.reports import list_queries, queries
from tracker.reports.brag import Brag, brag_for_action
from tracker.reports.figures import Change, Listing, ReportAction, Tally
from tracker.reports.scope import Scope
from tracker.timeline import queries as timeline


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
    totals = _totals(total)
    names = ["overdue", "returned"] + (["owed"] if scope.kind == "agency" else [])
    found = {"rechecks": Listing([describe_row(describe, "rechecks", r, today) for r in rechecks], rechecks_total)}
    for name in names:
        limit = limits.owed if name == "owed" else limits.rows
        shown = list_queries.rows(session, list_query(name, where, today), limit)
        found[name] = Listing([describe_row(describe, name, r, today) for r in shown], totals[name])
    return found


def _totals(total: Tally) -> dict[str, int]:
    """The lists' totals the figures give: the overdue, the returned and the unfinished."""
    return {"overdue": total.overdue, "returned": total.by_status[Status.RETURNED], "owed": total.unfinished}


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
    session: Session,
    scope: Scope,
    where: ColumnElement,
    when: tuple,
    total: Tally,
    describe: Describer,
    limits: Limits = FULL,
) -> dict:
    """The lists as they stood at the end of ``day``, and the actions whose status or rating is different
    ``today``, read together over the action periods covering the end of the day (``timeline.lists_at``).
    ``where``: the scope's actions; ``when``: (day, today, the end of day as a UTC time); ``total``: the
    scope's figures as they stood, which give the totals of all but the re-checks and the changes (as the
    live lists take theirs)."""
    day, today, end = when
    shown = {"overdue": limits.rows, "rechecks": limits.rows, "returned": limits.rows, "changes": limits.rows}
    if scope.kind == "agency":
        shown["owed"] = limits.owed
    picked = timeline.lists_at(session, where, end, (day, today), shown, _totals(total))

    def item(row, on: date) -> ReportAction:
        # Every list carries the action's latest return before the end of the day, as it stood that day.
        returned = {name: getattr(row, name) if on == day else None for name in RETURNED_FIELDS}
        return describe(row, on, **returned)

    found = {
        name: Listing([item(row, day) for row in rows], total)
        for name, (rows, total) in picked.items()
        if name != "changes"
    }
    rows, total = picked["changes"]
    found["changes"] = Listing(
        [Change(item(r, today), r.status_then, Brag(r.rating_then) if r.rating_then else None) for r in rows], total
    )
    return found
