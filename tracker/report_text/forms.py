"""The board's short title for an action (the report's words stay untouched beside it)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length

from tracker.actions.forms import VersionedForm
from tracker.report_text.services import TITLE_MAX


class TitleForm(VersionedForm):
    title = StringField(
        "Short title",
        description="A few words for lists. Leave it empty to use the first sentence of the report's words.",
        widget=GovTextInput(),
        validators=[Length(max=TITLE_MAX, message=f"The title must be {TITLE_MAX} characters or fewer")],
    )
    submit = SubmitField("Save the title", widget=GovSubmitInput())
