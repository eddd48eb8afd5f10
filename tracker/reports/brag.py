"""BRAG ratings (blue, red, amber, green): the one place that says how an action, and so a recommendation, is rated.

Pure Python: no Flask, no SQLAlchemy. An action's rating depends only on its status and on where it stands
against its plan (``timing``: whether it has a due date and an owner, and where the date falls); the report's
SQL groups actions by the same buckets (``reports/queries.py`` builds them from ``AT_RISK_DAYS`` and the same
comparisons) and asks ``brag`` for each group, so the rule is written once.

An action is rated, in this order:

- **Blue** when it is embedded: assured, and a re-check confirmed the change was maintained.
- **Green** when it is assured (implementation signed off, re-check not yet confirmed).
- **Not rated** when it was closed without implementation (the board decided it will not be done).
- **Red** when it is overdue: past its due date and not finished (a "not started" action past its date is
  overdue too; so is one waiting for the board's decision, as on every other page).
- **No owner or due date** (not planned) when nobody owns it or it has no due date: nothing says it is on
  track, so it is never Green.
- **Amber** when it was returned by the board, or is at risk: due within ``AT_RISK_DAYS`` days and not yet
  submitted for assurance.
- **Green** otherwise: a dated, owned action on track (work under way or waiting for the board's decision).

A recommendation is rated as the worst of its actions (red, then not planned, then amber, then green, then
blue), ignoring actions closed without implementation; with no action at all it says **No action set**; with
only closed actions it is not rated. The words are always printed beside the colour: the colour is never the
only signal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

from tracker.actions.states import Status

AT_RISK_DAYS = 30


class Timing(StrEnum):
    """Where an action's due date falls, seen from a given day."""

    NO_DATE = "none"
    PAST = "past"  # before the day: overdue unless finished
    NO_OWNER = "no_owner"  # dated, not past, but nobody owns it
    SOON = "soon"  # from the day to AT_RISK_DAYS after it, inclusive
    LATER = "later"


class Brag(StrEnum):
    BLUE = "blue"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NOT_PLANNED = "not_planned"
    NO_ACTION = "no_action"
    NOT_RATED = "not_rated"

    @property
    def label(self) -> str:
        return BRAG_LABELS[self]

    @property
    def meaning(self) -> str:
        return BRAG_MEANINGS[self]

    @property
    def colour(self) -> str:
        """The GOV.UK tag colour shown with the word."""
        return TAG_COLOURS[self]


BRAG_LABELS = {
    Brag.BLUE: "Blue",
    Brag.GREEN: "Green",
    Brag.AMBER: "Amber",
    Brag.RED: "Red",
    Brag.NOT_PLANNED: "No owner or due date",
    Brag.NO_ACTION: "No action set",
    Brag.NOT_RATED: "Not rated",
}

BRAG_MEANINGS = {
    Brag.BLUE: "Assured and embedded: a re-check confirmed the change was maintained",
    Brag.GREEN: "A dated, owned action on track, or assured",
    Brag.AMBER: f"At risk (due within {AT_RISK_DAYS} days and not yet submitted) or returned by the board",
    Brag.RED: "Overdue, or not started past its due date",
    Brag.NOT_PLANNED: "Not planned, because nobody owns it or it has no due date: nothing says it is on track",
    Brag.NO_ACTION: "A recommendation with no action set to carry it out",
    Brag.NOT_RATED: "Closed without implementation",
}

# Worst first: the order of the key, of the tables' columns, and of a recommendation's roll-up.
SEVERITY = (Brag.RED, Brag.NOT_PLANNED, Brag.NO_ACTION, Brag.AMBER, Brag.GREEN, Brag.BLUE, Brag.NOT_RATED)

# The key printed on every report, worst first.
KEY = [(brag, BRAG_LABELS[brag], BRAG_MEANINGS[brag]) for brag in SEVERITY]


def soon_until(today: date) -> date:
    """The last day that counts as due soon, seen from ``today``."""
    return today + timedelta(days=AT_RISK_DAYS)


def timing(due_date: date | None, today: date, owned: bool = False) -> Timing:
    """Where an action stands against its plan on ``today``: no due date, past it, no owner, or due soon
    or later. ``owned``: whether it has an owner (unowned unless said, so a caller that forgets never
    flatters)."""
    if due_date is None:
        return Timing.NO_DATE
    if due_date < today:
        return Timing.PAST
    if not owned:
        return Timing.NO_OWNER
    if due_date <= soon_until(today):
        return Timing.SOON
    return Timing.LATER


def brag(status: str | Status, when: Timing | str) -> Brag:
    """The rating of an action with this status and this timing of its due date (see the module's docstring)."""
    status, when = Status(status), Timing(when)
    if status == Status.EMBEDDED:
        return Brag.BLUE
    if status == Status.ASSURED:
        return Brag.GREEN
    if status == Status.CLOSED:
        return Brag.NOT_RATED
    if when == Timing.PAST:
        return Brag.RED
    if when in (Timing.NO_DATE, Timing.NO_OWNER):
        return Brag.NOT_PLANNED
    if status == Status.RETURNED:
        return Brag.AMBER
    if when == Timing.SOON and status in (Status.NOT_STARTED, Status.IN_PROGRESS):
        return Brag.AMBER
    return Brag.GREEN


def rate_action(action, today: date) -> Brag:
    """The rating of an Action (anything with ``status``, ``due_date`` and ``owner_id``) on ``today``."""
    return brag_for_action(action.status, action.due_date, today, action.owner_id is not None)


def brag_for_action(status: str | Status, due_date: date | None, today: date, owned: bool = False) -> Brag:
    return brag(status, timing(due_date, today, owned))


def worst(ratings: Iterable[Brag]) -> Brag:
    """A recommendation's rating: the worst of its actions' ratings, ignoring those not rated; "No action
    set" when it has no action at all."""
    given = set(ratings)  # Brag members and their values alike: a StrEnum member hashes and compares as its value
    if not given:
        return Brag.NO_ACTION
    for rating in SEVERITY:
        if rating != Brag.NOT_RATED and rating in given:
            return rating
    return Brag.NOT_RATED


# GOV.UK tag colours for each rating (the words are always shown too).
TAG_COLOURS = {
    Brag.BLUE: "blue",
    Brag.GREEN: "green",
    Brag.AMBER: "orange",
    Brag.RED: "red",
    Brag.NOT_PLANNED: "purple",
    Brag.NO_ACTION: "yellow",
    Brag.NOT_RATED: "grey",
}
