"""Forms for planning and moving an action. Each carries the version it was loaded at (optimistic locking)."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from tracker.govuk_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from tracker.reviews.models import RESPONSES
from tracker.text import CleanTextForm
from tracker.widgets import GovDateField


class VersionedForm(CleanTextForm):
    version = HiddenField()


OWNER_HINT = "One of the agency's leads. If nobody is listed, the agency needs a lead account first."


class PlanForm(VersionedForm):
    owner = SelectField("Owner", widget=GovSelect(), coerce=str, validate_choice=False, description=OWNER_HINT)
    due_date = GovDateField(
        "Due date",
        description="For example, 31 3 2027",
    )
    due_date_reason = TextAreaField(
        "Reason for changing the due date",
        widget=GovTextArea(),
        validators=[Length(max=2000)],
        description="Needed when a due date is already set. The original date is kept.",
    )
    success_measure = TextAreaField(
        "How success will be measured", widget=GovCharacterCount(), validators=[Length(max=4000)]
    )
    submit = SubmitField("Save the plan", widget=GovSubmitInput())


class ReassignForm(VersionedForm):
    owner = SelectField("Owner", widget=GovSelect(), coerce=str, validate_choice=False)
    submit = SubmitField("Reassign", widget=GovSubmitInput())


class StatusForm(VersionedForm):
    status = HiddenField()
    reason = TextAreaField("Reason", widget=GovTextArea(), validators=[Length(max=4000)])


class SubmitForAssuranceForm(VersionedForm):
    statement = TextAreaField(
        "Statement for the reviewer",
        widget=GovCharacterCount(),
        validators=[Length(max=4000)],
        description="What was done, and how the evidence shows it.",
    )
    submit = SubmitField("Submit for assurance", widget=GovSubmitInput())


class DecisionForm(VersionedForm):
    decision = RadioField(
        "Your decision",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("accept", "Accept: the evidence shows it"),
            SelectChoice("return", "Return it to the agency, with reasons"),
        ],
        validators=[InputRequired(message="Choose whether to accept or return it")],
    )
    meets_measure = RadioField(
        "Does the evidence meet the measure of success?",
        widget=GovRadioInput(),
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[InputRequired(message="Say whether the evidence meets the measure of success")],
    )
    comments = TextAreaField(
        "Comments",
        widget=GovCharacterCount(),
        validators=[Length(max=4000)],
        description="Needed when you return it: say what the agency should do.",
    )
    recheck_due = GovDateField(
        "Re-check date",
        description="When the agency must show the change was maintained. Leave empty for six months from today.",
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class NewActionForm(CleanTextForm):
    agency = SelectField(
        "Agency responsible",
        widget=GovSelect(),
        coerce=str,
        validators=[InputRequired(message="Choose the agency responsible")],
    )
    text = TextAreaField(
        "What will be done",
        widget=GovCharacterCount(),
        validators=[InputRequired(message="Enter what will be done"), Length(max=4000)],
    )
    due_date = GovDateField(
        "Due date",
        description="For example, 31 3 2027",
    )
    success_measure = TextAreaField(
        "How success will be measured", widget=GovCharacterCount(), validators=[Length(max=4000)]
    )
    submit = SubmitField("Add the action", widget=GovSubmitInput())


class ResponseForm(CleanTextForm):
    response = RadioField(
        "The board's response",
        widget=GovRadioInput(),
        choices=[SelectChoice(value, label) for value, label in RESPONSES.items()],
        validators=[InputRequired(message="Choose the board's response")],
    )
    rationale = TextAreaField(
        "Rationale",
        widget=GovCharacterCount(),
        validators=[InputRequired(message="Give the board's rationale"), Length(max=4000)],
    )
    submit = SubmitField("Save the response", widget=GovSubmitInput())
