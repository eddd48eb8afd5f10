"""What is waiting for one person: the lists of their home page, the count in the navigation, and the
report's "Waiting for the board's decision" links, all from the same query builders.

Each list is a ``Select`` built once (``*_query``) and read two ways: the first rows a page shows (``first``)
and how many there are (``count``). A page therefore costs a fixed number of queries, whatever the data.
Visibility is the one rule in ``permissions.py``: a board member's lists hold only their boards' reviews, a
lead's only their agency's actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from tracker.actions.models import Action
from tracker.actions.states import FINISHED, Status
from tracker.assurance.models import AgencyReturn, Exercise, ExerciseItem, SignOff, Submission, exercise_agencies
from tracker.auth.models import Role, User
from tracker.orgs.models import Agency, Board
from tracker.permissions import board_ids_in_reach
from tracker.reports.brag import soon_until
from tracker.reviews.models import Recommendation, Review, review_boards

UNFINISHED = [s.value for s in Status if s not in FINISHED]
SIGNED_OFF = [Status.ASSURED.value, Status.EMBEDDED.value]
LIST_LIMIT = 10


@dataclass
class Listed:
    """The first rows of a list and how many there are in all."""

    items: list
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)


def first(session: Session, query: Select, limit: int = LIST_LIMIT) -> Listed:
    rows = list(session.execute(query.add_columns(func.count().over().label("total")).limit(limit)))
    return Listed(rows, rows[0].total if rows else 0)


def count(session: Session, query: Select) -> int:
    return session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()


# Conditions --------------------------------------------------------------------------------------------------


def reviews_of_boards(board_ids) -> ColumnElement:
    """Review ids on these boards (a subquery, never a list of ids)."""
    return select(review_boards.c.review_id).where(review_boards.c.board_id.in_(sorted(board_ids)))


def member_actions(user) -> ColumnElement:
    """The actions of a board member's boards (every action for an admin): what they plan and assure."""
    if user.role == Role.ADMIN:
        return true()
    if user.role != Role.BOARD_MEMBER or not user.board_ids:
        return false()
    return Action.review_id.in_(reviews_of_boards(user.board_ids))


def _action_columns():
    owner = aliased(User)
    return owner, select(
        Action.id,
        Action.text,
        Action.status,
        Action.due_date,
        Action.recheck_due,
        Action.review_id,
        Review.title.label("review_title"),
        Recommendation.ref.label("recommendation_ref"),
        Agency.name.label("agency"),
        owner.name.label("owner"),
    ).join(Review, Review.id == Action.review_id).join(Agency, Agency.id == Action.agency_id).outerjoin(
        Recommendation, Recommendation.id == Action.recommendation_id
    ).outerjoin(owner, owner.id == Action.owner_id)


def _pending_since():
    """Per action, when its oldest submission still without a decision was made."""
    return (
        select(Submission.action_id, func.min(Submission.submitted_at).label("since"))
        .outerjoin(SignOff, SignOff.submission_id == Submission.id)
        .where(SignOff.id.is_(None))
        .group_by(Submission.action_id)
        .subquery()
    )


# Board members (and the report's links) ------------------------------------------------------------------


def _awaiting_decision(where: ColumnElement, reviewer=None) -> tuple:
    """The pending submissions (joined) and the condition on the action, shared by the list and the count."""
    condition = and_(where, Action.status == Status.SUBMITTED.value)
    if reviewer is not None and reviewer.agency_id is not None:
        condition = and_(condition, Action.agency_id != reviewer.agency_id)
    return _pending_since(), condition


def awaiting_decision_query(where: ColumnElement, reviewer=None) -> Select:
    """Actions submitted for the board's decision, the longest waiting first. With a reviewer, only those
    they may decide: never their own agency's (segregation of duties, as ``can_review_action``)."""
    _, query = _action_columns()
    pending, condition = _awaiting_decision(where, reviewer)
    query = query.add_columns(pending.c.since).join(pending, pending.c.action_id == Action.id).where(condition)
    return query.order_by(pending.c.since, Action.id)


def _rechecks_due(where: ColumnElement, today: date) -> ColumnElement:
    return and_(
        where,
        Action.status.in_(SIGNED_OFF),
        Action.recheck_due.is_not(None),
        Action.recheck_due <= soon_until(today),
    )


def rechecks_due_query(where: ColumnElement, today: date) -> Select:
    """Signed-off actions whose re-check is due or due within the at-risk window, soonest first."""
    _, query = _action_columns()
    return query.where(_rechecks_due(where, today)).order_by(Action.recheck_due, Action.id)


