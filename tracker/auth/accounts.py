"""A person's own account: changing the password, resetting a forgotten one by e-mail, and confirming who
they are before a sensitive step.

Reset links carry a random 256-bit token; only its SHA-256 is stored. A link works once, for
``PASSWORD_RESET_MINUTES`` (an hour), and asking again replaces the earlier link. Setting a new password
ends every session of the account and never signs anyone in: the person then signs in as usual, with their
second factor when it is on.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tracker import audit, clock
from tracker.auth import two_factor
from tracker.auth.models import PasswordReset, User
from tracker.auth.passwords import hash_password, password_problem, personal_words, verify_password
from tracker.auth.services import (
    end_all_sessions,
    ensure_not_throttled,
    normalise_email,
    record_failure,
)
from tracker.errors_domain import DomainError

# At most this many reset links an hour for one account, so the form cannot be used to flood someone's inbox.
MAX_RESETS_PER_HOUR = 3


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _set_password(session: Session, user: User, new_password: str) -> None:
    problem = password_problem(new_password, context_words=personal_words(user.name, user.email))
    if problem:
        raise DomainError(problem, field="new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = clock.now()


# Confirming who someone is ---------------------------------------------------------------------------------


def confirm_identity(session: Session, user: User, password: str, code: str | None, ip: str | None, config) -> None:
    """The password (and the two-factor code, when it is on) of the signed-in person, again. DomainError with
    the field at fault; SignInRefused when throttled. Failures count like failed sign-ins."""
    ensure_not_throttled(session, user.email, ip, config)
    if not verify_password(user.password_hash, password or ""):
        record_failure(session, user.email, ip, user, "sign_in.confirm_failed", "Wrong password when confirming")
        raise DomainError("Enter your correct password", field="password")
    if two_factor.is_on(user) and not two_factor.check_code(session, user, code or "", ip, config):
        raise DomainError(two_factor.WRONG_CODE, field="code")
    audit.record(
        session,
        actor=user,
        event="sign_in.confirmed",
        obj_type="user",
        obj_id=user.id,
        summary=f"{user.name} confirmed their identity",
    )


# Changing a password ---------------------------------------------------------------------------------------


def change_password(
    session: Session, user: User, current_password: str, new_password: str, ip: str | None, config
) -> None:
    """Change the password of the signed-in person, who proves the current one. Ends all their sessions (the
    view keeps the one they are using)."""
    ensure_not_throttled(session, user.email, ip, config)
    if not verify_password(user.password_hash, current_password or ""):
        record_failure(session, user.email, ip, user, "password.change_failed", "Wrong current password")
        raise DomainError("Enter your current password correctly", field="current_password")
    if verify_password(user.password_hash, new_password or ""):
        raise DomainError("Enter a new password that is different from your current one", field="new_password")
    _set_password(session, user, new_password)
    audit.record(
        session,
        actor=user,
        event="password.changed",
        obj_type="user",
        obj_id=user.id,
        summary=f"{user.name} changed their password",
    )
    end_all_sessions(session, user, "password changed")


# Resetting a forgotten password ----------------------------------------------------------------------------


def request_reset(session: Session, email: str, config) -> tuple[User, str] | None:
    """A new reset link's token for the active account with this address, or None (no such account, or too
    many links asked for this hour). The caller says the same thing either way."""
    email = normalise_email(email)
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.is_active_account:
        return None
    now = clock.now()
    recent = session.execute(
        select(func.count())
        .select_from(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.created_at >= now - timedelta(hours=1))
    ).scalar_one()
    if recent >= MAX_RESETS_PER_HOUR:
        audit.record(
            session,
            actor=None,
            event="password.reset_refused",
            obj_type="user",
            obj_id=user.id,
            summary=f"Too many reset links asked for {user.email}",
        )
        return None
    _close_open_links(session, user, now)
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(minutes=int(config["PASSWORD_RESET_MINUTES"])),
        )
    )
    audit.record(
        session,
        actor=None,
        event="password.reset_requested",
        obj_type="user",
        obj_id=user.id,
        summary=f"A password reset link was sent to {user.email}",
    )
    return user, token


def _close_open_links(session: Session, user: User, now) -> None:
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def open_reset(session: Session, hashed: str) -> PasswordReset | None:
    """The reset with this token hash, if it is unused, unexpired and its account still active."""
    reset = session.execute(
        select(PasswordReset).where(
            PasswordReset.token_hash == hashed,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > clock.now(),
        )
    ).scalar_one_or_none()
    if reset is None:
        return None
    user = session.get(User, reset.user_id)
    return reset if user is not None and user.is_active_account else None


def reset_password(session: Session, hashed: str, new_password: str) -> User:
    """Set a new password through a reset link, which is then used up. Ends every session of the account;
    signs no one in."""
    reset = open_reset(session, hashed)
    if reset is None:
        raise DomainError("This link has expired or has already been used")
    user = session.get(User, reset.user_id)
    _set_password(session, user, new_password)
    now = clock.now()
    used = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise DomainError("This link has expired or has already been used")
    _close_open_links(session, user, now)
    audit.record(
        session,
        actor=user,
        event="password.reset",
        obj_type="user",
        obj_id=user.id,
        summary=f"{user.name} set a new password with a reset link",
    )
    end_all_sessions(session, user, "password reset")
    return user
