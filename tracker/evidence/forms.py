"""The evidence forms: parsing only. The rules (what is required, what is allowed) live in the services."""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectChoice, StringField, SubmitField, TextAreaField

from tracker.evidence.models import EVIDENCE_KINDS
from tracker.text import CleanTextForm
from tracker.widgets import GovDateField

DATE_LABEL = "Date the evidence relates to"


class EvidenceForm(CleanTextForm):
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
    # Shown only after a warning that the evidence seems to hold an NHS number or a date of birth.
    confirm_personal_data = BooleanField(
        "I have checked: these details are needed by the board and cannot be removed or redacted",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save evidence", widget=GovSubmitInput())

    @property
    def uploads(self) -> list:
        return list(self.files.data or [])


class CorrectionForm(EvidenceForm):
    keep_files = BooleanField("Keep the files already attached", default=True, widget=GovCheckboxInput())
    submit = SubmitField("Save correction", widget=GovSubmitInput())
