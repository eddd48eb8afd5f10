"""The action status machine: the one place that says which statuses exist and which moves are allowed.

Pure Python: no Flask, no SQLAlchemy. One function changes an action's status, ``actions.status.set_status``:
it asks ``check_transition``, sets the status and writes the history entry (a test fails if anything else
assigns ``.status``). Templates show only the moves ``allowed_transitions`` returns, and a CHECK constraint
guards the column.
"""

from __future__ import annotations

from enum import StrEnum

from tracker.errors_domain import DomainError


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ASSURED = "assured"
    EMBEDDED = "embedded"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    Status.NOT_STARTED: "Not started",
    Status.IN_PROGRESS: "In progress",
    Status.SUBMITTED: "Submitted for assurance",
    Status.RETURNED: "Returned",
    Status.ASSURED: "Assured",
    Status.EMBEDDED: "Embedded",
    Status.CLOSED: "Closed without implementation",
}

# GOV.UK tag colours, so a status reads the same on every page. The words are always shown too.
TAG_COLOURS = {
    Status.NOT_STARTED: "grey",
    Status.IN_PROGRESS: "light-blue",
    Status.SUBMITTED: "purple",
    Status.RETURNED: "orange",
    Status.ASSURED: "green",
    Status.EMBEDDED: "blue",
    Status.CLOSED: "red",
}

# Statuses in which the work is finished, for better or worse: nothing is overdue once here.
FINISHED = frozenset({Status.ASSURED, Status.EMBEDDED, Status.CLOSED})

# Who may make each move: "agency" is a lead of the action's agency, "board" a board member of the
# action's board (the reviewer).
TRANSITIONS: dict[tuple[Status, Status], str] = {
    (Status.NOT_STARTED, Status.IN_PROGRESS): "agency",
    (Status.IN_PROGRESS, Status.SUBMITTED): "agency",
    (Status.RETURNED, Status.IN_PROGRESS): "agency",
    (Status.RETURNED, Status.SUBMITTED): "agency",
    (Status.SUBMITTED, Status.RETURNED): "board",
    (Status.SUBMITTED, Status.ASSURED): "board",
    # A re-check: confirmed that the change was maintained, or not confirmed, which reopens the work.
    (Status.SUBMITTED, Status.EMBEDDED): "board",
    (Status.SUBMITTED, Status.IN_PROGRESS): "board",
    # Evidence added or changed after sign-off (including a re-check's fresh evidence) goes back for
    # assurance.
    (Status.ASSURED, Status.SUBMITTED): "agency",
    (Status.EMBEDDED, Status.SUBMITTED): "agency",
    (Status.NOT_STARTED, Status.CLOSED): "board",
    (Status.IN_PROGRESS, Status.CLOSED): "board",
    (Status.RETURNED, Status.CLOSED): "board",
}


class InvalidTransition(DomainError):
    """A move the status machine does not allow, with the reason in words a person understands."""


def allowed_transitions(current: Status, party: str) -> list[Status]:
    return [to for (frm, to), who in TRANSITIONS.items() if frm == current and who == party]


def check_transition(current: Status, target: Status, party: str) -> None:
    if current == target:
        raise InvalidTransition(f"This action is already “{current.label}”.")
    who = TRANSITIONS.get((current, target))
    if who is None:
        raise InvalidTransition(f"An action that is “{current.label}” cannot move to “{target.label}”.")
    if who != party:
        doer = "the agency responsible" if who == "agency" else "a board member reviewing it"
        raise InvalidTransition(f"Only {doer} can move an action from “{current.label}” to “{target.label}”.")


def initial_status_for_reported_progress(reported_progress: str) -> Status:
    """Where a seeded action starts. A report saying a change was made is not evidence that it was:
    such actions start in progress, waiting for the evidence that lets the board assure them."""
    if reported_progress in ("reported_done", "in_progress"):
        return Status.IN_PROGRESS
    return Status.NOT_STARTED
