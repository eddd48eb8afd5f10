"""The import form: parsing only. What makes a file acceptable lives in the reader and the checks."""

from __future__ import annotations

from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField

from tracker.text import CleanTextForm


class ImportPlanForm(CleanTextForm):
    file = FileField("Upload the plan", widget=GovFileInput())
    submit = SubmitField("Import the plan", widget=GovSubmitInput())
    check = SubmitField("Check the file without importing", widget=GovSubmitInput())
