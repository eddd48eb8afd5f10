"""Sign-in, sign-out and account creation: the rules, shared by the views and the CLI."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tracker import audit
from tracker.auth.models import FailedSignIn, Role, User, new_session_token
from tracker.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from tracker.db import utcnow
from tracker.orgs.models import Agency, Board

GENERIC_FAILURE = "Enter a correct email address and password"
THROTTLED = "Too many attempts to sign in. Wait a few minutes, then try again"


class SignInRefused(Exception):
    def __init__(self, message: str, throttled: bool = False):
        super().__init__(message)
        self.message = message
        self.throttled = throttled


class AccountError(ValueError):
    """An account that cannot be created as asked, with the reason in words."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _recent_failures(session: Session, since: datetime, *, email: str | None = None, ip: str | None = None) -> int:
    query = select(func.count()).select_from(FailedSignIn).where(FailedSignIn.at >= since)
    if email is not None:
        query = query.where(FailedSignIn.email == email)
    if ip is not None:
        query = query.where(FailedSignIn.ip_address == ip)
    return session.execute(query).scalar_one()


def ensure_not_throttled(session: Session, email: str, ip: str | None, config) -> None:
    """SignInRefused (throttled) while the account, or the address the request comes from, has had too many
    failures in the window. Passwords, one-time codes and recovery codes all count against the same limit."""
    since = utcnow() - config["LOGIN_FAILURE_WINDOW"]
    if _recent_failures(session, since, email=email) >= config["LOGIN_MAX_FAILURES"] or (
        ip and _recent_failures(session, since, ip=ip) >= config["LOGIN_MAX_FAILURES_PER_IP"]
    ):
        audit.record(
            session,
            actor=None,
            event="sign_in.throttled",
            obj_type="user",
            obj_id=None,
            summary=f"Sign-in refused while throttled for {email[:200]}",
        )
        raise SignInRefused(THROTTLED, throttled=True)


def record_failure(session: Session, email: str, ip: str | None, user: User | None, event: str, what: str) -> None:
    """Count one failed attempt against the account and the address, and put it in the history."""
    session.add(FailedSignIn(email=email, ip_address=ip))
    audit.record(
        session,
        actor=None,
        event=event,
        obj_type="user",
        obj_id=user.id if user else None,
        summary=f"{what} for {email[:200]}",
    )


def authenticate(session: Session, email: str, password: str, ip: str | None, config) -> User:
    """The user these credentials belong to, or SignInRefused with a message that never tells an
    unknown address from a wrong password.

    For an account with two-factor sign-in on, the password alone does not sign in: the failure count is
    kept until the second step, which calls ``complete_sign_in``."""
    email = normalise_email(email)
    ensure_not_throttled(session, email, ip, config)

    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active_account:
        record_failure(session, email, ip, user, "sign_in.failed", "Failed sign-in")
        raise SignInRefused(GENERIC_FAILURE)

    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.totp_enabled_at is None:
        complete_sign_in(session, user)
    return user


def complete_sign_in(session: Session, user: User, how: str = "") -> None:
    """Every factor has been checked: forget the failures, note the time and put the sign-in in the history."""
    session.execute(delete(FailedSignIn).where(FailedSignIn.email == user.email))
    user.last_sign_in_at = utcnow()
    audit.record(
        session,
        actor=user,
        event="sign_in.succeeded",
        obj_type="user",
        obj_id=user.id,
        summary=f"{user.name} signed in{how}",
    )


def end_all_sessions(session: Session, user: User, reason: str) -> None:
    """Rotate the token the session cookie carries: every copy of every old cookie stops working."""
    user.session_token = new_session_token()
    audit.record(
        session,
        actor=user,
        event="sign_in.ended",
        obj_type="user",
        obj_id=user.id,
        summary=f"Sessions of {user.name} ended: {reason}",
    )


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    board_keys: list[str] = (),
    agency_key: str | None = None,
    actor=None,
) -> User:
    email = normalise_email(email)
    if not email or "@" not in email:
        raise AccountError("Enter an email address in the correct format, like name@example.org")
    if not name.strip():
        raise AccountError("Enter the person's name")
    try:
        role_enum = Role(role)
    except ValueError:
        raise AccountError(f"Role must be one of: {', '.join(r.value for r in Role)}") from None
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    if session.execute(select(User.id).where(User.email == email)).first():
        raise AccountError(f"An account for {email} already exists")
    boards = []
    for key in board_keys:
        board = session.execute(select(Board).where(Board.key == key)).scalar_one_or_none()
        if board is None:
            raise AccountError(f"There is no board with the key '{key}'")
        boards.append(board)
    agency = None
    if agency_key:
        agency = session.execute(select(Agency).where(Agency.key == agency_key)).scalar_one_or_none()
        if agency is None:
            raise AccountError(f"There is no agency with the key '{agency_key}'")
    if role_enum == Role.AGENCY_LEAD and agency is None:
        raise AccountError("An agency lead must belong to an agency")
    if role_enum in (Role.BOARD_MEMBER, Role.AUDITOR) and not boards:
        raise AccountError("A board member or auditor must belong to at least one board")

    user = User(
        email=email,
        name=name.strip(),
        role=role_enum.value,
        password_hash=hash_password(password),
        agency=agency,
        boards=boards,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        event="user.created",
        obj_type="user",
        obj_id=user.id,
        summary=f"Account created for {user.name} as {role_enum.label}",
        after={"email": email, "role": role_enum.value, "boards": list(board_keys), "agency": agency_key},
    )
    return user
