"""The report's lists: overdue actions, re-checks due, returned submissions, what an agency owes, and (as at a
past date) what changed since. Each is one limited query, ordered as the page shows it, its total taken from
the grouped counts or counted beside it: live over the actions' own columns (``queries.py``), as at a past
date over the action periods covering the end of that day (``timeline/queries.py``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from tracker.actions.states import FINISHED, Status
from tracker.reports import queries
from tracker.reports.brag import Brag, brag_for_action
from tracker.reports.figures import Change, Listing, ReportAction, Tally
from tracker.reports.scope import Scope
from tracker.timeline import queries as timeline

LIST_LIMIT = 50  # rows shown in each list (the most overdue first, …), with the total beside them
OWED_LIMIT = 500  # an agency's actions still owed, soonest due first
RETURN_FIELDS = ("comments", "decided_at", "decided_by")  # the board's latest return of an action


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


def live(session: Session, scope: Scope, today: date, total: Tally, describe: Describer) -> dict[str, Listing]:
    rechecks, rechecks_total = queries.rechecks_due(session, scope.actions, today, LIST_LIMIT)
    found = {
        "overdue": Listing(
            [describe(r, today) for r in queries.overdue(session, scope.actions, today, LIST_LIMIT)], total.overdue
        ),
        "rechecks": Listing([describe(r, today) for r in rechecks], rechecks_total),
        "returned": Listing(
            [
                describe(r, today, **{name: getattr(r, name) for name in RETURN_FIELDS})
                for r in queries.returned(session, scope.actions, LIST_LIMIT)
            ],
            total.by_status[Status.RETURNED],
        ),
    }
    if scope.kind == "agency":
        owed = queries.owed(session, scope.actions, OWED_LIMIT)
        found["owed"] = Listing([describe(r, today) for r in owed], total.unfinished)
    return found


def as_at(session: Session, scope: Scope, where: ColumnElement, when: tuple, describe: Describer) -> dict:
    """The lists as they stood at the end of ``day``, and the actions whose status or rating is different
    ``today``, read together over the action periods covering the end of the day (``timeline.lists_at``).
    ``where``: the scope's actions; ``when``: (day, today, the end of day as a UTC time)."""
    day, today, end = when
    limits = {"overdue": LIST_LIMIT, "rechecks": LIST_LIMIT, "returned": LIST_LIMIT, "changes": LIST_LIMIT}
    if scope.kind == "agency":
        limits["owed"] = OWED_LIMIT
    picked = timeline.lists_at(session, where, end, (day, today), limits)

    def item(row, on: date) -> ReportAction:
        # Every list carries the action's latest return before the end of the day, as it stood that day.
        returned = {name: getattr(row, name) if on == day else None for name in RETURN_FIELDS}
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
