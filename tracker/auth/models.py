"""People who sign in, their roles, and the record of failed sign-ins used for throttling."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import Base, utcnow
from tracker.orgs.models import Agency, Board


class Role(StrEnum):
    ADMIN = "admin"
    BOARD_MEMBER = "board_member"
    AGENCY_LEAD = "agency_lead"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.BOARD_MEMBER: "Board member",
    Role.AGENCY_LEAD: "Agency lead",
    Role.AUDITOR: "Auditor",
}

user_boards = Table(
    "user_boards",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {tuple(r.value for r in Role)}", name="role"),
        CheckConstraint("role <> 'agency_lead' OR agency_id IS NOT NULL", name="lead_has_agency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # Rotated on sign-out, password change and deactivation: every copy of an old cookie stops working.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    # Two-factor sign-in (TOTP). The last accepted time step stops a code being used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    agency: Mapped[Agency | None] = relationship()
    boards: Mapped[list[Board]] = relationship(secondary=user_boards, order_by="Board.name")

    # Flask-Login's interface, written out rather than inherited so that get_id is explicit.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def board_ids(self) -> set[int]:
        return {board.id for board in self.boards}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class FailedSignIn(Base):
    """One row per failed attempt; counted per account and per address within a time window, so the
    limit holds across every app process that shares the database."""

    __tablename__ = "failed_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Which step failed: "password", or "code" (a one-time or recovery code, after a correct password).
    step: Mapped[str] = mapped_column(String(20), default="password", server_default="password")


class RecoveryCode(Base):
    """A single-use code for signing in without the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


invitation_boards = Table(
    "invitation_boards",
    Base.metadata,
    Column("invitation_id", ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
)


class Invitation(Base):
    """An invitation to join with a role, boards and agency. The link's token is random (256 bits), only
    its SHA-256 is stored, it works once and expires; re-sending revokes the old one."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(f"role IN {tuple(r.value for r in Role)}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    agency: Mapped[Agency | None] = relationship()
    boards: Mapped[list[Board]] = relationship(secondary=invitation_boards, order_by="Board.name")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class PasswordReset(Base):
    """A password reset link: random token, only its hash kept, single use, expiring."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
