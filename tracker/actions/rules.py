"""The rules of submission and sign-off, as pure functions (no Flask, no SQLAlchemy), so that each can be
tested on its own and mutation-tested (``make mutation``). ``services.py`` applies them.

- **Plan before doing**: an action goes to the board for assurance only once it has an owner, a due date and
  a measure of success; the refusal names what is missing and who can set it.
- **Segregation of duties at sign-off**: nobody decides on a submission they made, or one holding evidence
  they added (whatever their role is now: the check is on the people, not the roles).
- **What a decision does**: accepting a submission assures it (a re-check: embeds it); returning it sends it
  back to the agency (a re-check not confirmed: reopens the work).
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.actions.states import Status

PLAN_PARTS = (
    ("owner", "an owner"),
    ("due_date", "a due date"),
    ("success_measure", "a measure of success"),
)


def missing_from_plan(owner_id, due_date, success_measure) -> list[str]:
    """The parts of the plan an action lacks before it can be submitted, in words, in a fixed order."""
    have = {
        "owner": owner_id is not None,
        "due_date": due_date is not None,
        "success_measure": bool((success_measure or "").strip()),
    }
    return [words for key, words in PLAN_PARTS if not have[key]]


def plan_refusal(missing: list[str]) -> str | None:
    """Why an action cannot be submitted yet, and who can put it right; None when the plan is complete."""
    if not missing:
        return None
    listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return (
        f"This action cannot be submitted for assurance until it has {listed}. "
        "A board member of the review's board sets the due date and the measure of success in the action's plan; "
        "they, or a lead of the agency responsible, can set the owner."
    )


def sign_off_refusal(decider_id: int, submitted_by_id: int, contributor_ids: Iterable[int]) -> str | None:
    """Why this person may not decide on this submission; None when they may (as far as the people go: the
    role and agency are ``permissions.can_review_action``'s)."""
    if decider_id == submitted_by_id:
        return "You submitted this action, so someone else must review it"
    if decider_id in set(contributor_ids):
        return "You added evidence to this submission, so someone else must review it"
    return None


def decision_refusal(accept: bool, meets_measure: bool | None) -> str | None:
    """A reviewer who says the evidence does not meet the measure of success cannot accept it."""
    if accept and meets_measure is False:
        return "You said the evidence does not meet the measure of success, so return it with your reasons"
    return None


def decision_outcome(kind: str, accept: bool) -> tuple[Status, str]:
    """The status a decision moves the action to, and the decision's name, for a submission of ``kind``."""
    if kind == "recheck":
        return (Status.EMBEDDED, "embedded") if accept else (Status.IN_PROGRESS, "reopened")
    return (Status.ASSURED, "assured") if accept else (Status.RETURNED, "returned")
