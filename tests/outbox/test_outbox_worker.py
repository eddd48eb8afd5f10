"""The outbox with the real worker and a real mail server: a change is kept when the mail server is down,
its mail goes once the server is back, and no mail is ever sent twice, however many sweeps run."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.conftest import PASSWORD, scratch_database, sign_in
from tests.people.mail import Inbox
from tests.ports import free_port
from tests.worker import barrier, mail_worker_app, running_worker, worker_app
from tracker.auth.models import Invitation
from tracker.auth.services import create_user
from tracker.extensions import db
from tracker.outbox.models import OutboxMessage
from tracker.outbox.services import enqueue


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def app_with_worker(tmp_path, smtp_port):
    with scratch_database(tmp_path) as url:
        app = mail_worker_app(tmp_path, url, smtp_port)
        with app.app_context():
            create_user(db.session, email="admin@outbox.invalid", name="Admin", role="admin", password=PASSWORD)
            db.session.commit()
        with running_worker(app):
            yield app
        with app.app_context():
            db.engine.dispose()


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())
        db.session.expunge_all()
        return found


def test_mail_server_down_then_up_each_mail_sent_exactly_once(app_with_worker, smtp_port):
    app = app_with_worker
    admin = app.test_client()
    assert sign_in(admin, "admin@outbox.invalid").status_code == 302
    invited = admin.post("/people/invite", data={"email": "new.lead@example.org", "name": "New Lead", "role": "admin"})
    assert invited.status_code == 302  # the invitation is kept although no mail server answers
    assert app.test_client().post("/password/forgotten", data={"email": "admin@outbox.invalid"}).status_code == 200

    barrier(app)
    with app.app_context():
        assert db.session.execute(select(Invitation.email)).scalars().all() == ["new.lead@example.org"]
    waiting = _outbox(app)
    assert [(m.kind, m.status) for m in waiting] == [("invitation", "pending"), ("password_reset", "pending")]
    # A server that cannot be reached is our set-up, not the message: no attempt is used up.
    assert waiting[0].attempts == 0 and waiting[0].server_failures >= 1
    assert "Connection refused" in waiting[0].last_error

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        assert barrier(app) == 2
        assert barrier(app) == 0 and barrier(app) == 0
    finally:
        server.stop()
    assert sorted(m["to"][0] for m in inbox.messages) == ["admin@outbox.invalid", "new.lead@example.org"]
    assert [m.status for m in _outbox(app)] == ["sent", "sent"]
    assert all(m.body == "" for m in _outbox(app))  # one-time links are not kept once sent


def test_two_workers_sweeping_at_once_send_each_mail_once(tmp_path, smtp_port):
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        with scratch_database(tmp_path) as url:
            app = worker_app(tmp_path, url, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMTP_STARTTLS=False)
            with app.app_context():
                for number in range(8):
                    enqueue(
                        db.session,
                        key=f"test:{number}",
                        kind="test",
                        to=f"p{number}@example.org",
                        subject="Hi",
                        body="Hello",
                    )
                enqueue(db.session, key="test:0", kind="test", to="p0@example.org", subject="Hi", body="Again")
                db.session.commit()  # also asks the worker to send, before it runs: it is queued
            with running_worker(app, workers=2), app.app_context():
                from tracker.jobs.queue import tasks

                results = [tasks().send_outbox() for _ in range(4)]
                sent = sum(result.get(blocking=True, timeout=60) for result in results)
                sent += barrier(app)
            with app.app_context():
                db.engine.dispose()
    finally:
        server.stop()
    assert sorted(m["to"][0] for m in inbox.messages) == sorted(f"p{n}@example.org" for n in range(8))
    assert sent <= 8
