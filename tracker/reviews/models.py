"""Reviews and their recommendations, with the themes that let recurring lessons be seen."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Base
from tracker.orgs.models import Agency, Board

if TYPE_CHECKING:
    from tracker.actions.models import Action

RESPONSES = {"accepted": "Accepted", "accepted_in_part": "Accepted in part", "not_accepted": "Not accepted"}
KINDS = {"board": "Board", "multi_agency": "Multi-agency", "single_agency": "Single-agency"}
ADDRESSED_TO = {"board": "The board", "all_agencies": "All agencies", "agency": "A named agency"}

review_boards = Table(
    "review_boards",
    Base.metadata,
    Column("review_id", ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
)

recommendation_themes = Table(
    "recommendation_themes",
    Base.metadata,
    Column("recommendation_id", ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


# An action answers every recommendation it names (Action.recommendation_id stays the first of them, so
# that figures count each action once); a recommendation shows every action linked here.
action_recommendations = Table(
    "action_recommendations",
    Base.metadata,
    Column("action_id", ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
    Column("recommendation_id", ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True),
)

# Every agency that wrote an IMR or contributed to the review, with or without an action.
review_participants = Table(
    "review_participants",
    Base.metadata,
    Column("review_id", ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
)


class Theme(Base):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    # What the theme means, from seeds/themes.yaml, so that it is applied the same way everywhere.
    description: Mapped[str | None] = mapped_column(Text)
    broader_key: Mapped[str | None] = mapped_column(String(60))


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    child: Mapped[str] = mapped_column(String(100))
    review_type: Mapped[str] = mapped_column(String(100))
    incident_year: Mapped[int | None]
    report_date: Mapped[date | None]
    report_date_note: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    published_by: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str | None] = mapped_column(String(200))

    boards: Mapped[list[Board]] = relationship(secondary=review_boards, order_by="Board.name")
    participants: Mapped[list[Agency]] = relationship(secondary=review_participants, order_by="Agency.name")
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="review", order_by="Recommendation.position"
    )
    actions: Mapped[list[Action]] = relationship(back_populates="review")

    def __repr__(self) -> str:
        return f"<Review {self.ref}>"


class Recommendation(Base):
    __tablename__ = "recommendations"
    __table_args__ = (
        UniqueConstraint("review_id", "ref"),
        CheckConstraint(f"kind IN {tuple(KINDS)}", name="kind"),
        CheckConstraint(f"addressed_to IN {tuple(ADDRESSED_TO)}", name="addressed_to"),
        CheckConstraint("addressed_to <> 'agency' OR agency_id IS NOT NULL", name="agency_named"),
        CheckConstraint(f"response IS NULL OR response IN {tuple(RESPONSES)}", name="response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    sub_points: Mapped[list] = mapped_column(default=list)
    # The report's words that introduce the sub-points, when they are not part of ``text``.
    sub_points_lead_in: Mapped[str | None] = mapped_column(Text)
    addressed_to: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    paragraphs: Mapped[list] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text)
    # The board's response, kept apart from progress (which rolls up from the actions).
    response: Mapped[str | None] = mapped_column(String(20))
    response_rationale: Mapped[str | None] = mapped_column(Text)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None]

    review: Mapped[Review] = relationship(back_populates="recommendations")
    agency: Mapped[Agency | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=recommendation_themes, order_by="Theme.label")
    actions: Mapped[list[Action]] = relationship(
        secondary=action_recommendations, back_populates="recommendations", order_by="Action.id"
    )

    @property
    def response_label(self) -> str:
        return RESPONSES.get(self.response or "", "No response recorded")

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def addressed_to_label(self) -> str:
        if self.addressed_to == "agency" and self.agency:
            return self.agency.name
        return ADDRESSED_TO[self.addressed_to]

    @property
    def ref_label(self) -> str:
        """The reference as the report prints it: an unnumbered recommendation has no number to show."""
        return "(unnumbered)" if self.ref.startswith("unnumbered") else self.ref

    def __repr__(self) -> str:
        return f"<Recommendation {self.ref}>"
