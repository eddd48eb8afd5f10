from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from tracker.text import CleanTextForm


def six_digits(form, field) -> None:
    """Authenticator codes are six digits 0-9 (spaces allowed): anything else is refused in words, here,
    before it can reach the code check (which compares ASCII only)."""
    code = "".join((field.data or "").split())
    if not (code.isascii() and code.isdigit()):
        raise ValidationError("Enter the code using the digits 0 to 9 only, as your authenticator app shows it")
    if len(code) != 6:
        raise ValidationError("Enter the 6-digit code your authenticator app shows")


def recovery_code_characters(form, field) -> None:
    code = (field.data or "").strip()
    if not all(char.isascii() and (char.isalnum() or char in "- ") for char in code):
        raise ValidationError("Enter the recovery code using only the letters a to z, the digits 0 to 9 and a dash")


class SignInForm(CleanTextForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=256)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class CodeForm(CleanTextForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="Open the app on your phone: it shows a 6-digit code that changes every 30 seconds.",
        validators=[InputRequired(message="Enter the code from your authenticator app"), Length(max=20), six_digits],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(CleanTextForm):
    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        description="One of the codes you saved when you set up two-factor sign-in, like abcde-fghij.",
        validators=[
            InputRequired(message="Enter one of your recovery codes"),
            Length(max=40),
            recovery_code_characters,
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpTwoFactorForm(CleanTextForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the code from your authenticator app"), Length(max=20), six_digits],
    )
    submit = SubmitField("Turn on two-factor sign-in", widget=GovSubmitInput())


class ConfirmForm(CleanTextForm):
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=256)],
    )
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the code from your authenticator app"), Length(max=20), six_digits],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


CHOOSING_ADVICE = (
    "At least 12 characters. Three or four unrelated words make a strong password that is easy to remember. "
    "You can paste it from a password manager."
)


class ChangePasswordForm(CleanTextForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password"), Length(max=256)],
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=CHOOSING_ADVICE,
        validators=[InputRequired(message="Enter a new password")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ForgottenPasswordForm(CleanTextForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
    )
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class ResetPasswordForm(CleanTextForm):
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=CHOOSING_ADVICE,
        validators=[InputRequired(message="Enter a new password")],
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())


class ResetTwoFactorForm(CleanTextForm):
    """Only the CSRF token and where to go back to: the person is in the address."""

    next = HiddenField()
