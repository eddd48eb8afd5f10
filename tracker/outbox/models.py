"""One row per e-mail to send. The idempotency key says what the mail is for, so one cause sends one mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import Base, utcnow

STATUSES = ("pending", "sending", "sent", "failed")


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # Failures of our mail server's set-up (connection, greeting, log-in, sender refused): retried with the
    # backoff but not counted in ``attempts``, which only the message's own refusals use up.
    server_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