def not_planned_query(where: ColumnElement) -> Select:
    """Unfinished actions without an owner or a due date: nobody is yet answerable for them."""
    _, query = _action_columns()
    return query.where(
        where, Action.status.in_(UNFINISHED), or_(Action.owner_id.is_(None), Action.due_date.is_(None))
    ).order_by(Review.report_date.nulls_last(), Action.review_id, Action.id)


def unanswered_recommendations_query(user) -> Select:
    """Recommendations of the member's boards without the board's response, oldest review first."""
    where = true() if user.role == Role.ADMIN else Recommendation.review_id.in_(reviews_of_boards(user.board_ids))
    return (
        select(
            Recommendation.id,
            Recommendation.ref,
            Recommendation.text,
            Recommendation.review_id,
            Review.title.label("review_title"),
        )
        .join(Review, Review.id == Recommendation.review_id)
        .where(where, Recommendation.response.is_(None))
        .order_by(Review.report_date.nulls_last(), Review.id, Recommendation.position, Recommendation.id)
    )


def _exercise_columns():
    returns = select(func.count(AgencyReturn.id)).where(AgencyReturn.exercise_id == Exercise.id).scalar_subquery()
    agencies = (
        select(func.count())
        .select_from(exercise_agencies)
        .where(exercise_agencies.c.exercise_id == Exercise.id)
        .scalar_subquery()
    )
    return select(
        Exercise.id,
        Exercise.title,
        Exercise.deadline,
        Exercise.review_id,
        Review.title.label("review_title"),
        agencies.label("agencies"),
        returns.label("returns"),
    ).join(Review, Review.id == Exercise.review_id)


def exercises_run_query(user) -> Select:
    """Open exercises on the member's boards: returns in, and answers waiting for a decision."""
    where = true() if user.role == Role.ADMIN else Exercise.review_id.in_(reviews_of_boards(user.board_ids))
    waiting = (
        select(func.count(ExerciseItem.id))
        .join(
            AgencyReturn,
            and_(
                AgencyReturn.exercise_id == ExerciseItem.exercise_id, AgencyReturn.agency_id == ExerciseItem.agency_id
            ),
        )
        .where(
            ExerciseItem.exercise_id == Exercise.id,
            ExerciseItem.answered_at.is_not(None),
            ExerciseItem.decision.is_(None),
        )
        .scalar_subquery()
    )
    return (
        _exercise_columns()
        .add_columns(waiting.label("waiting"))
        .where(where, Exercise.closed_at.is_(None))
        .order_by(Exercise.deadline, Exercise.id)
    )


# Agency leads ---------------------------------------------------------------------------------------------


def agency_actions(user) -> ColumnElement:
    if user.role != Role.AGENCY_LEAD or user.agency_id is None:
        return false()
    return Action.agency_id == user.agency_id


def _returned(where: ColumnElement) -> ColumnElement:
    return and_(where, Action.status == Status.RETURNED.value)


def returned_query(where: ColumnElement) -> Select:
    """Returned actions with the board's latest reasons, the longest waiting first."""
    latest = (
        select(SignOff.action_id, func.max(SignOff.id).label("sign_off_id"))
        .where(SignOff.decision == "returned")
        .group_by(SignOff.action_id)
        .subquery()
    )
    decider = aliased(User)
    _, query = _action_columns()
    return (
        query.add_columns(SignOff.comments, SignOff.decided_at, decider.name.label("decided_by"))
        .outerjoin(latest, latest.c.action_id == Action.id)
        .outerjoin(SignOff, SignOff.id == latest.c.sign_off_id)
        .outerjoin(decider, decider.id == SignOff.decided_by_id)
        .where(_returned(where))
        .order_by(SignOff.decided_at.nulls_first(), Action.id)
    )


def _overdue_or_due_soon(where: ColumnElement, today: date) -> ColumnElement:
    # Submitted ones are with the board, so they are not the agency's to do.
    return and_(
        where,
        Action.status.in_([s for s in UNFINISHED if s != Status.SUBMITTED.value]),
        Action.due_date.is_not(None),
        Action.due_date <= soon_until(today),
    )


def overdue_or_due_soon_query(where: ColumnElement, today: date) -> Select:
    """Unfinished actions past their due date or due within the at-risk window, the most overdue first.
    (Submitted ones are with the board, so they are not listed as the agency's to do.)"""
    _, query = _action_columns()
    return query.where(_overdue_or_due_soon(where, today)).order_by(Action.due_date, Action.id)


def not_started_query(where: ColumnElement) -> Select:
    _, query = _action_columns()
    return query.where(where, Action.status == Status.NOT_STARTED.value).order_by(
        Action.due_date.nulls_last(), Action.id
    )


def owned_query(user) -> Select:
    """Unfinished actions the person owns, soonest due first."""
    _, query = _action_columns()
    return query.where(Action.owner_id == user.id, Action.status.in_(UNFINISHED)).order_by(
        Action.due_date.nulls_last(), Action.id
    )


