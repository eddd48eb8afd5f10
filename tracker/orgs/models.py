"""Safeguarding boards (or partnerships) and the agencies that serve them."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Base

agency_boards = Table(
    "agency_boards",
    Base.metadata,
    Column("agency_id", ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
)


class Board(Base):
    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    agencies: Mapped[list[Agency]] = relationship(
        secondary=agency_boards, back_populates="boards", order_by="Agency.name"
    )

    def __repr__(self) -> str:
        return f"<Board {self.key}>"


class Agency(Base):
    """One record per real organisation, whichever reviews and boards it appears in."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(60))
    # Set when this record turned out to be the same organisation as another and was merged into it.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))

    boards: Mapped[list[Board]] = relationship(
        secondary=agency_boards, back_populates="agencies", order_by="Board.name"
    )

    def __repr__(self) -> str:
        return f"<Agency {self.key}>"
