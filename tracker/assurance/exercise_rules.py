"""The rules of an assurance exercise, as pure functions: when an answer may still change, when one waits for
the board's decision, and what an exercise, an answer, a return and a decision need before they are taken.

No Flask, no SQLAlchemy: the functions read the attributes of the objects passed (an item's ``decision``,
``answered_at`` and ``exercise.is_closed``) or plain values, and a ``*_problem`` function returns
``(message, field)`` for the first thing missing, or None. ``exercises.py`` (the services) raises those as
DomainErrors; ``exercise_queries.py`` (the pages) asks the same functions, so a page never offers what the
service would refuse. Who may open, close, answer and decide is in ``tracker.permissions`` (one permissions
module); this module says what the state of the exercise allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

Problem = tuple[str, str | None]  # (message in plain words, the form field it belongs to, or None)

ACCEPTED = "accepted"
RETURNED = "returned"


def answer_can_change(item, submitted) -> bool:
    """An answer changes until the agency's return is submitted, and afterwards only if it was returned."""
    return not item.exercise.is_closed and (submitted is None or item.decision == RETURNED)


def awaits_decision(item, submitted) -> bool:
    """Answered, in a submitted return, not decided yet, in an open exercise."""
    return not item.exercise.is_closed and submitted is not None and item.decision is None and bool(item.answered_at)


def return_can_be_submitted(items: Iterable, submitted) -> bool:
    """The first submission, or a re-submission once a reviewer has returned something."""
    return submitted is None or any(item.decision == RETURNED for item in items)


def opening_problem(title: str | None, deadline: date | None, today: date) -> Problem | None:
    """An exercise needs a title and a deadline after today."""
    if not title:
        return "Enter a title for the exercise", "title"
    if deadline is None:
        return "Enter the deadline", "deadline"
    if deadline <= today:
        return "The deadline must be in the future", "deadline"
    return None


def answer_problem(
    *,
    decision: str | None,
    can_change: bool,
    implemented: bool | None,
    maintained: bool | None,
    comment: str | None,
) -> Problem | None:
    """An answer says whether the action was implemented and maintained, and why not when it was not; an
    accepted answer, or one in a submitted return not handed back, no longer changes."""
    if decision == ACCEPTED:
        return "The board has accepted this answer, so it can no longer change", None
    if not can_change:
        return "Your agency's return has been submitted, so this answer can change only if the board returns it", None
    if implemented is None:
        return "Select whether the action was implemented", "implemented"
    if maintained is None:
        return "Select whether the change has been maintained", "maintained"
    if maintained and not implemented:
        return (
            "An action that was not implemented cannot have been maintained: select “No” for maintained",
            "maintained",
        )
    if not comment and not implemented:
        return "Explain why the action was not implemented", "comment"
    if not comment and not maintained:
        return "Explain why the change has not been maintained", "comment"
    return None


def evidence_problem(implemented: bool, chosen: Iterable[int], current: set[int]) -> Problem | None:
    """Evidence comes from the action's current evidence, and an implemented action names at least one."""
    chosen = set(chosen)
    if chosen - current:
        return "Choose evidence from this action's current evidence", "evidence"
    if implemented and not chosen:
        return (
            "Choose the evidence that shows the action was implemented. If there is none yet, add it on the "
            "action's page first",
            "evidence",
        )
    return None


def return_problem(items: Sequence, submitted, statement: str | None, short=str) -> Problem | None:
    """A return is submitted once (again only after the board returned an answer), with every action
    answered and a statement. ``short`` shortens an action's text for the list of unanswered ones."""
    if not return_can_be_submitted(items, submitted):
        return (
            "Your agency's return has already been submitted. You can submit again only if the board returns "
            "an answer to you",
            "statement",
        )
    unanswered = [item for item in items if item.answered_at is None]
    if unanswered:
        return (
            "Answer every action before submitting your return. Not answered yet: "
            + "; ".join(f"“{short(item.action.text)}”" for item in unanswered),
            "statement",
        )
    if not statement:
        return "Enter your agency's statement", "statement"
    return None


def decision_problem(item, submitted, *, accept: bool, comment: str | None) -> Problem | None:
    """A reviewer decides once on an answer in a submitted return, and gives reasons when returning it."""
    if item.decision == ACCEPTED:
        return "This answer has already been accepted", None
    if item.decision == RETURNED:
        return "This answer was returned to the agency and is waiting for them to answer again", None
    if submitted is None or item.answered_at is None:
        return f"{item.agency.name} has not submitted its return yet, so there is nothing to decide", None
    if not accept and not comment:
        return "Give the reasons for returning it, so the agency knows what to do", "comment"
    return None
