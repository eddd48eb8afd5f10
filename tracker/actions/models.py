"""Actions: the unit that is tracked, from assignment to assured and embedded practice."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.actions.states import Status
from tracker.db import Base, utcnow
from tracker.orgs.models import Agency

if TYPE_CHECKING:
    from tracker.auth.models import User
    from tracker.reviews.models import Recommendation, Review

REPORTED_PROGRESS = {
    "reported_done": "Reported done",
    "in_progress": "Reported in progress",
    "planned": "Planned",
    "proposed": "Proposed",
    "not_stated": "Not stated",
}


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of a text, cut at a word boundary if it is long."""
    flat = " ".join((text or "").split())
    match = re.search(r"(?<=[.!?])\s+(?=[A-Z\u2018\u201c\"'(])", flat)
    sentence = flat[: match.start()] if match else flat
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return sentence


THEMED = "CAST(themes AS TEXT) NOT IN ('[]', 'null')"
# An action whose row may differ from its timeline's open period (``timeline_version``): none in a database
# written only by the services, so the index on it is almost always empty.
OUT_OF_STEP = "timeline_version IS NULL OR timeline_version <> version"


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint(f"status IN {tuple(s.value for s in Status)}", name="status"),
        CheckConstraint(f"reported_progress IN {tuple(REPORTED_PROGRESS)}", name="reported_progress"),
        CheckConstraint("status <> 'closed' OR closed_reason IS NOT NULL", name="closed_has_reason"),
        # Reports group a scope's actions by these, reading only the index (migrations 0009 and 0011; chosen
        # with EXPLAIN on both databases): per recommendation, per agency, and the unfinished with no update.
        Index(
            "ix_actions_report_groups", "review_id", "recommendation_id", "status", "due_date", "agency_id", "owner_id"
        ),
        Index("ix_actions_agency_groups", "agency_id", "status", "review_id", "due_date", "owner_id"),
        Index("ix_actions_status_updated_at", "status", "updated_at", "review_id"),
        # The overdue list, read in due-date order: it stops after the rows a page shows. With the owner and
        # agency, "as at" reads from it alone the ratings that moved with the days (migration 0013).
        Index("ix_actions_due_date_status", "due_date", "status", "review_id", "owner_id", "agency_id"),
        # The report's themes of actions read only the actions that carry one (reports.queries.THEMED).
        Index("ix_actions_themed", "review_id", sqlite_where=text(THEMED), postgresql_where=text(THEMED)),
        # The re-checks list, counted and read from the index alone; for a scope holding most actions, and the
        # reminders, which look across every board.
        Index("ix_actions_status_recheck_due", "status", "recheck_due", "review_id"),
        # The same list for a board among many: one range per review (migration 0014).
        Index("ix_actions_review_id_status_recheck_due", "review_id", "status", "recheck_due"),
        # An agency's list, a page at a time in id order (keyset pagination).
        Index("ix_actions_agency_id_id", "agency_id", "id"),
        # The actions "as at" must read from their periods, whatever changed since (timeline.queries.rows_differing).
        Index("ix_actions_out_of_step", "id", sqlite_where=text(OUT_OF_STEP), postgresql_where=text(OUT_OF_STEP)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="SET NULL"), index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    # Stable identity of an action that came from a seed file, so that re-seeding updates it in place.
    seed_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    # A short name written by the board for lists; the report's words stay untouched in ``text``.
    title: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # One action per agency for a change the report gives to several: the rows share this key.
    joint_key: Mapped[str | None] = mapped_column(String(120), index=True)
    source_paragraphs: Mapped[list] = mapped_column(default=list)
    reported_progress: Mapped[str] = mapped_column(String(20), default="not_stated")
    progress_quote: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    themes: Mapped[list] = mapped_column(default=list)

    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_date: Mapped[date | None]
    success_measure: Mapped[str | None] = mapped_column(Text)
    # The first due date ever set: kept when the date moves, so that "completed late" stays visible.
    original_due_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=Status.NOT_STARTED.value, index=True)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    # The day the work that was assured had been submitted: implementation complete.
    completed_on: Mapped[date | None]
    # When the agency must show the change was maintained (set at assurance, default six months on).
    recheck_due: Mapped[date | None] = mapped_column(index=True)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # The version the action had when its timeline last recorded it (``timeline.periods.record_change``): while
    # the two are equal, the row stands as its open period says, so "as at" may read the row instead of the
    # period. Any change to the row through the ORM moves ``version`` on, and the row out of step until the
    # next recorded change; an action without periods (made outside the services) has none.
    timeline_version: Mapped[int | None]

    review: Mapped[Review] = relationship(back_populates="actions")
    recommendation: Mapped[Recommendation | None] = relationship()
    recommendations: Mapped[list[Recommendation]] = relationship(
        secondary="action_recommendations", back_populates="actions", order_by="Recommendation.position"
    )
    agency: Mapped[Agency] = relationship()
    owner: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def display_title(self) -> str:
        """The board's title, or else the first sentence of the report's words."""
        return self.title or first_sentence(self.text)

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def reported_progress_label(self) -> str:
        return REPORTED_PROGRESS[self.reported_progress]

    @property
    def completed_late(self) -> bool:
        deadline = self.original_due_date or self.due_date
        return bool(self.completed_on and deadline and self.completed_on > deadline)

    def is_overdue(self, today: date) -> bool:
        """Derived, never stored: past its due date and not finished."""
        from tracker.actions.states import FINISHED

        return self.due_date is not None and self.due_date < today and self.status_enum not in FINISHED

    def __repr__(self) -> str:
        return f"<Action {self.id} {self.status}>"
