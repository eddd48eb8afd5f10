"""`flask outbox` shows what waits; `flask outbox send` sends what is due; retries wait longer each time."""

from __future__ import annotations

from datetime import timedelta

from tests.people.mail import free_port, mail_settings, start_server
from tracker.extensions import db
from tracker.outbox.models import OutboxMessage
from tracker.outbox.sender import next_wait
from tracker.outbox.services import enqueue


def test_show_then_send(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens: the mail waits
    message = enqueue(db.session, key="cli:1", kind="test", to="someone@example.org", subject="Hello", body="Hi")
    db.session.commit()
    shown = app.test_cli_runner().invoke(args=["outbox"])
    assert shown.exit_code == 0, shown.output
    assert "1 pending, 0 sending, 0 sent, 0 failed" in shown.output
    # Nothing listening is the mail server's set-up, not the message: no attempt used, and the reason shown.
    listed = f"#{message.id} pending test to someone@example.org, 0 attempt(s), held back 1 time(s) by the mail server"
    assert listed in shown.output and "Mail server set-up: ConnectionRefusedError" in shown.output

    inbox, server = start_server()
    try:
        for name, value in mail_settings(server.port, "https://tracker.example.org").items():
            monkeypatch.setitem(app.config, name, value)
        message.next_attempt_at = message.created_at  # due now
        db.session.commit()
        sent = app.test_cli_runner().invoke(args=["outbox", "send"])
        assert sent.exit_code == 0 and "1 sent" in sent.output
        assert app.test_cli_runner().invoke(args=["outbox", "send"]).output.strip() == "0 sent"
    finally:
        server.stop()
    assert [m["to"] for m in inbox.messages] == [["someone@example.org"]]


def test_the_same_idempotency_key_is_one_message(app):
    first = enqueue(db.session, key="cli:same", kind="test", to="a@example.org", subject="S", body="B")
    again = enqueue(db.session, key="cli:same", kind="test", to="a@example.org", subject="S", body="B")
    assert first is again
    assert db.session.query(OutboxMessage).filter_by(idempotency_key="cli:same").count() == 1


def test_each_retry_waits_twice_as_long_up_to_six_hours(app):
    config = {"OUTBOX_RETRY_SECONDS": 60}
    assert [next_wait(config, n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert next_wait(config, 30) == timedelta(hours=6)
