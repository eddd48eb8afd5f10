"""Assurance exercises (Child M, recommendation 4): each agency checks, action by action, that the changes
asked of it were implemented and maintained, with evidence; its lead submits the agency's return with a
statement; the board's reviewers accept or return each answer.

Every function takes the session, checks permissions with ``tracker.permissions``, flushes but never
commits, writes one history entry per change (object type "exercise") and raises a DomainError in plain
words. Once an exercise is closed every function refuses with "This exercise is closed", so a closed exercise
keeps its results exactly as they were. The deadline is a target: late answers are still taken while the
exercise is open, and the pages show that the deadline has passed.

Returns and re-submission. An agency submits its return once, when every one of its actions is answered;
``AgencyReturn`` keeps that first submission (statement, who, when) and never changes. Until then its lead
may change answers freely; after it, an answer can change only if a reviewer returns it. Returning an answer
sends the item back as unanswered (its last answer stays in place as the starting point, and in the
history). Once every returned item is answered again, the lead submits again with a new statement: that
re-submission is a history entry ("exercise.return_resubmitted") holding the statement, and it clears the
"returned" decisions so the reviewers decide on the new answers. Accepted answers never change.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracker import audit, clock, permissions
from tracker.actions.models import Action
from tracker.actions.services import current_evidence
from tracker.actions.states import Status
from tracker.assurance import exercise_queries
from tracker.assurance import exercise_rules as rules
from tracker.assurance.models import AgencyReturn, Exercise, ExerciseItem
from tracker.db import utcnow
from tracker.errors_domain import DomainError, NotPermitted
from tracker.ids import parse_ids
from tracker.orgs.models import Agency
from tracker.text import clean

CLOSED = "This exercise is closed, so nothing in it can change."
TITLE_MAX = 200
TEXT_MAX = 5000


# Where an agency's answers stand --------------------------------------------------------------------------


def agency_return(session: Session, exercise: Exercise, agency_id: int) -> AgencyReturn | None:
    return session.execute(
        select(AgencyReturn).where(AgencyReturn.exercise_id == exercise.id, AgencyReturn.agency_id == agency_id)
    ).scalar_one_or_none()


def _refuse_if(problem: rules.Problem | None) -> None:
    if problem is not None:
        message, field = problem
        raise DomainError(message, field=field)


# Changing -------------------------------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotPermitted(message)


def _check_open(exercise: Exercise) -> None:
    if exercise.is_closed:
        raise DomainError(CLOSED)


def _record(session: Session, actor, exercise: Exercise, event: str, summary: str, before=None, after=None):
    session.flush()
    return audit.record(
        session,
        actor=actor,
        event=event,
        obj_type="exercise",
        obj_id=exercise.id,
        summary=summary,
        before=before,
        after=after,
    )


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text(value: str | None, *, field: str, name: str, limit: int = TEXT_MAX) -> str | None:
    """Free text as stored: trimmed, within its limit, and without control characters (PostgreSQL refuses NUL)."""
    text = (clean(value, name=name, field=field) or "").strip()
    if len(text) > limit:
        raise DomainError(f"{name} must be {limit} characters or fewer", field=field)
    return text or None


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "not answered")


def ensure_can_answer(actor, exercise: Exercise, agency_id: int) -> None:
    """Whether the actor may answer for the agency now: refuses a closed exercise first, then anyone else."""
    _check_open(exercise)
    _require(
        permissions.can_answer_exercise(actor, exercise, agency_id),
        "Only a lead of that agency can answer for its actions in this exercise",
    )


def open_exercise(session: Session, actor, review, *, title: str, deadline: date | None, agency_ids=None) -> Exercise:
    """Open an exercise on every action of the review, not closed, of the chosen agencies (or, when
    ``agency_ids`` is None, of every agency with such actions)."""
    _require(
        permissions.can_run_exercise(actor, review),
        "Only a board member of this review's board can open an assurance exercise",
    )
    title = _text(title, field="title", name="Title", limit=TITLE_MAX)
    _refuse_if(rules.opening_problem(title, deadline, clock.today()))
    actions = list(
        session.execute(
            select(Action)
            .where(Action.review_id == review.id, Action.status != Status.CLOSED.value)
            .order_by(Action.id)
        ).scalars()
    )
    with_open_actions = {action.agency_id for action in actions}
    # Participants take part with or without actions of their own (they answer with their statement).
    participants = {agency.id for agency in review.participants if agency.merged_into_id is None}
    if agency_ids is None:
        scope = with_open_actions | participants
    else:
        scope = parse_ids(agency_ids)
        if scope is None:
            raise DomainError("Choose agencies from the list", field="agencies")
        if not scope:
            raise DomainError("Choose at least one agency", field="agencies")
        if scope - with_open_actions - participants:
            raise DomainError(
                "Choose only agencies that take part in this review or have open actions in it", field="agencies"
            )
    chosen = [action for action in actions if action.agency_id in scope]
    if not chosen and not scope & participants:
        raise DomainError("There are no open actions to check in this review", field="agencies")
    agencies = list(session.execute(select(Agency).where(Agency.id.in_(scope)).order_by(Agency.name)).scalars())
    exercise = Exercise(review_id=review.id, title=title, deadline=deadline, opened_by_id=actor.id, agencies=agencies)
    session.add(exercise)
    session.flush()
    session.add_all(
        ExerciseItem(exercise_id=exercise.id, action_id=action.id, agency_id=action.agency_id) for action in chosen
    )
    _record(
        session,
        actor,
        exercise,
        "exercise.opened",
        f"Assurance exercise “{title}” opened for {len(agencies)} agenc{'y' if len(agencies) == 1 else 'ies'} "
        f"and {len(chosen)} action{'' if len(chosen) == 1 else 's'}, deadline {deadline.isoformat()}",
        after={
            "title": title,
            "deadline": deadline,
            "agency_ids": sorted(scope),
            "action_ids": [action.id for action in chosen],
        },
    )
    session.expire(exercise, ["items"])
    return exercise


def answer_item(
    session: Session,
    actor,
    item: ExerciseItem,
    *,
    implemented: bool | None,
    maintained: bool | None,
    comment: str | None,
    evidence_item_ids=(),
) -> None:
    """The agency lead's answer for one action: implemented and maintained, why not, and which evidence."""
    exercise = item.exercise
    ensure_can_answer(actor, exercise, item.agency_id)
    can_change = rules.answer_can_change(item, agency_return(session, exercise, item.agency_id))

    def problem(comment_now: str | None) -> rules.Problem | None:
        return rules.answer_problem(
            decision=item.decision,
            can_change=can_change,
            implemented=implemented,
            maintained=maintained,
            comment=comment_now,
        )

    _refuse_if(problem("-"))  # everything but the comment, before the comment is cleaned and measured
    comment = _text(comment, field="comment", name="Comments")
    _refuse_if(problem(comment))
    parsed = parse_ids(evidence_item_ids)
    if parsed is None:
        raise DomainError("Choose evidence from this action's current evidence", field="evidence")
    chosen = sorted(parsed)
    current = {evidence.id for evidence in current_evidence(session, item.action)}
    _refuse_if(rules.evidence_problem(bool(implemented), chosen, current))
    before = {
        "implemented": item.implemented,
        "maintained": item.maintained,
        "comment": item.comment,
        "evidence_item_ids": item.evidence_item_ids,
    }
    item.implemented, item.maintained, item.comment, item.evidence_item_ids = implemented, maintained, comment, chosen
    item.answered_by_id, item.answered_at = actor.id, utcnow()
    _record(
        session,
        actor,
        exercise,
        "exercise.item_answered",
        f"{item.agency.name} answered for “{_short(item.action.text, 60)}”: implemented {_yes_no(implemented)}, "
        f"maintained {_yes_no(maintained)}, {len(chosen)} evidence item{'' if len(chosen) == 1 else 's'}",
        before,
        {**{k: getattr(item, k) for k in before}, "item_id": item.id, "agency_id": item.agency_id},
    )


