"""Forms of the people pages. They check shapes; the rules (who may give what) live in the services."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import PasswordField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from tracker.auth.models import Role
from tracker.ids import coerce_id, parse_id
from tracker.text import CleanTextForm

ROLE_HINTS = {
    Role.ADMIN: "Manages people, boards and agencies, and sees every board",
    Role.BOARD_MEMBER: "Plans and assures actions for their boards' reviews",
    Role.AGENCY_LEAD: "Records progress and evidence for their agency's actions",
    Role.AUDITOR: "Reads their boards' reviews and actions, without changing anything",
}


def role_choices(roles) -> list[SelectChoice]:
    return [SelectChoice(role.value, role.label) for role in roles]


def role_items(field) -> list[dict]:
    """GOV.UK radio items' hints, one for each of the role field's choices, in order."""
    return [{"hint": {"text": ROLE_HINTS[Role(choice.value)]}} for choice in field.choices]


class _NameAndEmail(CleanTextForm):
    # Defined before the access fields, so that they come first on the page and in the error summary.
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the person's full name"),
            Length(max=200, message="Enter a name of 200 characters or fewer"),
        ],
    )
    email = StringField(
        "Email address",
        description="The invitation is sent here. It is also the address they sign in with.",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter their email address"),
            Length(max=254, message="Enter an email address of 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like name@example.org"),
        ],
    )


class AccessFields(CleanTextForm):
    """Role, boards and agency: the choices are filled in by the view, from what the user may give."""

    role = RadioField(
        "Role",
        description="Give them only what their work needs.",
        widget=GovRadioInput(),
        choices=[],
        validators=[InputRequired(message="Choose a role")],
        invalid_choice_message="Choose a role from the list",
    )
    boards = SelectMultipleField(
        "Boards",
        description="Needed for board members and auditors. An agency lead also sees the boards their agency serves.",
        coerce=coerce_id,
        choices=[],
        widget=GovCheckboxesInput(),
        invalid_choice_message="Choose boards from the list",
        invalid_value_message="Choose boards from the list",
    )
    agency = SelectField(
        "Agency",
        description="Needed for agency leads. A board member's agency keeps them from assuring its own work.",
        widget=GovSelect(),
        choices=[],
        validate_choice=False,
    )

    def agency_id(self) -> int | None:
        return parse_id(self.agency.data or "")

    def validate_agency(self, field):
        value = (field.data or "").strip()
        if value and parse_id(value) is None:
            raise ValidationError("Choose an agency from the list")


class InviteForm(_NameAndEmail, AccessFields):
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class AccessForm(AccessFields):
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ConfirmForm(CleanTextForm):
    """A button that changes something: deactivate, reactivate, resend, cancel (CSRF only)."""


class AcceptForm(CleanTextForm):
    password = PasswordField(
        "Create a password",
        description="At least 12 characters. A few unrelated words strung together are easy to remember and hard "
        "to guess. You can paste it from a password manager.",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a password"), Length(max=256)],
    )
    confirm = PasswordField(
        "Type the password again",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Type the password again"),
            EqualTo("password", message="The two passwords do not match: type the same password in both boxes"),
        ],
    )
    submit = SubmitField("Create my account", widget=GovSubmitInput())
