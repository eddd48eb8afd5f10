from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length


class SignInForm(FlaskForm):
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


class CodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="Open the app on your phone: it shows a 6-digit code that changes every 30 seconds.",
        validators=[InputRequired(message="Enter the code from your authenticator app"), Length(max=20)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        description="One of the codes you saved when you set up two-factor sign-in, like abcde-fghij.",
        validators=[InputRequired(message="Enter one of your recovery codes"), Length(max=40)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpTwoFactorForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the code from your authenticator app"), Length(max=20)],
    )
    submit = SubmitField("Turn on two-factor sign-in", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=256)],
    )
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the code from your authenticator app"), Length(max=20)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


CHOOSING_ADVICE = (
    "At least 12 characters. Three or four unrelated words make a strong password that is easy to remember. "
    "You can paste it from a password manager."
)


class ChangePasswordForm(FlaskForm):
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


class ForgottenPasswordForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter your email address"), Length(max=254)],
    )
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=CHOOSING_ADVICE,
        validators=[InputRequired(message="Enter a new password")],
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())


class ResetTwoFactorForm(FlaskForm):
    """Only the CSRF token and where to go back to: the person is in the address."""

    next = HiddenField()
