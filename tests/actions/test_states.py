"""The action status machine, as pure rules."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.actions.models import Action
from tracker.actions.states import (
    InvalidTransition,
    Status,
    allowed_transitions,
    check_transition,
    initial_status_for_reported_progress,
)


def test_the_happy_path_is_allowed_for_the_right_party():
    check_transition(Status.NOT_STARTED, Status.IN_PROGRESS, "agency")
    check_transition(Status.IN_PROGRESS, Status.SUBMITTED, "agency")
    check_transition(Status.SUBMITTED, Status.ASSURED, "board")
    # The re-check: fresh evidence goes back to the board, which confirms the change was maintained.
    check_transition(Status.ASSURED, Status.SUBMITTED, "agency")
    check_transition(Status.SUBMITTED, Status.EMBEDDED, "board")


@pytest.mark.parametrize(
    ("current", "target", "party", "words"),
    [
        (Status.NOT_STARTED, Status.ASSURED, "board", "cannot move"),
        (Status.SUBMITTED, Status.ASSURED, "agency", "Only a board member"),
        (Status.IN_PROGRESS, Status.IN_PROGRESS, "agency", "already"),
        (Status.EMBEDDED, Status.NOT_STARTED, "board", "cannot move"),
    ],
)
def test_a_move_that_is_not_allowed_says_why(current, target, party, words):
    with pytest.raises(InvalidTransition, match=words):
        check_transition(current, target, party)


def test_agency_cannot_assure_its_own_work():
    assert Status.ASSURED not in allowed_transitions(Status.SUBMITTED, "agency")
    # Which of these applies depends on the kind of submission (assurance or re-check): see the services.
    assert set(allowed_transitions(Status.SUBMITTED, "board")) == {
        Status.ASSURED,
        Status.RETURNED,
        Status.EMBEDDED,
        Status.IN_PROGRESS,
    }


def test_reported_done_is_not_assured():
    assert initial_status_for_reported_progress("reported_done") == Status.IN_PROGRESS
    assert initial_status_for_reported_progress("planned") == Status.NOT_STARTED
    assert initial_status_for_reported_progress("in_progress") == Status.IN_PROGRESS
    assert initial_status_for_reported_progress("not_stated") == Status.NOT_STARTED


def test_the_refusal_names_who_may_make_the_move():
    with pytest.raises(InvalidTransition) as agency_move:
        check_transition(Status.NOT_STARTED, Status.IN_PROGRESS, "board")
    assert agency_move.value.message == (
        "Only the agency responsible can move an action from “Not started” to “In progress”."
    )
    with pytest.raises(InvalidTransition) as board_move:
        check_transition(Status.SUBMITTED, Status.ASSURED, "agency")
    assert board_move.value.message == (
        "Only a board member reviewing it can move an action from “Submitted for assurance” to “Assured”."
    )


def test_overdue_is_derived_from_the_due_date():
    action = Action(due_date=date(2026, 1, 1), status="in_progress")
    assert action.is_overdue(date(2026, 1, 2))
    assert not action.is_overdue(date(2026, 1, 1))
    action.status = "assured"
    assert not action.is_overdue(date(2026, 1, 2))


S = Status
# Every move of the machine for each side, written out by hand rather than read from TRANSITIONS, so that
# dropping a move or giving it to the other side fails here, in the fast tests `make mutation` runs (mutmut
# does not mutate the table itself, only the functions that read it).
MOVES = {
    (S.NOT_STARTED, "agency"): {S.IN_PROGRESS},
    (S.NOT_STARTED, "board"): {S.CLOSED},
    (S.IN_PROGRESS, "agency"): {S.SUBMITTED},
    (S.IN_PROGRESS, "board"): {S.CLOSED},
    (S.SUBMITTED, "agency"): set(),
    (S.SUBMITTED, "board"): {S.RETURNED, S.ASSURED, S.EMBEDDED, S.IN_PROGRESS},
    (S.RETURNED, "agency"): {S.IN_PROGRESS, S.SUBMITTED},
    (S.RETURNED, "board"): {S.CLOSED},
    (S.ASSURED, "agency"): {S.SUBMITTED},
    (S.ASSURED, "board"): set(),
    (S.EMBEDDED, "agency"): {S.SUBMITTED},
    (S.EMBEDDED, "board"): set(),
    (S.CLOSED, "agency"): set(),
    (S.CLOSED, "board"): set(),
}


@pytest.mark.parametrize(("current", "party"), MOVES, ids=lambda v: getattr(v, "value", v))
def test_every_move_of_every_status_for_each_side(current, party):
    allowed = MOVES[(current, party)]
    assert set(allowed_transitions(current, party)) == allowed
    for target in Status:
        if target in allowed:
            check_transition(current, target, party)
        else:
            with pytest.raises(InvalidTransition):
                check_transition(current, target, party)


def test_nobody_else_has_a_side():
    assert all(allowed_transitions(status, "auditor") == [] for status in Status)
