"""A mail server that refuses us (log-in, greeting, sender) is our set-up's fault, not the message's: the mail
waits, uses up none of its attempts, says why, and goes once when the server accepts. A refused recipient
still fails that one message for good."""

from __future__ import annotations

import json
import logging
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from tests.conftest import scratch_database
from tests.people.mail import Inbox
from tests.ports import free_port
from tests.worker import barrier, mail_worker_app, running_worker
from tracker.extensions import db
from tracker.ops.logs import _formatter
from tracker.outbox.models import OutboxMessage
from tracker.outbox.services import enqueue


class Gate(Inbox):
    """An inbox whose log-in and sender checks can be switched from refusing to accepting."""

    def __init__(self):
        super().__init__()
        self.accept_login = False
        self.accept_sender = True
        self.refused_recipients: set[str] = set()

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        return AuthResult(success=self.accept_login, handled=False)  # aiosmtpd answers 535 itself

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if not self.accept_sender:
            return "550 5.7.1 Sender not allowed from this host"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_recipients:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def outbox_app(tmp_path, smtp_port):
    with scratch_database(tmp_path) as url:
        # One attempt allowed: any failure counted against the message would fail it for good.
        app = mail_worker_app(
            tmp_path, url, smtp_port, SMTP_USERNAME="tracker", SMTP_PASSWORD="secret", OUTBOX_MAX_ATTEMPTS=1
        )
        with running_worker(app):
            yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def gate(smtp_port):
    handler = Gate()
    server = Controller(
        handler,
        hostname="127.0.0.1",
        port=smtp_port,
        authenticator=handler.authenticate,
        auth_require_tls=False,  # plain SMTP on loopback: the log-in is offered, and the client uses it
    )
    server.start()
    yield handler
    server.stop()


def _queue(app, *recipients: str) -> None:
    with app.app_context():
        for to in recipients:
            enqueue(db.session, key=f"test:{to}", kind="test", to=to, subject="Hello", body="Hello")
        db.session.commit()


def _rows(app) -> dict[str, OutboxMessage]:
    with app.app_context():
        rows = {m.recipient: m for m in db.session.execute(select(OutboxMessage)).scalars()}
        db.session.expunge_all()
        return rows


def test_a_refused_log_in_is_retried_without_using_up_attempts_then_the_mail_goes_once(outbox_app, gate, caplog):
    app = outbox_app
    caplog.set_level(logging.ERROR, logger="tracker.outbox.sender")
    _queue(app, "a@example.org", "b@example.org")
    assert barrier(app) == 0
    assert barrier(app) == 0  # refused twice, with one attempt allowed
    rows = _rows(app)
    assert {m.status for m in rows.values()} == {"pending"}
    assert {m.attempts for m in rows.values()} == {0}
    assert all(m.server_failures >= 2 for m in rows.values())
    assert all("Mail server set-up" in m.last_error and "535" in m.last_error for m in rows.values())
    told = [r for r in caplog.records if getattr(r, "outbox_problem", None) == "mail_server_setup"]
    assert told and told[-1].smtp_code == 535 and "535" in told[-1].getMessage()
    line = json.loads(_formatter("json").format(told[-1]))  # as LOG_FORMAT=json writes it
    assert line["level"] == "ERROR" and line["outbox_problem"] == "mail_server_setup" and line["smtp_code"] == 535

    gate.accept_login = True
    assert barrier(app) == 2
    assert barrier(app) == 0
    assert sorted(m["to"][0] for m in gate.messages) == ["a@example.org", "b@example.org"]
    assert {m.status for m in _rows(app).values()} == {"sent"}


def test_a_refused_sender_waits_for_the_server_and_a_refused_recipient_fails_for_good(outbox_app, gate):
    app = outbox_app
    gate.accept_login = True
    gate.accept_sender = False
    gate.refused_recipients = {"gone@example.org"}
    _queue(app, "gone@example.org", "here@example.org")
    assert barrier(app) == 0
    rows = _rows(app)
    assert {m.status for m in rows.values()} == {"pending"} and {m.attempts for m in rows.values()} == {0}
    assert "SMTPSenderRefused" in rows["here@example.org"].last_error and "550" in rows["here@example.org"].last_error

    gate.accept_sender = True
    assert barrier(app) == 1
    rows = _rows(app)
    assert rows["here@example.org"].status == "sent"
    assert rows["gone@example.org"].status == "failed" and "No such mailbox" in rows["gone@example.org"].last_error
    assert barrier(app) == 0
    assert [m["to"] for m in gate.messages] == [["here@example.org"]]


@pytest.fixture
def refusing_greeter(smtp_port):
    """A server that answers every connection with a refusal (554) instead of a greeting."""
    listener = socket.create_server(("127.0.0.1", smtp_port))
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.sendall(b"554 5.3.2 Not accepting mail from you\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(5)
    listener.close()


def test_a_refused_greeting_is_not_the_messages_fault(outbox_app, refusing_greeter):
    app = outbox_app
    _queue(app, "c@example.org")
    assert barrier(app) == 0
    assert barrier(app) == 0
    (row,) = _rows(app).values()
    assert row.status == "pending" and row.attempts == 0 and row.server_failures >= 2
    assert "SMTPConnectError" in row.last_error and "554" in row.last_error
