"""Reading what a pack holds, a batch of actions at a time, in a fixed number of queries per batch.

Every query is bounded by a subquery of the scope's actions (never a list of thousands of ids), so the
same few queries serve a review of ten actions and a board of fifty thousand.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from tracker.actions.models import Action
from tracker.assurance.models import Exercise, SignOff, Submission
from tracker.audit import HistoryEntry
from tracker.evidence.models import EvidenceFile, EvidenceItem
from tracker.packs.scope import PackScope, Period
from tracker.reviews.models import Recommendation, Review, review_boards

BATCH = 500


def review_ids(scope: PackScope) -> Select:
    """The reviews the pack draws on: never one outside the reach of the person making it."""
    if scope.kind == "review":
        query = select(Review.id).where(Review.id == scope.id)
    elif scope.kind == "board":
        query = select(Review.id).where(
            Review.id.in_(select(review_boards.c.review_id).where(review_boards.c.board_id == scope.id))
        )
    else:
        query = select(Review.id)
    if scope.reach is not None:
        in_reach = select(review_boards.c.review_id).where(review_boards.c.board_id.in_(scope.reach))
        query = query.where(Review.id.in_(in_reach))
    return query


def action_ids(scope: PackScope) -> Select:
    query = select(Action.id).where(Action.review_id.in_(review_ids(scope)))
    if scope.kind == "agency":
        query = query.where(Action.agency_id == scope.id)
    return query


def size_of(session: Session, scope: PackScope) -> tuple[int, int]:
    """How many actions the pack holds and how many bytes of evidence at most (whatever the dates): two
    counts, to decide whether the worker makes it."""
    actions = session.execute(select(func.count()).select_from(action_ids(scope).subquery())).scalar_one()
    evidence_bytes = session.execute(
        select(func.coalesce(func.sum(EvidenceFile.size), 0))
        .join(EvidenceItem, EvidenceFile.item_id == EvidenceItem.id)
        .where(EvidenceItem.action_id.in_(action_ids(scope)))
    ).scalar_one()
    return actions, int(evidence_bytes)


def ordered_action_ids(session: Session, scope: PackScope) -> list[int]:
    """In the order of the plan: by review, recommendation, then action."""
    return list(
        session.execute(
            select(Action.id)
            .join(Review, Action.review_id == Review.id)
            .outerjoin(Recommendation, Action.recommendation_id == Recommendation.id)
            .where(Action.id.in_(action_ids(scope)))
            .order_by(Review.ref, Action.recommendation_id.is_(None), Recommendation.position, Action.id)
        ).scalars()
    )


def _between(column, period: Period):
    conditions = []
    if period.start_at() is not None:
        conditions.append(column >= period.start_at())
    if period.end_before() is not None:
        conditions.append(column < period.end_before())
    return and_(True, *conditions)


def _dates_between(column, period: Period):
    conditions = []
    if period.start is not None:
        conditions.append(column >= period.start)
    if period.end is not None:
        conditions.append(column <= period.end)
    return and_(True, *conditions)


def actions(session: Session, ids: list[int]) -> dict[int, Action]:
    rows = session.execute(
        select(Action)
        .where(Action.id.in_(ids))
        .options(
            selectinload(Action.agency),
            selectinload(Action.owner),
            selectinload(Action.recommendation),
            selectinload(Action.recommendations),
            selectinload(Action.review),
        )
    ).scalars()
    return {action.id: action for action in rows}


def evidence(session: Session, ids: list[int], period: Period) -> list[EvidenceItem]:
    """Every version of every evidence item (corrections and the versions they replaced), by the date it
    relates to."""
    return list(
        session.execute(
            select(EvidenceItem)
            .where(EvidenceItem.action_id.in_(ids), _dates_between(EvidenceItem.relates_to, period))
            .options(selectinload(EvidenceItem.files), selectinload(EvidenceItem.added_by))
            .order_by(EvidenceItem.id)
        ).scalars()
    )


def corrections(session: Session, ids: list[int]) -> dict[int, int]:
    """Which item replaced which: {superseded item id: the correction's id}."""
    rows = session.execute(
        select(EvidenceItem.supersedes_id, EvidenceItem.id).where(
            EvidenceItem.action_id.in_(ids), EvidenceItem.supersedes_id.is_not(None)
        )
    )
    return dict(rows.all())


def sign_offs(session: Session, ids: list[int], period: Period) -> list[SignOff]:
    return list(
        session.execute(
            select(SignOff)
            .where(SignOff.action_id.in_(ids), _between(SignOff.decided_at, period))
            .options(
                selectinload(SignOff.decided_by),
                selectinload(SignOff.submission).selectinload(Submission.submitted_by),
            )
            .order_by(SignOff.id)
        ).scalars()
    )


def action_history(session: Session, ids: list[int], period: Period) -> list:
    return list(
        session.execute(
            select(
                HistoryEntry.id,
                HistoryEntry.object_id,
                HistoryEntry.at,
                HistoryEntry.actor_label,
                HistoryEntry.event,
                HistoryEntry.summary,
                HistoryEntry.entry_hash,
            )
            .where(
                HistoryEntry.object_type == "action",
                HistoryEntry.object_id.in_(ids),
                _between(HistoryEntry.at, period),
            )
            .order_by(HistoryEntry.id)
        )
    )


def history(session: Session, scope: PackScope, period: Period) -> Iterator[HistoryEntry]:
    """Every history entry the pack involves, in the chain's order: its actions', its recommendations' (the
    board's responses), and for a board or a review its reviews' and assurance exercises' entries, with the
    packs made of the same scope before. Streamed, a thousand entries at a time."""
    reviews = review_ids(scope)
    involved = [
        and_(HistoryEntry.object_type == "action", HistoryEntry.object_id.in_(action_ids(scope))),
        and_(HistoryEntry.object_type == scope.kind, HistoryEntry.object_id == scope.id),
    ]
    if scope.kind == "agency":
        recs = select(Action.recommendation_id).where(Action.id.in_(action_ids(scope)))
        involved.append(and_(HistoryEntry.object_type == "recommendation", HistoryEntry.object_id.in_(recs)))
    else:
        recs = select(Recommendation.id).where(Recommendation.review_id.in_(reviews))
        exercises = select(Exercise.id).where(Exercise.review_id.in_(reviews))
        involved += [
            and_(HistoryEntry.object_type == "recommendation", HistoryEntry.object_id.in_(recs)),
            and_(HistoryEntry.object_type == "exercise", HistoryEntry.object_id.in_(exercises)),
        ]
        if scope.kind == "board":
            involved.append(and_(HistoryEntry.object_type == "review", HistoryEntry.object_id.in_(reviews)))
    query = (
        select(HistoryEntry)
        .where(or_(false(), *involved), _between(HistoryEntry.at, period))
        .order_by(HistoryEntry.id)
        .execution_options(yield_per=1000)
    )
    yield from session.execute(query).scalars()


def batches(ids: list[int], size: int = BATCH) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
