"""An action's state over time: one row per stretch of time in which its status, due date, owner and
re-check date stayed the same, so that "as at" a day is one indexed lookup per action instead of a replay of
the history. The history stays the source of truth: ``periods.rebuild`` derives these rows from it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import Base


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
        # Which actions changed since a moment (timeline.queries.changed_since): a range of the newest.
        Index("ix_action_periods_valid_from", "valid_from", "action_id"),
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
