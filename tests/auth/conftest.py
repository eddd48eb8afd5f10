"""Fixtures of the sign-in security tests: a clock the test moves, accounts with two-factor sign-in on, and a
real mail server (aiosmtpd on 127.0.0.1) for password reset e-mails."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pyotp
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tracker import clock
from tracker.auth import two_factor
from tracker.auth.models import User
from tracker.extensions import db

BASE_URL = "https://tracker.example.org"


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


class Clock:
    """tracker.clock.now, held still until the test moves it."""

    def __init__(self):
        self.moment = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.moment

    def move(self, **delta) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


@pytest.fixture
def frozen(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(clock, "now", fake)
    return fake


def code_at(secret: str, moment: datetime, steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(moment) + steps)


def turn_on_two_factor(email: str) -> tuple[str, list[str]]:
    """Two-factor sign-in on for the account, through the services: its secret and recovery codes."""
    person = user(email)
    secret = two_factor.pending_secret(db.session, person)
    codes = two_factor.turn_on(db.session, person, code_at(secret, clock.now()))
    db.session.commit()
    return secret, codes


class Inbox:
    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(
            {"to": list(envelope.rcpt_tos), "subject": message["Subject"], "body": message.get_content()}
        )
        return "250 Message accepted for delivery"

    def reset_link(self, to: str) -> str:
        bodies = [m["body"] for m in self.messages if to in m["to"]]
        assert bodies, f"no message to {to}"
        return re.search(r"https://\S+/password/reset/\S+", bodies[-1]).group(0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app, monkeypatch):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": controller.port,
        "SMTP_STARTTLS": False,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "BASE_URL": BASE_URL,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    yield handler
    controller.stop()
