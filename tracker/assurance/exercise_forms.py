"""Forms of the assurance exercise pages. They parse and check shapes; the rules live in ``exercises.py``."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.assurance.exercises import TEXT_MAX, TITLE_MAX
from tracker.ids import coerce_id
from tracker.text import CleanTextForm
from tracker.widgets import GovDateField

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


def yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def as_yes_no(value: bool | None) -> str | None:
    return {True: "yes", False: "no"}.get(value)


class OpenExerciseForm(CleanTextForm):
    title = StringField(
        "Title",
        description="For example, “Quality assurance of IMR actions, spring 2026”",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter a title for the exercise"),
            Length(max=TITLE_MAX, message=f"Title must be {TITLE_MAX} characters or fewer"),
        ],
    )
    deadline = GovDateField(
        "Deadline for agencies' returns",
        description="For example, 27 3 2026",
        blank_message="Enter the deadline",
        validators=[InputRequired(message="Enter the deadline")],
    )
    agencies = SelectMultipleField(
        "Agencies taking part",
        description="Each agency checks its own actions for this review. Closed actions are left out.",
        coerce=coerce_id,
        choices=[],
        widget=GovCheckboxesInput(),
        validators=[DataRequired(message="Choose at least one agency")],
        invalid_choice_message="Choose agencies from the list",
        invalid_value_message="Choose agencies from the list",
    )
    submit = SubmitField("Open the exercise", widget=GovSubmitInput())


class AnswerForm(CleanTextForm):
    """One action's answer on an agency's worksheet (prefixed by the item, so many fit on one page)."""

    implemented = RadioField(
        "Was this action implemented?",
        choices=YES_NO,
        widget=GovRadioInput(),
        invalid_choice_message="Select whether the action was implemented",
    )
    maintained = RadioField(
        "Has the change been maintained?",
        choices=YES_NO,
        widget=GovRadioInput(),
        invalid_choice_message="Select whether the change has been maintained",
    )
    comment = TextAreaField(
        "Comments",
        description="Needed if the action was not implemented or the change was not maintained",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=TEXT_MAX, message=f"Comments must be {TEXT_MAX} characters or fewer")],
    )
    evidence = SelectMultipleField(
        "Evidence that shows it",
        description="Choose from this action's current evidence",
        coerce=coerce_id,
        choices=[],
        widget=GovCheckboxesInput(),
        invalid_choice_message="Choose evidence from this action's current evidence",
        invalid_value_message="Choose evidence from this action's current evidence",
    )
    submit = SubmitField("Save answer", widget=GovSubmitInput())


class ReturnForm(CleanTextForm):
    statement = TextAreaField(
        "Your agency's statement",
        description="How you checked that the changes were implemented and maintained, and what you found",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter your agency's statement"),
            Length(max=TEXT_MAX, message=f"The statement must be {TEXT_MAX} characters or fewer"),
        ],
    )
    submit = SubmitField("Submit our return", widget=GovSubmitInput())


class DecisionForm(CleanTextForm):
    comment = TextAreaField(
        "Comments",
        description="Needed if you return it: say what the agency should do",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=TEXT_MAX, message=f"Comments must be {TEXT_MAX} characters or fewer")],
    )
    accept = SubmitField("Accept", widget=GovSubmitInput())
    return_item = SubmitField("Return to the agency", widget=GovSubmitInput())

    def validate_return_item(self, field):
        if not (self.accept.data or field.data):
            raise ValidationError("Choose whether to accept the answer or return it")


class CloseForm(CleanTextForm):
    submit = SubmitField("Close the exercise", widget=GovSubmitInput())
