"""What needs the board's attention: the lines a report leads with, before any figure that could reassure.

Built from the report's own tallies and lists (so the headline never disagrees with the tables below it), plus
one query, live only, for how long the oldest submission has waited and which actions have gone quiet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from tracker.actions.states import Status
from tracker.reports import queries
from tracker.reports.brag import Brag

DEFAULT_NO_UPDATE_DAYS = 90


@dataclass
class AttentionItem:
    key: str
    count: int
    words: str  # what it is, in a sentence that reads with the count before it


def no_update_days() -> int:
    if has_app_context():
        return int(current_app.config.get("REPORT_NO_UPDATE_DAYS") or DEFAULT_NO_UPDATE_DAYS)
    return DEFAULT_NO_UPDATE_DAYS


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _days_waiting(oldest: datetime | None, today: date) -> int | None:
    if oldest is None:
        return None
    return max((today - oldest.date()).days, 0)


def attention_items(report, session: Session | None = None, where=None) -> list[AttentionItem]:
    """The attention lines for ``report``, worst first. With ``session`` and ``where`` (live reports) also how
    long the oldest submission has waited and how many actions have had no update for
    ``REPORT_NO_UPDATE_DAYS``."""
    h = report.headline
    waited = stale = None
    days = no_update_days()
    if session is not None and where is not None and report.as_at is None:
        stale_before = datetime.combine(report.today - timedelta(days=days), datetime.min.time())
        oldest, stale = queries.waiting_and_stale(session, where, stale_before)
        waited = _days_waiting(oldest, report.today)
    not_planned = h.by_brag[Brag.NOT_PLANNED]
    waiting = h.by_status[Status.SUBMITTED]
    returned = h.by_status[Status.RETURNED]
    no_response = report.recommendation_count - report.responses_recorded
    no_action = report.recommendations_by_rating[Brag.NO_ACTION]
    items = [
        AttentionItem(
            "not_planned",
            not_planned,
            _plural(not_planned, "action has", "actions have") + " no owner or no due date (not planned)",
        ),
        AttentionItem("overdue", h.overdue, _plural(h.overdue, "action is", "actions are") + " overdue"),
        AttentionItem(
            "waiting",
            waiting,
            _plural(waiting, "action is", "actions are")
            + " waiting for the board's decision"
            + (
                f" (the longest for {waited} day{'s' if waited != 1 else ''})" if waiting and waited is not None else ""
            ),
        ),
        AttentionItem("returned", returned, _plural(returned, "action was", "actions were") + " returned by the board"),
        AttentionItem(
            "rechecks",
            report.rechecks.total,
            _plural(report.rechecks.total, "re-check is", "re-checks are") + " due within 30 days",
        ),
        AttentionItem(
            "no_response",
            no_response,
            _plural(no_response, "recommendation has", "recommendations have") + " no board response recorded",
        ),
        AttentionItem(
            "no_action", no_action, _plural(no_action, "recommendation has", "recommendations have") + " no action set"
        ),
    ]
    if stale is not None:
        items.append(
            AttentionItem(
                "no_update",
                stale,
                _plural(stale, "unfinished action has", "unfinished actions have") + f" had no update for {days} days",
            )
        )
    return items
