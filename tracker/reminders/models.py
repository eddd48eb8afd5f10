"""Which reminders have been sent, so that the same notice is never sent twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import Base, utcnow


class ReminderSent(Base):
    __tablename__ = "reminders_sent"
    # One notice per action, kind and occasion (e.g. the due date it was about), per recipient.
    __table_args__ = (UniqueConstraint("action_id", "kind", "occasion", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    occasion: Mapped[str] = mapped_column(String(60))
    recipient: Mapped[str] = mapped_column(String(254))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
