"""Form fields shared by every feature."""

from __future__ import annotations

from datetime import date

from wtforms import Field

from tracker.govuk_widgets import GovDateInput


class GovDateField(Field):
    """GOV.UK's day, month and year boxes read into a ``date``, with GOV.UK's error words.

    Tolerates a request that sent fewer than three parts (a hand-made request, a form where the date was
    left out): blank means no date; the field's validators decide whether one is needed."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, blank_message: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.blank_message = blank_message

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        parts = [str(value).strip() for value in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        name = self.label.text
        if not any(parts):
            if self.blank_message:
                raise ValueError(self.blank_message)
            return
        missing = [part for part, value in zip(("day", "month", "year"), parts, strict=True) if not value]
        if missing:
            raise ValueError(f"{name} must include a {' and a '.join(missing)}")
        if not all(part.isascii() and part.isdigit() and len(part) <= 4 for part in parts) or len(parts[2]) != 4:
            raise ValueError(f"{name} must be a real date, like 27 3 2027")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValueError(f"{name} must be a real date, like 27 3 2027") from None