def _open_return(user) -> ColumnElement:
    """An open exercise that includes the lead's agency and has no return from it yet."""
    if user.role != Role.AGENCY_LEAD or user.agency_id is None:
        return false()
    included = exists().where(
        exercise_agencies.c.exercise_id == Exercise.id, exercise_agencies.c.agency_id == user.agency_id
    )
    returned = exists().where(AgencyReturn.exercise_id == Exercise.id, AgencyReturn.agency_id == user.agency_id)
    return and_(included, ~returned, Exercise.closed_at.is_(None))


def open_returns_query(user) -> Select:
    """Open exercises that include the lead's agency and have no return from it yet, soonest deadline first,
    with how many of the agency's items are still unanswered."""
    unanswered = (
        select(func.count(ExerciseItem.id))
        .where(
            ExerciseItem.exercise_id == Exercise.id,
            ExerciseItem.agency_id == user.agency_id,
            ExerciseItem.answered_at.is_(None),
        )
        .scalar_subquery()
    )
    return (
        _exercise_columns()
        .add_columns(unanswered.label("unanswered"))
        .where(_open_return(user))
        .order_by(Exercise.deadline, Exercise.id)
    )


# Auditors, chairs and admins: the boards in reach ---------------------------------------------------------


def boards_in_reach(session: Session, user, today: date) -> list:
    """Each board in reach with its headline figures, in one grouped query (plus one for the boards)."""
    reach = board_ids_in_reach(user)
    boards = select(Board.id, Board.name).order_by(Board.name)
    if reach is not None:
        boards = boards.where(Board.id.in_(sorted(reach)))
    board_rows = list(session.execute(boards))

    def tally(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    figures = select(
        review_boards.c.board_id,
        func.count(Action.id),
        tally(Action.status.in_(SIGNED_OFF)),
        tally(and_(Action.due_date < today, Action.status.in_(UNFINISHED))),
        tally(Action.status == Status.SUBMITTED.value),
        tally(Action.status == Status.RETURNED.value),
    ).join(Action, Action.review_id == review_boards.c.review_id)
    if reach is not None:
        figures = figures.where(review_boards.c.board_id.in_(sorted(reach)))
    by_board = {row[0]: row[1:] for row in session.execute(figures.group_by(review_boards.c.board_id))}
    return [
        BoardFigures(board_id, name, *(int(n) for n in by_board.get(board_id, (0, 0, 0, 0, 0))))
        for board_id, name in board_rows
    ]


@dataclass
class BoardFigures:
    board_id: int
    name: str
    actions: int
    done: int
    overdue: int
    waiting: int
    returned: int

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.actions) if self.actions else 0


# The count in the navigation --------------------------------------------------------------------------------


def waiting_count(session: Session, user, today: date) -> int:
    """How many things wait for this person's action now: for a board member, submissions to decide and
    re-checks due; for a lead, returned actions, overdue or due-soon actions and exercise returns to complete.
    The home page's lists, counted by the same conditions: every page draws this, so it is one statement
    over the actions alone, without the columns and joins the lists show."""
    key = _count_key(user, today)
    if key is None:
        return 0
    statement = _counts.get(key)
    if statement is None:
        statement = _count_statement(user, today)
        if len(_counts) >= COUNTS_KEPT:
            _counts.clear()
        _counts[key] = statement
    return sum(session.execute(statement).one())


# The count's statement is the same for every request with the same key, and building it (and SQLAlchemy's
# key for its compiled form) cost more than running it: each is built once and kept. The key holds all that
# _count_statement reads of the user: for a lead the agency, for a board member the boards and the agency.
COUNTS_KEPT = 1024
_counts: dict[tuple, Select] = {}


def _count_key(user, today: date) -> tuple | None:
    if user.role == Role.BOARD_MEMBER:
        return (user.role, frozenset(user.board_ids), user.agency_id, today)
    if user.role == Role.AGENCY_LEAD:
        return (user.role, user.agency_id, today)
    return None


def _count_statement(user, today: date) -> Select:
    if user.role == Role.BOARD_MEMBER:
        where = member_actions(user)
        pending, awaiting = _awaiting_decision(where, user)
        parts = [
            _actions_counted(awaiting).join(pending, pending.c.action_id == Action.id),
            _actions_counted(_rechecks_due(where, today)),
        ]
    else:
        where = agency_actions(user)
        parts = [
            _actions_counted(_returned(where)),
            _actions_counted(_overdue_or_due_soon(where, today)),
            select(func.count(Exercise.id)).where(_open_return(user)),
        ]
    return select(*(part.scalar_subquery() for part in parts))


def _actions_counted(condition: ColumnElement) -> Select:
    return select(func.count(Action.id)).where(condition)
