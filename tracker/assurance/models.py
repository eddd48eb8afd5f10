"""Quality assurance: submissions for assurance, the sign-off decisions on them, and assurance exercises.

A sign-off is never changed once written (the database refuses UPDATE and DELETE on the table): who
decided, when, what, with which comments, and the evidence hashes they saw.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Base, utcnow
from tracker.orgs.models import Agency

if TYPE_CHECKING:
    from tracker.actions.models import Action
    from tracker.auth.models import User
    from tracker.reviews.models import Review

SUBMISSION_KINDS = {"assurance": "Submitted for assurance", "recheck": "Re-check that the change was maintained"}
DECISIONS = {
    "assured": "Assured",
    "returned": "Returned",
    "embedded": "Confirmed as maintained (embedded)",
    "reopened": "Not confirmed: reopened",
}


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (CheckConstraint(f"kind IN {tuple(SUBMISSION_KINDS)}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="assurance")
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    statement: Mapped[str | None] = mapped_column(Text)
    # Exactly what was put forward: [{"item_id", "version", "kind", "digest", "files": [{"name", "sha256"}]}]
    evidence: Mapped[list] = mapped_column(default=list)

    action: Mapped[Action] = relationship()
    submitted_by: Mapped[User] = relationship()
    sign_off: Mapped[SignOff | None] = relationship(back_populates="submission", uselist=False)

    @property
    def kind_label(self) -> str:
        return SUBMISSION_KINDS[self.kind]


class SignOff(Base):
    __tablename__ = "sign_offs"
    __table_args__ = (CheckConstraint(f"decision IN {tuple(DECISIONS)}", name="decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="RESTRICT"), unique=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="RESTRICT"), index=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str] = mapped_column(String(20))
    comments: Mapped[str | None] = mapped_column(Text)
    evidence_seen: Mapped[list] = mapped_column(default=list)
    recheck_due: Mapped[date | None]

    submission: Mapped[Submission] = relationship(back_populates="sign_off")
    decided_by: Mapped[User] = relationship()

    @property
    def decision_label(self) -> str:
        return DECISIONS[self.decision]


exercise_agencies = Table(
    "exercise_agencies",
    Base.metadata,
    Column("exercise_id", ForeignKey("exercises.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
)


class Exercise(Base):
    """An assurance exercise (Child M recommendation 4): each agency checks its actions for a review."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[date]
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]

    review: Mapped[Review] = relationship()
    agencies: Mapped[list[Agency]] = relationship(secondary=exercise_agencies, order_by="Agency.name")
    items: Mapped[list[ExerciseItem]] = relationship(back_populates="exercise", order_by="ExerciseItem.id")
    returns: Mapped[list[AgencyReturn]] = relationship(back_populates="exercise")

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ExerciseItem(Base):
    """One action within an exercise: the agency's answer, and the reviewer's decision on it."""

    __tablename__ = "exercise_items"
    __table_args__ = (
        UniqueConstraint("exercise_id", "action_id"),
        CheckConstraint("decision IS NULL OR decision IN ('accepted', 'returned')", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="RESTRICT"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    implemented: Mapped[bool | None]
    maintained: Mapped[bool | None]
    comment: Mapped[str | None] = mapped_column(Text)
    evidence_item_ids: Mapped[list] = mapped_column(default=list)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    exercise: Mapped[Exercise] = relationship(back_populates="items")
    action: Mapped[Action] = relationship()
    agency: Mapped[Agency] = relationship()


class AgencyReturn(Base):
    """An agency's return for an exercise: its lead's statement, submitted once all items are answered."""

    __tablename__ = "agency_returns"
    __table_args__ = (UniqueConstraint("exercise_id", "agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    statement: Mapped[str] = mapped_column(Text)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    exercise: Mapped[Exercise] = relationship(back_populates="returns")
    agency: Mapped[Agency] = relationship()
