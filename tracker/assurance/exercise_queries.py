"""What the assurance exercise pages and the review page read: exercises, progress per agency, and each
page's data in a fixed number of queries. The services that change an exercise
are in ``exercises.py``; the rules both follow are in ``exercise_rules.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from tracker import permissions
from tracker.actions.models import Action
from tracker.actions.services import current_evidence
from tracker.actions.states import Status
from tracker.assurance.exercise_rules import answer_can_change, awaits_decision, return_can_be_submitted
from tracker.assurance.models import AgencyReturn, Exercise, ExerciseItem, exercise_agencies
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.evidence.models import EvidenceItem
from tracker.orgs.models import Agency
from tracker.reviews.models import review_participants

# Reading ------------------------------------------------------------------------------------------------


def exercises_for_review(session: Session, review_id: int) -> list[Exercise]:
    """The review's exercises, newest first, with their agencies, items and returns (four queries)."""
    return list(
        session.execute(
            select(Exercise)
            .where(Exercise.review_id == review_id)
            .options(selectinload(Exercise.agencies), selectinload(Exercise.items), selectinload(Exercise.returns))
            .order_by(Exercise.opened_at.desc(), Exercise.id.desc())
        ).scalars()
    )


def agencies_with_open_actions(session: Session, review) -> list[tuple[Agency, int]]:
    """The agencies an exercise on this review can include, with how many of their actions are not closed:
    those with open actions and every participant of the review (an agency with no action of its own can
    still be asked, e.g. to check its own IMR's recommendations, and answers with its statement)."""
    counted = dict(
        session.execute(
            select(Agency, func.count(Action.id))
            .join(Action, Action.agency_id == Agency.id)
            .where(Action.review_id == review.id, Action.status != Status.CLOSED.value)
            .group_by(Agency.id)
        ).all()
    )
    participants = session.execute(
        select(Agency)
        .join(review_participants, review_participants.c.agency_id == Agency.id)
        .where(review_participants.c.review_id == review.id, Agency.merged_into_id.is_(None))
    ).scalars()
    for agency in participants:
        counted.setdefault(agency, 0)
    return sorted(counted.items(), key=lambda pair: pair[0].name)


@dataclass
class AgencyProgress:
    agency: Agency
    items: int = 0
    answered: int = 0
    implemented: int = 0
    maintained: int = 0
    accepted: int = 0
    returned: int = 0
    awaiting_decision: int = 0
    submitted_at: datetime | None = None
    submitted_by: str | None = None

    @property
    def return_submitted(self) -> bool:
        return self.submitted_at is not None


def progress(session: Session, exercise: Exercise) -> list[AgencyProgress]:
    """Per agency, in name order: its items, how many are answered, implemented and maintained (as answered
    now), accepted and returned, and when and by whom its return was submitted. Three queries, however many
    agencies and items."""
    answered = ExerciseItem.answered_at.is_not(None)

    def count_where(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = {
        agency_id: figures
        for agency_id, *figures in session.execute(
            select(
                ExerciseItem.agency_id,
                func.count(ExerciseItem.id),
                count_where(answered),
                count_where(answered & ExerciseItem.implemented.is_(True)),
                count_where(answered & ExerciseItem.maintained.is_(True)),
                count_where(ExerciseItem.decision == "accepted"),
                count_where(ExerciseItem.decision == "returned"),
                count_where(answered & ExerciseItem.decision.is_(None)),
            )
            .where(ExerciseItem.exercise_id == exercise.id)
            .group_by(ExerciseItem.agency_id)
        )
    }
    returns = {
        agency_id: (at, name)
        for agency_id, at, name in session.execute(
            select(AgencyReturn.agency_id, AgencyReturn.submitted_at, User.name)
            .join(User, User.id == AgencyReturn.submitted_by_id)
            .where(AgencyReturn.exercise_id == exercise.id)
        )
    }
    agencies = session.execute(
        select(Agency)
        .join(exercise_agencies, exercise_agencies.c.agency_id == Agency.id)
        .where(exercise_agencies.c.exercise_id == exercise.id)
        .order_by(Agency.name)
    ).scalars()
    result = []
    for agency in agencies:
        row = AgencyProgress(agency, *(int(n) for n in rows.get(agency.id, [0] * 7)))
        row.submitted_at, row.submitted_by = returns.get(agency.id, (None, None))
        row.awaiting_decision = row.awaiting_decision if row.return_submitted else 0
        result.append(row)
    return result


# What the pages show --------------------------------------------------------------------------------------


@dataclass
class PageData:
    """What the exercise page or an agency's worksheet shows to one user, loaded in a fixed number of queries
    (the worksheet adds one query per action for its current evidence)."""

    progress: list[AgencyProgress]
    items: list[ExerciseItem]
    returns: dict[int, AgencyReturn]
    names: dict[int, str]
    evidence: dict[int, EvidenceItem]
    history: list[HistoryEntry]
    editable: set[int] = field(default_factory=set)
    decidable: set[int] = field(default_factory=set)
    current_evidence: dict[int, list[EvidenceItem]] = field(default_factory=dict)
    can_submit: bool = False

    def items_of(self, agency_id: int) -> list[ExerciseItem]:
        return [item for item in self.items if item.agency_id == agency_id]


def page_data(session: Session, user, exercise: Exercise, agency_id: int | None = None) -> PageData:
    """The exercise as ``user`` may see it: every agency's part, or one agency's (its worksheet)."""

    def visible(some_agency_id) -> bool:
        wanted = agency_id is None or some_agency_id == agency_id
        return wanted and permissions.can_view_exercise_agency(user, exercise, some_agency_id)

    figures = [row for row in progress(session, exercise) if visible(row.agency.id)]
    items = list(
        session.execute(
            select(ExerciseItem)
            .where(ExerciseItem.exercise_id == exercise.id)
            .options(selectinload(ExerciseItem.action), selectinload(ExerciseItem.agency))
            .order_by(ExerciseItem.id)
        ).scalars()
    )
    items = [item for item in items if visible(item.agency_id)]
    returns = {
        r.agency_id: r
        for r in session.execute(select(AgencyReturn).where(AgencyReturn.exercise_id == exercise.id)).scalars()
        if visible(r.agency_id)
    }
    people = {exercise.opened_by_id, exercise.closed_by_id, *(r.submitted_by_id for r in returns.values())}
    people |= {i.answered_by_id for i in items} | {i.decided_by_id for i in items}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(people - {None}))).all())
    evidence_ids = {evidence_id for item in items for evidence_id in item.evidence_item_ids or ()}
    evidence = {
        e.id: e for e in session.execute(select(EvidenceItem).where(EvidenceItem.id.in_(evidence_ids))).scalars()
    }
    history = [
        entry
        for entry in session.execute(
            select(HistoryEntry)
            .where(HistoryEntry.object_type == "exercise", HistoryEntry.object_id == exercise.id)
            .order_by(HistoryEntry.id.desc())
        ).scalars()
        if "agency_id" not in (entry.after or {}) or visible(entry.after["agency_id"])
    ]
    data = PageData(figures, items, returns, names, evidence, history)
    data.decidable = {
        item.id
        for item in items
        if awaits_decision(item, returns.get(item.agency_id)) and permissions.can_decide_exercise_item(user, item)
    }
    if agency_id is not None and permissions.can_answer_exercise(user, exercise, agency_id):
        data.editable = {item.id for item in items if answer_can_change(item, returns.get(agency_id))}
        data.can_submit = return_can_be_submitted(items, returns.get(agency_id))
        data.current_evidence = {item.id: current_evidence(session, item.action) for item in items}
    return data
