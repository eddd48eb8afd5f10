"""The submission and sign-off rules (``actions/rules.py``), as pure functions: no app, no database."""

from __future__ import annotations

import pytest

from tracker.actions import rules
from tracker.actions.states import Status


@pytest.mark.parametrize(
    ("owner", "due", "measure", "missing"),
    [
        (None, None, None, ["an owner", "a due date", "a measure of success"]),
        (1, None, None, ["a due date", "a measure of success"]),
        (None, "2027-01-01", "Audit", ["an owner"]),
        (1, "2027-01-01", "   ", ["a measure of success"]),
        (1, "2027-01-01", "Audit", []),
    ],
)
def test_what_is_missing_from_the_plan(owner, due, measure, missing):
    assert rules.missing_from_plan(owner, due, measure) == missing
    refusal = rules.plan_refusal(missing)
    if not missing:
        assert refusal is None
    else:
        assert refusal.startswith("This action cannot be submitted for assurance until it has ")
        assert ("an owner, a due date and a measure of success" in refusal) == (len(missing) == 3)
        assert "A board member of the review's board sets the due date and the measure of success" in refusal
        assert "a lead of the agency responsible, can set the owner" in refusal


def test_two_missing_parts_are_joined_with_and():
    assert "until it has a due date and a measure of success." in rules.plan_refusal(
        ["a due date", "a measure of success"]
    )


def test_the_refusal_in_full():
    assert rules.plan_refusal(["an owner", "a due date"]) == (
        "This action cannot be submitted for assurance until it has an owner and a due date. "
        "A board member of the review's board sets the due date and the measure of success in the action's plan; "
        "they, or a lead of the agency responsible, can set the owner."
    )


def test_the_plan_is_listed_in_a_fixed_order():
    assert rules.missing_from_plan(None, None, "") == ["an owner", "a due date", "a measure of success"]
    assert rules.missing_from_plan(0, "2027-01-01", "x") == []  # an id is an id, even 0
    assert rules.plan_refusal(["an owner"]).startswith(
        "This action cannot be submitted for assurance until it has an owner. "
    )


@pytest.mark.parametrize(
    ("decider", "submitter", "adders", "words"),
    [
        (1, 1, [], "You submitted this action, so someone else must review it"),
        (1, 1, [1], "You submitted this action"),
        (2, 1, [2, 3], "You added evidence to this submission, so someone else must review it"),
        (3, 1, (2, 3), "You added evidence"),
        (4, 1, [2, 3], None),
        (4, 1, [], None),
    ],
)
def test_nobody_decides_on_their_own_submission_or_evidence(decider, submitter, adders, words):
    refusal = rules.sign_off_refusal(decider, submitter, adders)
    if words is None:
        assert refusal is None
    else:
        assert refusal.startswith(words)


@pytest.mark.parametrize(
    ("accept", "meets", "refused"),
    [(True, False, True), (True, True, False), (True, None, False), (False, False, False), (False, True, False)],
)
def test_evidence_said_to_fall_short_cannot_be_accepted(accept, meets, refused):
    refusal = rules.decision_refusal(accept, meets)
    assert (refusal is not None) == refused
    if refused:
        assert refusal == "You said the evidence does not meet the measure of success, so return it with your reasons"


def test_what_a_decision_does():
    assert rules.decision_outcome("assurance", True) == (Status.ASSURED, "assured")
    assert rules.decision_outcome("assurance", False) == (Status.RETURNED, "returned")
    assert rules.decision_outcome("recheck", True) == (Status.EMBEDDED, "embedded")
    assert rules.decision_outcome("recheck", False) == (Status.IN_PROGRESS, "reopened")
