"""Today's date, in one place, so that date rules (overdue, re-checks, reminders) can be tested."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime


def today() -> date:
    return date.today()


def now() -> datetime:
    """The current moment in UTC, for rules measured in hours (links that expire)."""
    return datetime.now(UTC)


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Aug + 6 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
