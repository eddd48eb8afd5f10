"""The "Add a review" forms: parsing only; the checks on the report and the proposals are in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

REVIEW_TYPES = (
    "Child Safeguarding Practice Review",
    "Serious Case Review",
    "Safeguarding Adults Review",
    "Domestic Homicide Review",
)


class UploadForm(FlaskForm):
    report = FileField("The published report", widget=GovFileInput())
    title = StringField(
        "Title of the review",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the title of the review"), Length(max=300)],
    )
    child = StringField(
        "The child's or adult's pseudonym",
        description="As the report gives it, for example Child T",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the pseudonym the report uses"), Length(max=100)],
    )
    boards = SelectMultipleField(
        "Boards or partnerships",
        choices=[],
        widget=GovCheckboxesInput(),
        validators=[DataRequired(message="Choose the board or boards the review is for")],
        invalid_choice_message="Choose boards from the list",
        invalid_value_message="Choose boards from the list",
    )
    review_type = StringField(
        "Type of review",
        description="For example: " + ", ".join(REVIEW_TYPES),
        default=REVIEW_TYPES[0],
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the type of review"), Length(max=100)],
    )
    incident_year = IntegerField(
        "Year of the incident",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the year of the incident, for example 2023"),
            NumberRange(min=1950, max=2100, message="Enter a year between 1950 and 2100"),
        ],
    )
    report_date = StringField(
        "Date the report was published (optional)",
        description="As YYYY-MM-DD, for example 2024-03-27",
        widget=GovTextInput(),
        validators=[Optional(), Regexp(r"^\d{4}-\d{2}-\d{2}$", message="Enter the date as YYYY-MM-DD")],
    )
    author = StringField("Author (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    ref = StringField(
        "Short reference (optional)",
        description="Lower-case letters, digits and hyphens; made from the title if left empty",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Regexp(r"^[a-z0-9-]{2,64}$", message="Use 2 to 64 lower-case letters, digits or hyphens"),
        ],
    )
    submit = SubmitField("Read the report", widget=GovSubmitInput())


class AddFromTextForm(FlaskForm):
    text = TextAreaField(
        "Text from the report",
        description="Select the passage in the report (it is copied here) or paste it",
        widget=GovTextArea(),
        validators=[InputRequired(message="Select or paste the passage from the report"), Length(max=5000)],
    )
    ref = StringField(
        "Reference (for a recommendation)", widget=GovTextInput(), validators=[Optional(), Length(max=32)]
    )
    submit = SubmitField("Add it", widget=GovSubmitInput())
