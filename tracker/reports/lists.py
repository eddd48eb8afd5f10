"""The report's lists: overdue actions, re-checks due, returned submissions, what an agency owes, and (as at a
past date) what changed since. Live, each is one limited query, its total taken from the grouped counts; as
at a past date, they are picked from the rebuilt states, and their texts read in one query."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from tracker.actions.states import FINISHED, Status
from tracker.reports import asat, queries
from tracker.reports.brag import brag_for_action, soon_until
from tracker.reports.figures import Change, Listing, ReportAction, Tally
from tracker.reports.scope import Scope

LIST_LIMIT = 50  # rows shown in each list (the most overdue first, …), with the total beside them
OWED_LIMIT = 500  # an agency's actions still owed, soonest due first


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
    returned_fields = ("comments", "decided_at", "decided_by")
    found = {
        "overdue": Listing(
            [describe(r, today) for r in queries.overdue(session, scope.actions, today, LIST_LIMIT)], total.overdue
        ),
        "rechecks": Listing([describe(r, today) for r in rechecks], rechecks_total),
        "returned": Listing(
            [
                describe(r, today, **{name: getattr(r, name) for name in returned_fields})
                for r in queries.returned(session, scope.actions, LIST_LIMIT)
            ],
            total.by_status[Status.RETURNED],
        ),
    }
    if scope.kind == "agency":
        owed = queries.owed(session, scope.actions, OWED_LIMIT)
        found["owed"] = Listing([describe(r, today) for r in owed], total.unfinished)
    return found


def as_at(session: Session, scope: Scope, rows, existing, states, when: tuple, describe: Describer) -> dict:
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
    shown = {name: items[: OWED_LIMIT if name == "owed" else LIST_LIMIT] for name, items in chosen.items()}
    shown_changes = changed[:LIST_LIMIT]
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
