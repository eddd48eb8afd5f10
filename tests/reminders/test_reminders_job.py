"""The worker's daily reminders job runs the same reminders as `flask send-reminders`."""

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
