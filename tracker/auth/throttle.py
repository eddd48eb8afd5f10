"""Sign-in throttling that slows an attacker down without letting them lock a named person out.

Every failed step (a wrong password, one-time code or recovery code) is a row in ``failed_sign_ins``, in the
database, so every app process counts the same failures. Three counts are kept within the window
(``LOGIN_FAILURE_WINDOW``), each against the real client address (ProxyFix, see ``TRUSTED_PROXY_COUNT``):

1. **source and account** (``LOGIN_MAX_FAILURES``, 10): past it, this address may not try this account again
   until the window passes. This is the limit an attacker guessing one person's password meets.
2. **source** (``LOGIN_MAX_FAILURES_PER_IP``, 50): past it, this address may not try any account (password
   spraying: one wrong password for each of many people).
3. **account** (``LOGIN_MAX_FAILURES_PER_ACCOUNT``, 10, over all addresses): past it, the account is "under
   attack". A *password alone* no longer signs in from an address that has failed against it; the person
   still signs in with a valid second factor from anywhere, and with the password alone from any address
   that has not failed. An attacker spread over many addresses gets one guess per new address, and cannot
   shut the person out.

The decision is made before the password is checked and never depends on whether it is right, so the
answers give no hint: a held correct password gets exactly the answer of a wrong one. One-time and recovery
codes, tried only after a correct password, are also limited per account (``LOGIN_MAX_CODE_FAILURES``) over
all addresses: six digits would fall to a spread-out guesser otherwise, and whoever meets that limit already
knows the password. A successful sign-in forgets only the failures from its own address.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tracker import audit
from tracker.auth.models import FailedSignIn
from tracker.db import utcnow

THROTTLED = "Too many attempts to sign in. Wait a few minutes, then try again"
PASSWORD, CODE = "password", "code"


class Gate(enum.Enum):
    OPEN = "open"
    SECOND_FACTOR_ONLY = "second factor only"  # the account is under attack and this address has failed
    CLOSED = "closed"


class Throttled(Exception):
    """Raised by ``ensure_open``; the sign-in views answer 429 with THROTTLED."""


def _count(session: Session, since: datetime, **where) -> int:
    query = select(func.count()).select_from(FailedSignIn).where(FailedSignIn.at >= since)
    for column, value in where.items():
        query = query.where(getattr(FailedSignIn, column) == value)
    return session.execute(query).scalar_one()


def gate(session: Session, email: str, ip: str | None, config, *, step: str = PASSWORD) -> Gate:
    """May a ``step`` (password or code) for ``email`` be tried from ``ip`` now?"""
    since = utcnow() - config["LOGIN_FAILURE_WINDOW"]
    if ip and _count(session, since, ip_address=ip) >= config["LOGIN_MAX_FAILURES_PER_IP"]:
        return Gate.CLOSED
    pair = _count(session, since, email=email, ip_address=ip) if ip else _count(session, since, email=email)
    if pair >= config["LOGIN_MAX_FAILURES"]:
        return Gate.CLOSED
    if step == CODE:
        codes = _count(session, since, email=email, step=CODE)
        return Gate.CLOSED if codes >= config.get("LOGIN_MAX_CODE_FAILURES", 10) else Gate.OPEN
    account = _count(session, since, email=email)
    if pair and account >= config.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", config["LOGIN_MAX_FAILURES"]):
        return Gate.SECOND_FACTOR_ONLY
    return Gate.OPEN


def ensure_open(session: Session, email: str, ip: str | None, config, *, step: str = PASSWORD) -> Gate:
    """The gate, or Throttled (with the refusal in the history) when it is closed."""
    found = gate(session, email, ip, config, step=step)
    if found is Gate.CLOSED:
        audit.record(
            session,
            actor=None,
            event="sign_in.throttled",
            obj_type="user",
            obj_id=None,
            summary=f"Sign-in refused while throttled for {email[:200]}",
        )
        raise Throttled()
    return found


def record_failure(session: Session, email: str, ip: str | None, *, step: str = PASSWORD) -> None:
    session.add(FailedSignIn(email=email, ip_address=ip, step=step))


def forget_failures(session: Session, email: str, ip: str | None) -> None:
    """After a full sign-in: the person's own mistypes from this address are forgiven, nobody else's."""
    query = delete(FailedSignIn).where(FailedSignIn.email == email)
    if ip:
        query = query.where(FailedSignIn.ip_address == ip)
    session.execute(query)
