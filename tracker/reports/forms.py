"""The "as at" date of a report: GOV.UK day, month and year boxes, or a quick link's ``?as_at=YYYY-MM-DD``.

A GET form (it changes nothing), so it has no CSRF token.
"""

from __future__ import annotations

from datetime import date, timedelta

from werkzeug.datastructures import MultiDict
from wtforms import Form, ValidationError

from tracker import clock
from tracker.widgets import GovDateField


class AsAtForm(Form):
    as_at = GovDateField(
        "Show the report as it stood at the end of",
        description="For example, the day of the last board meeting: 31 3 2026",
    )

    def validate_as_at(self, field) -> None:
        if field.data and field.data > clock.today():
            raise ValidationError("The date must be today or in the past")


def as_at_form(args: MultiDict) -> AsAtForm:
    """The form read from the query string; a single ISO date (a quick link) fills the three boxes."""
    values = args.getlist("as_at")
    if len(values) == 1:
        try:
            day = date.fromisoformat(values[0])
        except ValueError:
            pass
        else:
            values = [str(day.day), str(day.month), str(day.year)]
    form = AsAtForm(MultiDict([("as_at", v) for v in values]) if values else None)
    if values:
        form.validate()
    return form


def quick_dates(today: date) -> list[tuple[str, date]]:
    """Dates a chair often reports at: the end of last month, of the last quarter, of the last financial year."""
    month_end = today.replace(day=1) - timedelta(days=1)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    year_end = date(today.year if today.month > 3 else today.year - 1, 3, 31)
    return [
        ("End of last month", month_end),
        ("End of last quarter", quarter_start - timedelta(days=1)),
        ("End of last financial year", year_end),
    ]
