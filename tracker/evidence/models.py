"""Evidence recorded against an action: narrative, link and files, of implementation or of impact.

An item is never edited: a correction is a new item that supersedes it, and the old one is kept. Each
item has a digest over its content and its files' SHA-256, so a submission can record exactly which
versions were put forward.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Base, utcnow

if TYPE_CHECKING:
    from tracker.actions.models import Action
    from tracker.auth.models import User

EVIDENCE_KINDS = {
    "implementation": "Evidence of implementation (what was done)",
    "impact": "Evidence of impact (what changed for children)",
}


class EvidenceItem(Base):
    __tablename__ = "evidence_items"
    __table_args__ = (CheckConstraint(f"kind IN {tuple(EVIDENCE_KINDS)}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    narrative: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(2000))
    # The date the evidence relates to (an audit's date, a training day), not when it was uploaded.
    relates_to: Mapped[date]
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Versions: a correction points at the item it supersedes; 1 for a first version.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    digest: Mapped[str] = mapped_column(String(64))

    action: Mapped[Action] = relationship()
    added_by: Mapped[User] = relationship()
    files: Mapped[list[EvidenceFile]] = relationship(back_populates="item", order_by="EvidenceFile.id")
    supersedes: Mapped[EvidenceItem | None] = relationship(remote_side=[id], foreign_keys=[supersedes_id])

    @property
    def kind_label(self) -> str:
        return EVIDENCE_KINDS[self.kind]


class EvidenceFile(Base):
    """A file stored outside static under a generated key; the original name is metadata only."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id", ondelete="RESTRICT"), index=True)
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The checks the file passed when it was uploaded (filetypes.inspect), in words; None for older files.
    checks: Mapped[list | None] = mapped_column(default=None)

    item: Mapped[EvidenceItem] = relationship(back_populates="files")
