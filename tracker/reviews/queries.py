"""Read queries for reviews and their plans, shared by pages and exports (no N+1: fixed query count)."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, select, true
from sqlalchemy.orm import Session, joinedload, selectinload

from tracker.actions.models import Action
from tracker.permissions import board_ids_in_reach
from tracker.reviews.models import Recommendation, Review, review_boards


def visible_reviews_query(user) -> Select:
    query = (
        select(Review)
        .options(selectinload(Review.boards))
        .order_by(Review.report_date.desc().nulls_last(), Review.title)
    )
    reach = board_ids_in_reach(user)
    if reach is not None:
        visible = select(review_boards.c.review_id).where(review_boards.c.board_id.in_(reach))
        query = query.where(Review.id.in_(visible))
    return query


def action_counts_by_review(session: Session, review_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(Action.review_id, Action.status, func.count())
        .where(Action.review_id.in_(review_ids))
        .group_by(Action.review_id, Action.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for review_id, status, count in rows:
        counts.setdefault(review_id, {})[status] = count
    return counts


def recommendation_counts_by_review(session: Session, review_ids: list[int]) -> dict[int, int]:
    """How many recommendations each review has, in one query (the list of reviews shows the number)."""
    rows = session.execute(
        select(Recommendation.review_id, func.count())
        .where(Recommendation.review_id.in_(review_ids))
        .group_by(Recommendation.review_id)
    )
    return dict(rows.all())


def recommendations_with_actions(session: Session, review_id: int) -> list[Recommendation]:
    return list(
        session.execute(
            select(Recommendation)
            .where(Recommendation.review_id == review_id)
            .options(
                selectinload(Recommendation.themes),
                selectinload(Recommendation.agency),
                selectinload(Recommendation.actions).selectinload(Action.agency),
                selectinload(Recommendation.actions).selectinload(Action.owner),
            )
            .order_by(Recommendation.position)
        ).scalars()
    )


def action_conditions(review_id: int | None = None, agency_id: int | None = None, status: str | None = None):
    """The filters of a list of actions, as one condition (for the list and for counting it)."""
    conditions = []
    if review_id is not None:
        conditions.append(Action.review_id == review_id)
    if agency_id is not None:
        conditions.append(Action.agency_id == agency_id)
    if status:
        conditions.append(Action.status == status)
    return and_(true(), *conditions)


def filtered_actions_query(
    review_id: int | None = None, agency_id: int | None = None, status: str | None = None
) -> Select:
    # Each action has one of each: read them in the same statement (a statement per relation cost more than
    # the rows it read on a page of 50).
    query = select(Action).options(
        joinedload(Action.agency),
        joinedload(Action.owner),
        joinedload(Action.recommendation),
        joinedload(Action.review),
    )
    return query.where(action_conditions(review_id, agency_id, status)).order_by(Action.id)


def agency_actions_query(agency_id: int, status: str | None = None) -> Select:
    """An agency's own actions, as its list shows them: with their review, owner and agency (which the heading
    names), read in the same statement. The list shows no recommendation, so none is read."""
    query = select(Action).options(joinedload(Action.review), joinedload(Action.owner), joinedload(Action.agency))
    return query.where(action_conditions(agency_id=agency_id, status=status))
