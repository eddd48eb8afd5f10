"""Rebuilding actions and recommendations as they stood at the end of a past day, from the history.

Pure Python over rows already read (``queries.action_rows``, ``queries.latest_action_values`` …): the rules
the action periods (``timeline/``) are held against, and what the report's SQL as at a past date is tested
against (tests/reports/test_as_at_lists.py). What the history holds (``actions/services.py``,
``seeding/loader.py``): every entry about an action carries its ``version`` in ``after``; an entry that
changed the status carries ``after.status`` (``action.seeded`` the initial status), one that set or moved the
due date ``after.due_date`` (``action.created`` always, even when empty), an assurance decision
``after.recheck_due``, and a change of owner ``after.owner`` (a name, "nobody" when none). An action created
by ``create_action`` starts "not started" without saying so.

So an action's status at the end of day D is the ``status`` of the latest entry about it before then
(or "not started" when it had entries but none named a status); its due date, re-check date and owner
likewise (none when never set). An action with no entry before then did not exist yet, unless it has no
history at all (made outside the services), when its own ``created_at`` decides and its current values are
used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.actions.states import Status
from tracker.reviews.models import RESPONSES

NOBODY = "nobody"


def end_of_day(day: date) -> datetime:
    """The first moment after ``day`` ends in England, in UTC (history times are UTC)."""
    try:
        zone = ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # a system without time zone data: UTC is at most an hour out
        zone = UTC
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def utc(moment: datetime) -> datetime:
    # SQLite hands back naive UTC times, PostgreSQL aware ones.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class ActionRow(NamedTuple):
    """An action as the rebuild reads it (``queries.action_rows``)."""

    id: int
    review_id: int
    recommendation_id: int | None
    agency_id: int
    status: str
    due_date: date | None
    recheck_due: date | None
    created_at: datetime | None
    owner: str | None


class ActionState(NamedTuple):
    status: str
    due_date: date | None
    recheck_due: date | None
    owner: str | None


def current_state(row) -> ActionState:
    return ActionState(row.status, row.due_date, row.recheck_due, row.owner)


def states_at(rows: Iterable, latest: dict[int, dict], later: set[int], end: datetime) -> dict[int, ActionState]:
    """Each action's state at ``end``, by id; actions that did not exist yet are left out.

    ``rows``: the actions (``queries.action_rows``); ``latest``: for each action with history before ``end``,
    the value each key had in the latest entry before ``end`` that named it (``queries.latest_action_values``);
    ``later``: ids of actions with history from ``end`` on."""
    end = utc(end)
    states = {}
    for row in rows:
        known = latest.get(row.id)
        if known is not None:
            owner = known.get("owner")
            states[row.id] = ActionState(
                status=Status(known.get("status") or Status.NOT_STARTED).value,
                due_date=_as_date(known.get("due_date")),
                recheck_due=_as_date(known.get("recheck_due")),
                owner=None if owner in (None, NOBODY) else owner,
            )
        elif row.id not in later and row.created_at is not None and utc(row.created_at) < end:
            states[row.id] = current_state(row)
    return states


@dataclass(frozen=True)
class RecommendationState:
    exists: bool
    response: str | None


def recommendation_states_at(current: dict[int, str | None], entries: Iterable, end: datetime) -> dict:
    """Each recommendation's existence and board response at ``end``, by id.

    ``current``: id -> the response now; ``entries``: (id, at, before, after) of their history, oldest
    first. A recommendation whose first entry records its creation (an entry without ``before``, as the seed
    loader writes) after ``end`` did not exist yet; one without such an entry is taken as always there. Its
    response is the one the latest response entry before ``end`` recorded, or, when the first response was
    recorded later, the one that entry replaced.
    """
    end = utc(end)
    created_at: dict[int, datetime] = {}
    response_then: dict[int, str | None] = {}
    replaced_later: dict[int, str | None] = {}
    for object_id, at, before, after in entries:
        at = utc(at)
        if not before and object_id not in created_at:
            created_at[object_id] = at
        if after and "response" in after:
            if at < end:
                response_then[object_id] = after["response"]
            elif object_id not in response_then and object_id not in replaced_later:
                replaced_later[object_id] = (before or {}).get("response")
    states = {}
    for rec_id, response_now in current.items():
        if rec_id in response_then:
            response = response_then[rec_id]
        elif rec_id in replaced_later:
            response = replaced_later[rec_id]
        else:
            response = response_now
        exists = rec_id not in created_at or created_at[rec_id] < end
        states[rec_id] = RecommendationState(exists, response if response in RESPONSES else None)
    return states
