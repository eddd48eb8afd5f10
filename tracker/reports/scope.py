"""What a report covers: a board's reviews, one review, or one agency's actions, as SQL conditions.

The conditions are subqueries, never lists of ids, so that a board with 50,000 actions costs the same number
of queries as one with fifty. A viewer narrows the scope to what they may see (an agency's report shown to
someone who is not its lead holds only the reviews of their boards); no viewer (the command line) means
everything in the scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, select, true

from tracker import permissions
from tracker.actions.models import Action
from tracker.auth.models import Role
from tracker.errors_domain import NotPermitted
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import Recommendation, Review, review_boards


@dataclass(frozen=True)
class Scope:
    kind: str  # "board", "review" or "agency"
    title: str
    subject: Board | Review | Agency
    # The actions and recommendations the report is about.
    actions: ColumnElement
    recommendations: ColumnElement
    # The wider set in which recurring themes are looked for: a review's report looks across its boards'
    # reviews; for a board or an agency it is the scope itself.
    context_actions: ColumnElement
    context_recommendations: ColumnElement
    context_reviews: ColumnElement
    # Of the context's actions, those in the scope: a test on the review id (None: all of them).
    review_id: int | None = None
    # Plain copies of what pages and PDFs show of the subject, so that drawing a report needs no database.
    subject_id: int = 0
    boards: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return {"board": "Board", "review": "Review", "agency": "Agency"}[self.kind]


def _reviews_of_boards(board_ids) -> object:
    return select(review_boards.c.review_id).where(review_boards.c.board_id.in_(board_ids))


def _reach_condition(viewer, column) -> ColumnElement:
    """Reviews (by ``column``, a review id) the viewer may see; everything without a viewer or for an admin."""
    if viewer is None:
        return true()
    reach = permissions.board_ids_in_reach(viewer)
    if reach is None:
        return true()
    return column.in_(_reviews_of_boards(sorted(reach)))


def scope_for(*, board=None, review=None, agency=None, viewer=None) -> Scope:
    """The scope of a report on exactly one of a board, a review or an agency, as ``viewer`` may see it."""
    if sum(subject is not None for subject in (board, review, agency)) != 1:
        raise ValueError("A report is about exactly one board, review or agency")
    if board is not None:
        if viewer is not None and not permissions.can_view_board(viewer, board):
            raise NotPermitted("You cannot see this board's reviews")
        reviews = _reviews_of_boards([board.id])
        actions = Action.review_id.in_(reviews)
        recommendations = Recommendation.review_id.in_(reviews)
        return Scope(
            "board",
            board.name,
            board,
            actions,
            recommendations,
            actions,
            recommendations,
            Review.id.in_(reviews),
            subject_id=board.id,
            boards=(board.name,),
        )
    if review is not None:
        if viewer is not None and not permissions.can_view_review(viewer, review):
            raise NotPermitted("You cannot see this review")
        board_ids = [b.id for b in review.boards]
        siblings = select(Review.id).where(
            Review.id.in_(_reviews_of_boards(board_ids)), _reach_condition(viewer, Review.id)
        )
        return Scope(
            "review",
            review.title,
            review,
            Action.review_id == review.id,
            Recommendation.review_id == review.id,
            Action.review_id.in_(siblings),
            Recommendation.review_id.in_(siblings),
            Review.id.in_(siblings),
            review_id=review.id,
            subject_id=review.id,
            boards=tuple(b.name for b in review.boards),
        )
    own_lead = viewer is not None and viewer.role == Role.AGENCY_LEAD and viewer.agency_id == agency.id
    if viewer is not None and not own_lead and viewer.role == Role.AGENCY_LEAD:
        raise NotPermitted("You can only see your own agency's report")
    actions = and_(Action.agency_id == agency.id, true() if own_lead else _reach_condition(viewer, Action.review_id))
    recommendations = Recommendation.id.in_(select(Action.recommendation_id).where(actions))
    reviews = Review.id.in_(select(Action.review_id).where(actions))
    return Scope(
        "agency", agency.name, agency, actions, recommendations, actions, recommendations, reviews, subject_id=agency.id
    )
