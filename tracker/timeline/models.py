"""An action's state over time: one row per stretch of time in which its status, due date, owner and
re-check date stayed the same, so that "as at" a day is one indexed lookup per action instead of a replay of
the history. The history stays the source of truth: ``periods.rebuild`` derives these rows from it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import Base

PLACE_AND_VALUES = (
    "review_id",
    "recommendation_id",
    "agency_id",
    "status",
    "due_date",
    "owner",
    "recheck_due",
    "action_id",
)


class ActionPeriod(Base):
    __tablename__ = "action_periods"
    __table_args__ = (
        # "Which period covers moment M" for the actions of a scope: by action, then by end; the period's values
        # ride in the index, so that "as at" reads no period row (migration 0012).
        Index(
            "ix_action_periods_action_id_valid_to",
            "action_id",
            "valid_to",
            "valid_from",
            "status",
            "due_date",
            "recheck_due",
            "owner",
        ),
        # The periods "as at" a day reads by range, never action by action (timeline.queries.Since): those
        # open now that began since (valid_to null, the start a range) and those that ended since and began
        # before (how they stood); each with the action's place and values in the index (migration 0013).
        Index("ix_action_periods_by_end", "valid_to", "valid_from", *PLACE_AND_VALUES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[date | None]
    recheck_due: Mapped[date | None]
    owner: Mapped[str | None] = mapped_column(String(200))  # the owner's name then, as the history says
    valid_from: Mapped[datetime]  # the time of the history entry that began it
    valid_to: Mapped[datetime | None]  # the time of the entry that ended it; None while it lasts
    history_id: Mapped[int | None] = mapped_column(ForeignKey("history.id", ondelete="SET NULL"))
    # The action's place, as the action has it now (in every period: the report counts an action where it
    # is now, as it stood then), so that "as at" reads the periods without reading the actions. Copied by
    # the one writer (``periods.record_change``); a row moved behind its back is out of step
    # (``Action.timeline_version``) and read from the action instead.
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendations.id", ondelete="SET NULL"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
