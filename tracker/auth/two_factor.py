"""Two-factor sign-in: time-based one-time codes from an authenticator app (RFC 6238, with pyotp) and
single-use recovery codes, stored only as SHA-256 hashes.

A code is accepted within one 30-second step either side of now, and only once: the step of the last code
accepted is kept, and a code from that step or an earlier one is refused, so a code seen over a shoulder or
in a log cannot be replayed. Wrong codes count against the same per-account limit as wrong passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from tracker import audit, clock
from tracker.auth.models import RecoveryCode, User
from tracker.auth.services import (
    SignInRefused,
    complete_sign_in,
    end_all_sessions,
    ensure_not_throttled,
    record_failure,
)
from tracker.auth.throttle import CODE
from tracker.errors_domain import DomainError, NotPermitted

ISSUER = "Review Action Tracker"
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: easy to copy from paper. 10 characters of 31 is about 50 bits, and each works once.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
WRONG_CODE = "Enter a correct code from your authenticator app. Each code works once: wait for the next one"
WRONG_RECOVERY_CODE = "Enter a correct recovery code that you have not used before"


def is_on(user: User) -> bool:
    return user.totp_enabled_at is not None


# Setting up ------------------------------------------------------------------------------------------------


def pending_secret(session: Session, user: User) -> str:
    """The secret being set up, made on the server the first time it is asked for and kept until it is
    confirmed (so that reloading the page does not change what the person has already scanned)."""
    if is_on(user):
        raise DomainError("Two-factor sign-in is already on for your account")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
        session.flush()
    return user.totp_secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The otpauth:// link as a QR code, an SVG data: URI made here (no network), for an <img>."""
    import segno  # the QR code, drawn only while someone sets up two-factor sign-in

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _matching_step(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret)
    current = totp.timecode(clock.now())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_code(session: Session, user: User, code: str) -> bool:
    """Whether ``code`` is a current code for the user's secret not used before; claims its step if so.

    The step is claimed with one conditional UPDATE, so two requests racing with the same code cannot both
    succeed."""
    code = "".join((code or "").split())
    if not user.totp_secret or len(code) != 6 or not (code.isascii() and code.isdigit()):
        return False
    step = _matching_step(user.totp_secret, code)
    if step is None:
        return False
    claimed = session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    user.totp_last_step = step
    session.flush()
    return True


def _hash_recovery_code(code: str) -> str:
    normal = "".join(ch for ch in (code or "").casefold() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _replace_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(code)) for code in codes)
    session.flush()
    return codes


def turn_on(session: Session, user: User, code: str) -> list[str]:
    """Confirm the pending secret with a code from the app, turn two-factor sign-in on, end the person's
    other sessions, and return the new recovery codes: the only time they exist in plain text."""
    if is_on(user):
        raise DomainError("Two-factor sign-in is already on for your account")
    if not user.totp_secret:
        raise DomainError("Start again: the set-up has expired", field="code")
    if not _accept_code(session, user, code):
        raise DomainError(
            "Enter the code your authenticator app shows now. If it does not work, check the time on your phone",
            field="code",
        )
    user.totp_enabled_at = clock.now()
    codes = _replace_recovery_codes(session, user)
    audit.record(
        session,
        actor=user,
        event="two_factor.turned_on",
        obj_type="user",
        obj_id=user.id,
        summary=f"{user.name} turned on two-factor sign-in",
    )
    end_all_sessions(session, user, "two-factor sign-in turned on")
    return codes


def reset(session: Session, actor: User, user: User) -> None:
    """An administrator clears someone's two-factor sign-in (a lost phone): they set it up again at their next
    sign-in. Ends all of their sessions."""
    if actor.id == user.id:
        raise NotPermitted("Ask another administrator to reset your two-factor sign-in")
    was_on = is_on(user)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(
        session,
        actor=actor,
        event="two_factor.reset",
        obj_type="user",
        obj_id=user.id,
        summary=f"{actor.name} reset the two-factor sign-in of {user.name}",
        before={"two_factor": was_on},
        after={"two_factor": False},
    )
    end_all_sessions(session, user, "two-factor sign-in reset by an administrator")


# Signing in ------------------------------------------------------------------------------------------------


def sign_in_with_code(session: Session, user: User, code: str, ip: str | None, config) -> None:
    """The second step of signing in. SignInRefused when the code is wrong, used or the account throttled."""
    ensure_not_throttled(session, user.email, ip, config, step=CODE)
    if not user.is_active_account or not _accept_code(session, user, code):
        record_failure(session, user.email, ip, user, "sign_in.code_failed", "Wrong two-factor code", step=CODE)
        raise SignInRefused(WRONG_CODE)
    complete_sign_in(session, user, " with a code from their authenticator app", ip=ip)


def remaining_recovery_codes(session: Session, user: User) -> int:
    return session.execute(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def sign_in_with_recovery_code(session: Session, user: User, code: str, ip: str | None, config) -> int:
    """The second step with a recovery code instead of the app: marks the code used and returns how many
    are left. SignInRefused when it is wrong or used, or the account throttled."""
    ensure_not_throttled(session, user.email, ip, config, step=CODE)
    claimed = None
    if user.is_active_account and is_on(user):
        claimed = session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash_recovery_code(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=clock.now())
            .execution_options(synchronize_session=False)
        )
    if claimed is None or claimed.rowcount != 1:
        record_failure(session, user.email, ip, user, "sign_in.recovery_failed", "Wrong recovery code", step=CODE)
        raise SignInRefused(WRONG_RECOVERY_CODE)
    left = remaining_recovery_codes(session, user)
    complete_sign_in(session, user, f" with a recovery code ({left} left)", ip=ip)
    return left


def check_code(session: Session, user: User, code: str, ip: str | None, config) -> bool:
    """For confirming who someone is mid-session: whether the code is right (a wrong one counts as a
    failure against the account)."""
    if _accept_code(session, user, code):
        return True
    record_failure(session, user.email, ip, user, "sign_in.code_failed", "Wrong two-factor code", step=CODE)
    return False