def submit_return(session: Session, actor, exercise: Exercise, agency_id: int, statement: str | None) -> AgencyReturn:
    """Submit the agency's return, or re-submit it after the board returned answers (see the module's
    docstring: the first submission is kept as it was; a re-submission is a history entry)."""
    ensure_can_answer(actor, exercise, agency_id)
    items = [item for item in exercise.items if item.agency_id == agency_id]
    submitted = agency_return(session, exercise, agency_id)
    _refuse_if(rules.return_problem(items, submitted, "-", short=_short))  # submitted once, every action answered
    statement = _text(statement, field="statement", name="The statement")
    _refuse_if(rules.return_problem(items, submitted, statement, short=_short))
    agency = session.get(Agency, agency_id)
    if submitted is None:
        submitted = AgencyReturn(
            exercise_id=exercise.id, agency_id=agency_id, statement=statement, submitted_by_id=actor.id
        )
        session.add(submitted)
        session.flush()
        _record(
            session,
            actor,
            exercise,
            "exercise.return_submitted",
            f"{agency.name} submitted its return, with {len(items)} answer{'' if len(items) == 1 else 's'}",
            after={"agency_id": agency_id, "return_id": submitted.id, "statement": statement},
        )
        return submitted
    returned = [item for item in items if item.decision == "returned"]
    before = {"returned": [{"item_id": i.id, "comment": i.decision_comment} for i in returned]}
    for item in returned:
        item.decision = item.decision_comment = item.decided_by_id = item.decided_at = None
    _record(
        session,
        actor,
        exercise,
        "exercise.return_resubmitted",
        f"{agency.name} submitted again, with {len(returned)} answer{'' if len(returned) == 1 else 's'} "
        f"given anew: {statement}",
        before,
        {"agency_id": agency_id, "statement": statement, "item_ids": [item.id for item in returned]},
    )
    return submitted


