"""The worker's daily reminders job runs the same reminders as `flask send-reminders`, and its mail goes through
the outbox: with the real worker, a mail server down then up sends each reminder once."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.reminders.test_send_reminders import TODAY, inbox, plan, tvp_action, user  # noqa: F401 - inbox: fixture
from tracker import clock
from tracker.jobs.queue import tasks


def test_the_daily_job_sends_each_reminder_once(app, users, inbox, monkeypatch):  # noqa: F811
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    plan(tvp_action(), due=TODAY + timedelta(days=7), owner=user(users["agency_lead"]))
    job = tasks().send_reminders
    due_at_six = {task.name for task in tasks().huey.read_periodic(datetime(2026, 3, 2, 6, 0))}
    assert "send_reminders" in due_at_six  # REMINDERS_HOUR 6 (UTC) by default
    assert "send_reminders" not in {task.name for task in tasks().huey.read_periodic(datetime(2026, 3, 2, 7, 0))}

    assert job.call_local() == 0
    assert job.call_local() == 0
    assert [mail["to"] for mail in inbox.take()] == [["lead@test.invalid"]]


def test_with_the_real_worker_a_mail_server_down_then_up_sends_each_reminder_once(tmp_path, monkeypatch):
    """The worker runs the daily job and sends its mail; while no mail server answers, the reminder waits in
    the outbox (recorded once), and once one answers it goes exactly once, however often the job runs."""
    from aiosmtpd.controller import Controller
    from sqlalchemy import select

    from tests.conftest import SEEDS_DIR, scratch_database
    from tests.people.mail import Inbox
    from tests.ports import free_port
    from tests.worker import barrier, mail_worker_app, running_worker
    from tracker.auth.services import create_user
    from tracker.extensions import db
    from tracker.outbox.models import OutboxMessage
    from tracker.seeding.loader import load_seeds

    monkeypatch.setattr(clock, "today", lambda: TODAY)
    smtp_port = free_port()
    with scratch_database(tmp_path) as url:
        app = mail_worker_app(tmp_path, url, smtp_port)
        with app.app_context():
            load_seeds(db.session, SEEDS_DIR)
            lead = create_user(
                db.session,
                email="lead@test.invalid",
                name="Lead",
                role="agency_lead",
                password="correct horse battery staple",
                agency_key="thames-valley-police",
            )
            db.session.commit()
            plan(tvp_action(), due=TODAY + timedelta(days=7), owner=lead)
            db.session.remove()
        with running_worker(app), app.app_context():
            tasks().send_reminders()  # a periodic task: huey keeps no result, the barriers wait for it
            # The reminders' commit queues a sweep of its own, which may land behind the first barrier; it was
            # queued while the reminders ran, so before the second barrier: after that no sweep is mid-send.
            barrier(app)
            barrier(app)
            [(status, tried)] = db.session.execute(select(OutboxMessage.status, OutboxMessage.server_failures)).all()
            assert status == "pending" and tried >= 1  # tried, and waiting for the server to come back
            db.session.remove()

            inbox = Inbox()
            server = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
            server.start()
            try:
                barrier(app)
                tasks().send_reminders()
                barrier(app)
                barrier(app)
            finally:
                server.stop()
            assert [m["to"] for m in inbox.messages] == [["lead@test.invalid"]]
            assert db.session.execute(select(OutboxMessage.status)).scalars().all() == ["sent"]
            db.session.remove()
            db.engine.dispose()
