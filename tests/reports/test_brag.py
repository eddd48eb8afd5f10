"""The BRAG rules, as pure functions: one action's rating from its status and due date, and a
recommendation's as the worst of its actions'."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tracker.actions.states import Status
from tracker.reports.brag import (
    AT_RISK_DAYS,
    KEY,
    SEVERITY,
    Brag,
    Timing,
    brag,
    brag_for_action,
    rate_action,
    timing,
    worst,
)

TODAY = date(2026, 6, 15)
PAST, SOON, LATER = TODAY - timedelta(days=1), TODAY + timedelta(days=AT_RISK_DAYS), TODAY + timedelta(days=31)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (None, Timing.NO_DATE),
        (TODAY - timedelta(days=400), Timing.PAST),
        (PAST, Timing.PAST),
        (TODAY, Timing.SOON),  # due today is not yet overdue
        (SOON, Timing.SOON),
        (LATER, Timing.LATER),
    ],
)
def test_timing_of_a_due_date(due, expected):
    assert timing(due, TODAY, owned=True) == expected


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (None, Timing.NO_DATE),
        (PAST, Timing.PAST),
        (TODAY, Timing.NO_OWNER),
        (SOON, Timing.NO_OWNER),
        (LATER, Timing.NO_OWNER),
    ],
)
def test_an_action_nobody_owns_is_not_on_a_timeline(due, expected):
    assert timing(due, TODAY, owned=False) == expected
    assert timing(due, TODAY) == expected  # unowned unless said: a caller that forgets never flatters
    if due != PAST:
        assert brag_for_action(Status.IN_PROGRESS, due, TODAY) == Brag.NOT_PLANNED


@pytest.mark.parametrize(
    ("status", "due", "expected"),
    [
        # Blue: assured and embedded, whatever the date.
        (Status.EMBEDDED, PAST, Brag.BLUE),
        (Status.EMBEDDED, None, Brag.BLUE),
        # Green: assured (even after its date), or on track.
        (Status.ASSURED, PAST, Brag.GREEN),
        (Status.IN_PROGRESS, LATER, Brag.GREEN),
        (Status.ASSURED, None, Brag.GREEN),
        (Status.NOT_STARTED, LATER, Brag.GREEN),
        (Status.SUBMITTED, LATER, Brag.GREEN),
        (Status.SUBMITTED, SOON, Brag.GREEN),  # submitted: no longer at risk of missing its date
        # Not planned: no due date is never on track.
        (Status.IN_PROGRESS, None, Brag.NOT_PLANNED),
        (Status.NOT_STARTED, None, Brag.NOT_PLANNED),
        (Status.SUBMITTED, None, Brag.NOT_PLANNED),
        (Status.RETURNED, None, Brag.NOT_PLANNED),
        # Amber: at risk (due within 30 days, not yet submitted) or returned.
        (Status.IN_PROGRESS, SOON, Brag.AMBER),
        (Status.NOT_STARTED, TODAY, Brag.AMBER),
        (Status.RETURNED, LATER, Brag.AMBER),
        (Status.RETURNED, SOON, Brag.AMBER),
        # Red: overdue, including not started past its date, and waiting past its date.
        (Status.NOT_STARTED, PAST, Brag.RED),
        (Status.IN_PROGRESS, PAST, Brag.RED),
        (Status.RETURNED, PAST, Brag.RED),
        (Status.SUBMITTED, PAST, Brag.RED),
        # Closed without implementation is not rated.
        (Status.CLOSED, PAST, Brag.NOT_RATED),
        (Status.CLOSED, None, Brag.NOT_RATED),
    ],
)
def test_an_action_is_rated_by_its_status_and_due_date(status, due, expected):
    assert brag_for_action(status, due, TODAY, owned=True) == expected
    assert brag(status.value, timing(due, TODAY, owned=True).value) == expected


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("due", [None, PAST, TODAY, SOON, LATER])
def test_an_action_nobody_owns_is_never_green_unless_assured(status, due):
    rating = brag_for_action(status, due, TODAY, owned=False)
    expected = {
        Status.EMBEDDED: Brag.BLUE,
        Status.ASSURED: Brag.GREEN,
        Status.CLOSED: Brag.NOT_RATED,
    }.get(status, Brag.RED if due == PAST else Brag.NOT_PLANNED)
    assert rating == expected
    assert rating.label == {Brag.NOT_PLANNED: "No owner or due date"}.get(rating, rating.label)


def test_rate_action_reads_the_owner_of_the_action():
    from tracker.actions.models import Action

    owned = Action(status=Status.IN_PROGRESS.value, due_date=LATER, owner_id=7)
    unowned = Action(status=Status.IN_PROGRESS.value, due_date=LATER, owner_id=None)
    assert rate_action(owned, TODAY) == Brag.GREEN
    assert rate_action(unowned, TODAY) == Brag.NOT_PLANNED


def test_red_agrees_with_the_actions_own_idea_of_overdue():
    from tracker.actions.models import Action

    for status in Status:
        for due in (None, PAST, TODAY, LATER):
            action = Action(status=status.value, due_date=due)
            overdue = action.is_overdue(TODAY)
            for owned in (True, False):
                assert (brag_for_action(status, due, TODAY, owned) == Brag.RED) == overdue, (status, due)


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([Brag.BLUE, Brag.GREEN], Brag.GREEN),
        ([Brag.BLUE, Brag.BLUE], Brag.BLUE),
        ([Brag.GREEN, Brag.AMBER, Brag.BLUE], Brag.AMBER),
        ([Brag.AMBER, Brag.RED, Brag.GREEN], Brag.RED),
        ([Brag.NOT_RATED, Brag.BLUE], Brag.BLUE),  # closed actions do not pull a recommendation down or up
        ([Brag.NOT_RATED], Brag.NOT_RATED),
        ([Brag.GREEN, Brag.NOT_PLANNED], Brag.NOT_PLANNED),  # one unplanned action: the recommendation is not
        ([Brag.AMBER, Brag.NOT_PLANNED, Brag.BLUE], Brag.NOT_PLANNED),
        ([Brag.RED, Brag.NOT_PLANNED], Brag.RED),
        ([Brag.NOT_RATED, Brag.GREEN], Brag.GREEN),
        ([], Brag.NO_ACTION),  # no action set
    ],
)
def test_a_recommendation_takes_the_worst_rating_of_its_actions(ratings, expected):
    assert worst(ratings) == expected


def test_the_key_says_every_rating_in_words_worst_first():
    assert [rating for rating, _, _ in KEY] == [
        Brag.RED,
        Brag.NOT_PLANNED,
        Brag.NO_ACTION,
        Brag.AMBER,
        Brag.GREEN,
        Brag.BLUE,
        Brag.NOT_RATED,
    ]
    assert list(SEVERITY) == [rating for rating, _, _ in KEY]
    assert {rating.label for rating in Brag} >= {"No owner or due date", "No action set"}
    meanings = {rating: f"{label}: {meaning}" for rating, label, meaning in KEY}
    assert "Overdue" in meanings[Brag.RED] and "not started past its due date" in meanings[Brag.RED]
    assert "At risk" in meanings[Brag.AMBER] and "returned" in meanings[Brag.AMBER]
    assert meanings[Brag.GREEN] == "Green: A dated, owned action on track, or assured"
    assert "nobody owns it or it has no due date" in meanings[Brag.NOT_PLANNED]
    assert meanings[Brag.NO_ACTION].startswith("No action set")
    assert "Assured and embedded" in meanings[Brag.BLUE]


def test_due_within_thirty_days_is_at_risk_as_the_key_says():
    """The boundary in days, written out: at risk up to and including the 30th day ahead, as the key says."""
    assert timing(TODAY + timedelta(days=30), TODAY, owned=True) == Timing.SOON
    assert brag_for_action(Status.IN_PROGRESS, TODAY + timedelta(days=30), TODAY, owned=True) == Brag.AMBER
    assert timing(TODAY + timedelta(days=31), TODAY, owned=True) == Timing.LATER
    assert "due within 30 days" in Brag.AMBER.meaning