def decide_item(session: Session, actor, item: ExerciseItem, *, accept: bool, comment: str | None) -> None:
    """A reviewer accepts an answer, or returns it to the agency with the reasons."""
    exercise = item.exercise
    _check_open(exercise)
    _require(
        permissions.can_decide_exercise_item(actor, item),
        "Only a board member of this review's board, outside the agency that answered, can decide on this answer",
    )
    submitted = agency_return(session, exercise, item.agency_id)
    _refuse_if(rules.decision_problem(item, submitted, accept=True, comment=None))  # decidable at all
    comment = _text(comment, field="comment", name="Comments")
    _refuse_if(rules.decision_problem(item, submitted, accept=accept, comment=comment))
    decision = "accepted" if accept else "returned"
    values = {"decision": decision, "decision_comment": comment, "decided_by_id": actor.id, "decided_at": utcnow()}
    if not accept:
        values |= {"answered_by_id": None, "answered_at": None}  # back to the agency, to answer again
    # Only one decision per answer, even when two reviewers press the button at the same moment.
    done = session.execute(
        update(ExerciseItem).where(ExerciseItem.id == item.id, ExerciseItem.decision.is_(None)).values(**values)
    )
    if done.rowcount != 1:
        raise DomainError("Someone else has just decided on this answer. Reload the page to see their decision")
    session.refresh(item)
    _record(
        session,
        actor,
        exercise,
        f"exercise.item_{decision}",
        f"{'Accepted' if accept else 'Returned to ' + item.agency.name} the answer for “{_short(item.action.text, 60)}”"
        + (f": {comment}" if comment else ""),
        {"decision": None},
        {"decision": decision, "comment": comment, "item_id": item.id, "agency_id": item.agency_id},
    )


def close_exercise(session: Session, actor, exercise: Exercise) -> None:
    """Close the exercise: its answers, returns and decisions stay exactly as they are."""
    _check_open(exercise)
    _require(
        permissions.can_run_exercise(actor, exercise.review),
        "Only a board member of this review's board can close the exercise",
    )
    figures = exercise_queries.progress(session, exercise)
    exercise.closed_by_id, exercise.closed_at = actor.id, utcnow()
    _record(
        session,
        actor,
        exercise,
        "exercise.closed",
        f"Assurance exercise “{exercise.title}” closed: {sum(p.accepted for p in figures)} of "
        f"{sum(p.items for p in figures)} answers accepted, "
        f"{sum(p.return_submitted for p in figures)} of {len(figures)} returns submitted",
        after={
            "progress": {
                p.agency.id: {"items": p.items, "answered": p.answered, "accepted": p.accepted, "returned": p.returned}
                for p in figures
            }
        },
    )
