"""Account forms: shape only; rules that need the database live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from conference.accounts.services import MIN_PASSWORD_LENGTH
from conference.categories import CATEGORY_CHOICES
from conference.countries import country_choices
from conference.formfields import SelectField, as_choices


def _country_field(label: str | None = None) -> SelectField:
    return SelectField(
        label or _l("Country"),
        choices=lambda: as_choices([("", _l("— Choose a country —")), *country_choices()]),
        validators=[Optional()],
    )


def _category_field() -> SelectField:
    return SelectField(
        _l("Stakeholder category"),
        choices=as_choices([("", _l("— Not specified —")), *CATEGORY_CHOICES]),
        validators=[Optional()],
        description=_l("Organisers verify the category before restricted sessions open to you."),
    )


class SignupForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    country = _country_field()
    claimed_category = _category_field()
    # Where the person was going (a same-site path, checked by the view): kept through
    # sign-up and the confirmation link.
    next = HiddenField()
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Set new password"))


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    country = _country_field()
    claimed_category = _category_field()
    submit = SubmitField(_l("Save profile"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""


class ResendForm(FlaskForm):
    """Send the confirmation link again; ``next`` is the page to come back to (and to go on
    to once the address is confirmed)."""

    next = HiddenField()


class TotpCodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(max=12)],
        description=_l("Six digits; a new one every 30 seconds."),
    )
    submit = SubmitField(_l("Continue"))


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l(
            "One of the codes you saved when you set up two-factor sign-in. Each works once."
        ),
    )
    submit = SubmitField(_l("Continue"))


class ReauthenticateForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[Optional(), Length(max=12)],
        description=_l("Six digits; a new one every 30 seconds."),
    )
    submit = SubmitField(_l("Confirm"))
