"""Sign-in, sign-out and account creation: the rules, shared by the views and the CLI."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import audit
from tracker.auth import throttle
from tracker.auth.models import Role, User, new_session_token
from tracker.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from tracker.db import utcnow
from tracker.orgs.models import Agency, Board

GENERIC_FAILURE = "Enter a correct email address and password"
THROTTLED = throttle.THROTTLED


class SignInRefused(Exception):
    def __init__(self, message: str, throttled: bool = False):
        super().__init__(message)
        self.message = message
        self.throttled = throttled


class AccountError(ValueError):
    """An account that cannot be created as asked, with the reason in words."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def ensure_not_throttled(session: Session, email: str, ip: str | None, config, *, step: str = throttle.PASSWORD):
    """SignInRefused (throttled) while this address may not try this account (see ``throttle``)."""
    try:
        return throttle.ensure_open(session, email, ip, config, step=step)
    except throttle.Throttled:
        raise SignInRefused(THROTTLED, throttled=True) from None


def record_failure(
    session: Session,
    email: str,
    ip: str | None,
    user: User | None,
    event: str,
    what: str,
    *,
    step: str = throttle.PASSWORD,
) -> None:
    """Count one failed attempt against the account and the address, and put it in the history."""
    throttle.record_failure(session, email, ip, step=step)
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
    kept until the second step, which calls ``complete_sign_in``. While the account is under attack and
    this address has failed against it, a correct password is held (answered like a wrong one) unless the
    second factor follows (``throttle``)."""
    email = normalise_email(email)
    gate = ensure_not_throttled(session, email, ip, config)

    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active_account:
        record_failure(session, email, ip, user, "sign_in.failed", "Failed sign-in")
        raise SignInRefused(GENERIC_FAILURE)
    if gate is throttle.Gate.SECOND_FACTOR_ONLY and user.totp_enabled_at is None:
        audit.record(
            session,
            actor=None,
            event="sign_in.held",
            obj_type="user",
            obj_id=user.id,
            summary=f"Sign-in held for {email[:200]}: the account is under attack and this address has failed",
        )
        raise SignInRefused(GENERIC_FAILURE)

    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.totp_enabled_at is None:
        complete_sign_in(session, user, ip=ip)
    return user


def complete_sign_in(session: Session, user: User, how: str = "", ip: str | None = None) -> None:
    """Every factor has been checked: forget this address's failures, note the time, record the sign-in."""
    throttle.forget_failures(session, user.email, ip)
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
