"""The assurance exercise's rules, as pure functions (no database): each rule, each of its refusals with the
exact words and the field they belong to, and the boundaries (a deadline of today, an empty comment)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from tracker.assurance import exercise_rules as rules

TODAY = date(2026, 3, 10)
SUBMITTED = SimpleNamespace(statement="We checked")


def _item(decision=None, answered=True, closed=False, text="Train every practitioner", agency="Thames Valley Police"):
    return SimpleNamespace(
        decision=decision,
        answered_at="2026-03-01T10:00" if answered else None,
        exercise=SimpleNamespace(is_closed=closed),
        action=SimpleNamespace(text=text),
        agency=SimpleNamespace(name=agency),
    )


# When an answer may change, and when it waits for a decision ----------------------------------------------


@pytest.mark.parametrize(
    ("closed", "decision", "submitted", "expected"),
    [
        (False, None, None, True),  # before the return: free to change
        (False, "accepted", None, True),  # (accepted is refused by answer_problem, not here)
        (False, None, SUBMITTED, False),  # submitted and not handed back
        (False, "accepted", SUBMITTED, False),
        (False, "returned", SUBMITTED, True),  # handed back: may change again
        (True, None, None, False),  # a closed exercise never changes
        (True, "returned", SUBMITTED, False),
    ],
)
def test_an_answer_changes_until_submitted_and_again_only_when_returned(closed, decision, submitted, expected):
    assert rules.answer_can_change(_item(decision, closed=closed), submitted) is expected


@pytest.mark.parametrize(
    ("closed", "submitted", "decision", "answered", "expected"),
    [
        (False, SUBMITTED, None, True, True),
        (True, SUBMITTED, None, True, False),
        (False, None, None, True, False),
        (False, SUBMITTED, "accepted", True, False),
        (False, SUBMITTED, "returned", True, False),
        (False, SUBMITTED, None, False, False),
    ],
)
def test_an_answer_awaits_a_decision_only_when_answered_in_a_submitted_return(
    closed, submitted, decision, answered, expected
):
    assert rules.awaits_decision(_item(decision, answered, closed), submitted) is expected


def test_a_return_is_submitted_once_and_again_only_after_an_answer_was_returned():
    assert rules.return_can_be_submitted([], None) is True
    assert rules.return_can_be_submitted([_item("accepted")], None) is True
    assert rules.return_can_be_submitted([_item(None), _item("accepted")], SUBMITTED) is False
    assert rules.return_can_be_submitted([_item("accepted"), _item("returned")], SUBMITTED) is True
    assert rules.return_can_be_submitted([], SUBMITTED) is False


# Opening ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "deadline", "expected"),
    [
        ("", date(2026, 4, 1), ("Enter a title for the exercise", "title")),
        (None, None, ("Enter a title for the exercise", "title")),
        ("Child M check", None, ("Enter the deadline", "deadline")),
        ("Child M check", TODAY, ("The deadline must be in the future", "deadline")),
        ("Child M check", date(2026, 3, 9), ("The deadline must be in the future", "deadline")),
        ("Child M check", date(2026, 3, 11), None),
    ],
)
def test_an_exercise_needs_a_title_and_a_deadline_after_today(title, deadline, expected):
    assert rules.opening_problem(title, deadline, TODAY) == expected


# Answering -------------------------------------------------------------------------------------------------


def _answer(decision=None, can_change=True, implemented=True, maintained=True, comment=None):
    return rules.answer_problem(
        decision=decision, can_change=can_change, implemented=implemented, maintained=maintained, comment=comment
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"decision": "accepted"}, ("The board has accepted this answer, so it can no longer change", None)),
        (
            {"decision": "accepted", "can_change": False},
            ("The board has accepted this answer, so it can no longer change", None),
        ),
        (
            {"can_change": False},
            (
                "Your agency's return has been submitted, so this answer can change only if the board returns it",
                None,
            ),
        ),
        ({"implemented": None}, ("Select whether the action was implemented", "implemented")),
        ({"implemented": None, "maintained": None}, ("Select whether the action was implemented", "implemented")),
        ({"maintained": None}, ("Select whether the change has been maintained", "maintained")),
        (
            {"implemented": False, "maintained": True, "comment": "Why"},
            (
                "An action that was not implemented cannot have been maintained: select “No” for maintained",
                "maintained",
            ),
        ),
        ({"implemented": False, "maintained": False}, ("Explain why the action was not implemented", "comment")),
        (
            {"implemented": False, "maintained": False, "comment": ""},
            ("Explain why the action was not implemented", "comment"),
        ),
        ({"maintained": False}, ("Explain why the change has not been maintained", "comment")),
        ({"implemented": False, "maintained": False, "comment": "No staff"}, None),
        ({"maintained": False, "comment": "The training stopped"}, None),
        ({}, None),  # implemented and maintained: no comment needed
        ({"decision": "returned"}, None),
    ],
)
def test_an_answer_needs_implemented_maintained_and_why_not(answer, expected):
    assert _answer(**answer) == expected


@pytest.mark.parametrize(
    ("implemented", "chosen", "current", "expected"),
    [
        (True, [1], {1, 2}, None),
        (True, [1, 2], {1, 2}, None),
        (False, [], {1}, None),  # not implemented: evidence is not required
        (True, [3], {1, 2}, ("Choose evidence from this action's current evidence", "evidence")),
        (False, [1, 3], {1}, ("Choose evidence from this action's current evidence", "evidence")),
        (
            True,
            [],
            {1},
            (
                "Choose the evidence that shows the action was implemented. If there is none yet, add it on the "
                "action's page first",
                "evidence",
            ),
        ),
    ],
)
def test_evidence_comes_from_the_actions_current_evidence_and_backs_an_implemented_action(
    implemented, chosen, current, expected
):
    assert rules.evidence_problem(implemented, chosen, current) == expected


# Submitting the return ------------------------------------------------------------------------------------


def test_a_return_needs_every_action_answered_and_a_statement():
    answered = [_item(), _item("accepted")]
    assert rules.return_problem(answered, None, "We checked every action") is None
    assert rules.return_problem(answered, None, "") == ("Enter your agency's statement", "statement")
    assert rules.return_problem(answered, None, None) == ("Enter your agency's statement", "statement")
    unanswered = [
        _item(text="Audit the files"),
        _item(answered=False, text="Train"),
        _item(answered=False, text="Meet"),
    ]
    assert rules.return_problem(unanswered, None, "Done") == (
        "Answer every action before submitting your return. Not answered yet: “Train”; “Meet”",
        "statement",
    )
    assert rules.return_problem([_item(answered=False, text="Train")], None, "Done", short=str.upper) == (
        "Answer every action before submitting your return. Not answered yet: “TRAIN”",
        "statement",
    )


def test_a_return_is_refused_a_second_time_unless_an_answer_came_back():
    already = (
        "Your agency's return has already been submitted. You can submit again only if the board returns "
        "an answer to you",
        "statement",
    )
    assert rules.return_problem([_item(), _item("accepted")], SUBMITTED, "Again") == already
    assert rules.return_problem([_item(answered=False)], SUBMITTED, "") == already  # said first
    assert rules.return_problem([_item("returned")], SUBMITTED, "Answered again") is None


# Deciding ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "submitted", "accept", "comment", "expected"),
    [
        (_item(), SUBMITTED, True, None, None),
        (_item(), SUBMITTED, True, "", None),  # accepting needs no reasons
        (_item(), SUBMITTED, False, "Show the attendance list", None),
        (
            _item(),
            SUBMITTED,
            False,
            "",
            ("Give the reasons for returning it, so the agency knows what to do", "comment"),
        ),
        (
            _item(),
            SUBMITTED,
            False,
            None,
            ("Give the reasons for returning it, so the agency knows what to do", "comment"),
        ),
        (_item("accepted"), SUBMITTED, True, None, ("This answer has already been accepted", None)),
        (
            _item("returned"),
            SUBMITTED,
            True,
            None,
            ("This answer was returned to the agency and is waiting for them to answer again", None),
        ),
        (
            _item(),
            None,
            True,
            None,
            ("Thames Valley Police has not submitted its return yet, so there is nothing to decide", None),
        ),
        (
            _item(answered=False),
            SUBMITTED,
            False,
            "Why",
            ("Thames Valley Police has not submitted its return yet, so there is nothing to decide", None),
        ),
    ],
)
def test_a_reviewer_decides_once_on_a_submitted_answer_with_reasons_for_returning(
    item, submitted, accept, comment, expected
):
    assert rules.decision_problem(item, submitted, accept=accept, comment=comment) == expected
