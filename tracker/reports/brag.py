"""BRAG ratings (blue, red, amber, green): the one place that says how an action, and so a recommendation, is rated.

Pure Python: no Flask, no SQLAlchemy. An action's rating depends only on its status and on where its due date
falls (``timing``); the report's SQL groups actions by the same timing buckets (``reports/queries.py`` builds
them from ``AT_RISK_DAYS`` and the same comparisons) and asks ``brag`` for each group, so the rule is written
once.

An action is rated, in this order:

- **Blue** when it is embedded: assured, and a re-check confirmed the change was maintained.
- **Green** when it is assured (implementation signed off, re-check not yet confirmed).
- **Not rated** when it was closed without implementation (the board decided it will not be done).
- **Red** when it is overdue: past its due date and not finished (a "not started" action past its date is
  overdue too; so is one waiting for the board's decision, as on every other page).
- **Amber** when it was returned by the board, or is at risk: due within ``AT_RISK_DAYS`` days and not yet
  submitted for assurance.
- **Green** otherwise: on track (its due date is in the future or not set, and work is under way or waiting
  for the board's decision).

A recommendation is rated as the worst of its actions (red, then amber, then green, then blue), ignoring
actions that are not rated; with no rated action it is not rated. The words are always printed beside the
colour: the colour is never the only signal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from tracker.actions.states import Status

AT_RISK_DAYS = 30


class Timing(StrEnum):
    """Where an action's due date falls, seen from a given day."""

    NO_DATE = "none"
    PAST = "past"  # before the day: overdue unless finished
    SOON = "soon"  # from the day to AT_RISK_DAYS after it, inclusive
    LATER = "later"


class Brag(StrEnum):
    BLUE = "blue"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
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
    Brag.NOT_RATED: "Not rated",
}

BRAG_MEANINGS = {
    Brag.BLUE: "Assured and embedded: a re-check confirmed the change was maintained",
    Brag.GREEN: "On track (due date in the future or not set, work under way) or assured",
    Brag.AMBER: f"At risk (due within {AT_RISK_DAYS} days and not yet submitted) or returned by the board",
    Brag.RED: "Overdue, or not started past its due date",
    Brag.NOT_RATED: "Closed without implementation, or no actions yet",
}

# Worst first: the order of the key, of the tables' columns, and of a recommendation's roll-up.
SEVERITY = (Brag.RED, Brag.AMBER, Brag.GREEN, Brag.BLUE, Brag.NOT_RATED)

# The key printed on every report, worst first.
KEY = [(brag, BRAG_LABELS[brag], BRAG_MEANINGS[brag]) for brag in SEVERITY]


def soon_until(today: date) -> date:
    """The last day that counts as due soon, seen from ``today``."""
    return today + timedelta(days=AT_RISK_DAYS)


def timing(due_date: date | None, today: date) -> Timing:
    if due_date is None:
        return Timing.NO_DATE
    if due_date < today:
        return Timing.PAST
    if due_date <= soon_until(today):
        return Timing.SOON
    return Timing.LATER


@cache  # a handful of combinations, asked for every action of a report
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
    if status == Status.RETURNED:
        return Brag.AMBER
    if when == Timing.SOON and status in (Status.NOT_STARTED, Status.IN_PROGRESS):
        return Brag.AMBER
    return Brag.GREEN


def brag_for_action(status: str | Status, due_date: date | None, today: date) -> Brag:
    return brag(status, timing(due_date, today))


def worst(ratings: Iterable[Brag]) -> Brag:
    """A recommendation's rating: the worst of its actions' ratings, ignoring those not rated."""
    present = {Brag(r) for r in ratings} - {Brag.NOT_RATED}
    for rating in SEVERITY:
        if rating in present:
            return rating
    return Brag.NOT_RATED


# GOV.UK tag colours for each rating (the words are always shown too).
TAG_COLOURS = {
    Brag.BLUE: "blue",
    Brag.GREEN: "green",
    Brag.AMBER: "orange",
    Brag.RED: "red",
    Brag.NOT_RATED: "grey",
}
