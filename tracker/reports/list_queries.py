"""The report's lists as queries: overdue actions, re-checks due, returned submissions, what an agency owes.

Each list is a ``Select`` built once (``list_query`` in ``lists.py`` picks it by name) and read two ways: the
first rows a report shows, or a numbered page of its "See all" page (``rows``), and how many there are
(``count``, or ``rows_and_total`` in the same statement). Every function takes the scope's condition
(``reports/scope.py``), never a list of ids.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased

from tracker.actions.models import Action
from tracker.actions.states import Status
from tracker.assurance.models import SignOff
from tracker.auth.models import User
from tracker.reports.brag import soon_until
from tracker.reports.queries import SIGNED_OFF, UNFINISHED
from tracker.reviews.models import Recommendation


def _listed(where: ColumnElement, *extra):
    owner = aliased(User)
    return (
        select(
            Action.id,
            Action.text,
            Action.review_id,
            Recommendation.ref.label("recommendation_ref"),
            Action.agency_id,
            owner.name.label("owner"),
            Action.status,
            Action.due_date,
            Action.recheck_due,
            *extra,
        )
        .outerjoin(Recommendation, Recommendation.id == Action.recommendation_id)
        .outerjoin(owner, owner.id == Action.owner_id)
        .where(where)
    )


def overdue_query(where: ColumnElement, today: date) -> Select:
    query = _listed(where).where(Action.due_date < today, Action.status.in_(UNFINISHED))
    return query.order_by(Action.due_date, Action.id)


def rechecks_query(where: ColumnElement, today: date) -> Select:
    """Assured (or embedded, with a further re-check wanted) actions whose re-check is due or due soon."""
    query = _listed(where).where(
        Action.status.in_(SIGNED_OFF), Action.recheck_due.is_not(None), Action.recheck_due <= soon_until(today)
    )
    return query.order_by(Action.recheck_due, Action.id)


def returned_query(where: ColumnElement) -> Select:
    """Returned actions with the board's latest reasons, the longest waiting first."""
    latest = (
        select(SignOff.action_id, func.max(SignOff.id).label("sign_off_id"))
        .where(SignOff.decision == "returned")
        .group_by(SignOff.action_id)
        .subquery()
    )
    decider = aliased(User)
    query = (
        _listed(where, SignOff.comments, SignOff.decided_at, decider.name.label("decided_by"))
        .outerjoin(latest, latest.c.action_id == Action.id)
        .outerjoin(SignOff, SignOff.id == latest.c.sign_off_id)
        .outerjoin(decider, decider.id == SignOff.decided_by_id)
        .where(Action.status == Status.RETURNED.value)
    )
    return query.order_by(SignOff.decided_at.nulls_first(), Action.id)


def owed_query(where: ColumnElement) -> Select:
    """Unfinished actions, soonest due first (those without a date last)."""
    query = _listed(where).where(Action.status.in_(UNFINISHED))
    return query.order_by(Action.due_date.nulls_last(), Action.id)


def rows(session: Session, query: Select, limit: int, offset: int = 0) -> list:
    return list(session.execute(query.limit(limit).offset(offset or None)).all())


def rows_and_total(session: Session, query: Select, limit: int) -> tuple[list, int]:
    """The first rows and, in the same statement, how many there are (for a list whose total the grouped
    counts do not give). The total is a subquery of its own, counted once from an index: a window count
    over the rows made PostgreSQL join and read every row of the list, 50,000 of them on a board of
    1,000,000 actions (700 ms), where the rows shown stop after ``limit``."""
    total = select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()
    found = list(session.execute(query.add_columns(total.label("total")).limit(limit)))
    return found, (found[0].total if found else 0)


def count(session: Session, query: Select) -> int:
    return session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
