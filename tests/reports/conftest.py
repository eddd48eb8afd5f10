"""A small board whose every figure is known: three reviews sharing themes, seven actions in every state."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.reports.helpers import POLICE, SOCIAL_CARE, new_plan
from tracker import clock

TODAY = date(2026, 6, 15)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def plan(app, today):
    plan = new_plan()
    a = plan.review("report-test-a", [["information-sharing", "supervision"], ["neglect"], []])
    b = plan.review("report-test-b", [["information-sharing"], ["neglect", "supervision"]])
    c = plan.review("report-test-c", [["information-sharing"]])
    days = lambda n: today + timedelta(days=n)  # noqa: E731
    acts = {
        "A1": plan.action(a.recommendations[0], POLICE, due=days(-10)),
        "A2": plan.action(a.recommendations[0], SOCIAL_CARE, due=days(10)),
        "A3": plan.action(a.recommendations[1], POLICE, due=days(60)),
        "A4": plan.action(a.recommendations[1], SOCIAL_CARE, due=days(45)),
        "B1": plan.action(b.recommendations[0], POLICE, due=days(-3)),
        "B2": plan.action(b.recommendations[1], SOCIAL_CARE, due=days(-100)),
        "C1": plan.action(c.recommendations[0], POLICE, due=None, owner=False),
    }
    plan.start(acts["A2"])
    plan.assure(acts["A3"], recheck_due=days(5))
    plan.return_(acts["A4"], "Add the audit results")
    plan.submit(acts["B1"])
    plan.close(acts["B2"])
    plan.acts = acts
    return plan
