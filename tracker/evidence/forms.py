"""The evidence forms: parsing only. The rules (what is required, what is allowed) live in the services."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, Field, RadioField, SelectChoice, StringField, SubmitField, TextAreaField

from tracker.evidence.models import EVIDENCE_KINDS

DATE_LABEL = "Date the evidence relates to"


class GovDateField(Field):
    """Day, month and year boxes (the GOV.UK date input) read into a ``date``, with GOV.UK error words."""

    widget = GovDateInput()

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        parts = [str(value).strip() for value in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if missing:
            raise ValueError(f"{DATE_LABEL} must include a {' and a '.join(missing)}")
        if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
            raise ValueError(f"{DATE_LABEL} must be a real date, like 27 3 2024")
        try:
            self.data = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise ValueError(f"{DATE_LABEL} must be a real date, like 27 3 2024") from None


class EvidenceForm(FlaskForm):
    kind = RadioField(
        "What kind of evidence is this?",
        choices=[SelectChoice(value, label) for value, label in EVIDENCE_KINDS.items()],
        description="Add what was done and what changed for children as separate pieces of evidence",
        validate_choice=False,
        widget=GovRadioInput(),
    )
    title = StringField(
        "Title",
        description="For example, “Training records for the new strategy meeting protocol”",
        widget=GovTextInput(),
    )
    narrative = TextAreaField(
        "Description",
        description="What was done or what changed, and how you know",
        widget=GovTextArea(),
    )
    link = StringField(
        "Link (optional)",
        description="Where the board can see it, starting with https://",
        widget=GovTextInput(),
    )
    relates_to = GovDateField(
        DATE_LABEL,
        description="The date of the audit, training, survey or data, not today's date. For example, 27 3 2024",
    )
    files = MultipleFileField("Upload files (optional)", widget=GovFileInput(multiple=True))
    submit = SubmitField("Save evidence", widget=GovSubmitInput())

    @property
    def uploads(self) -> list:
        return list(self.files.data or [])


class CorrectionForm(EvidenceForm):
    keep_files = BooleanField("Keep the files already attached", default=True, widget=GovCheckboxInput())
    submit = SubmitField("Save correction", widget=GovSubmitInput())
