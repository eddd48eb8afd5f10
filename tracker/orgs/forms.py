"""Forms of the boards and agencies pages. They check shapes; the rules live in ``services.py``."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from tracker.ids import coerce_id, parse_id
from tracker.orgs.services import NAME_MAX, SECTOR_MAX
from tracker.text import CleanTextForm


def _name(label: str, message: str) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=message),
            Length(max=NAME_MAX, message=f"The name must be {NAME_MAX} characters or fewer"),
        ],
    )


class BoardForm(CleanTextForm):
    name = _name("Name of the board or partnership", "Enter the board's name")
    submit = SubmitField("Save", widget=GovSubmitInput())


class AgencyForm(CleanTextForm):
    name = _name("Name of the agency", "Enter the agency's name")
    sector = StringField(
        "Sector",
        description="For example, Police, Health or Children's social care",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=SECTOR_MAX, message=f"The sector must be {SECTOR_MAX} characters or fewer")],
    )
    boards = SelectMultipleField(
        "Boards it serves",
        description="Its agency leads see these boards' reviews.",
        coerce=coerce_id,
        choices=[],
        widget=GovCheckboxesInput(),
        invalid_choice_message="Choose boards from the list",
        invalid_value_message="Choose boards from the list",
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class MergeForm(CleanTextForm):
    kept = SelectField(
        "The agency record to keep",
        description="The same organisation, recorded twice. Everything recorded against this record moves to it.",
        widget=GovSelect(),
        choices=[],
        validate_choice=False,
        validators=[InputRequired(message="Choose the agency record to keep")],
    )
    submit = SubmitField("Merge the records", widget=GovSubmitInput())

    def kept_id(self) -> int | None:
        return parse_id(self.kept.data or "")

    def validate_kept(self, field):
        if parse_id(field.data or "") is None:
            raise ValidationError("Choose the agency record to keep")
