"""Account forms: shape only; rules that need the database live in services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from conference.accounts.services import MIN_PASSWORD_LENGTH
from conference.categories import CATEGORY_CHOICES
from conference.countries import country_choices
from conference.formfields import as_choices


def _country_field(label: str = "Country") -> SelectField:
    return SelectField(
        label,
        choices=lambda: as_choices([("", "— Choose a country —"), *country_choices()]),
        validators=[Optional()],
    )


def _category_field() -> SelectField:
    return SelectField(
        "Stakeholder category",
        choices=as_choices([("", "— Not specified —"), *CATEGORY_CHOICES]),
        validators=[Optional()],
        description="Organisers verify the category before restricted sessions open to you.",
    )


class SignupForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        "Email address",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    country = _country_field()
    claimed_category = _category_field()
    # Where the person was going (a same-site path, checked by the view): kept through
    # sign-up and the confirmation link.
    next = HiddenField()
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    submit = SubmitField("Send reset link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Set new password")


class ProfileForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    country = _country_field()
    claimed_category = _category_field()
    submit = SubmitField("Save profile")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Change password")


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""


class ResendForm(FlaskForm):
    """Send the confirmation link again; ``next`` is the page to come back to (and to go on
    to once the address is confirmed)."""

    next = HiddenField()


class TotpCodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired(), Length(max=12)],
        description="Six digits; a new one every 30 seconds.",
    )
    submit = SubmitField("Continue")


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        "Recovery code",
        validators=[DataRequired(), Length(max=40)],
        description="One of the codes you saved when you set up two-factor sign-in. Each works once.",
    )
    submit = SubmitField("Continue")


class ReauthenticateForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    code = StringField(
        "Code from your authenticator app",
        validators=[Optional(), Length(max=12)],
        description="Six digits; a new one every 30 seconds.",
    )
    submit = SubmitField("Confirm")
