"""The organisers' message to registrants: audience, subject and body (shape only)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conference.categories import CATEGORY_CHOICES
from conference.formfields import as_choices
from conference.mailings.placeholders import PLACEHOLDERS
from conference.registration.models import REGISTRATION_STATUS_LABELS


class MailingForm(FlaskForm):
    status = SelectField(
        "State",
        choices=as_choices([("", "Any state"), *REGISTRATION_STATUS_LABELS.items()]),
        default="approved",
        validators=[Optional()],
    )
    category = SelectField(
        "Category",
        choices=as_choices([("", "Any category"), *CATEGORY_CHOICES]),
        validators=[Optional()],
    )
    session = SelectField("Session booked", validators=[Optional()])
    checked_in = SelectField(
        "Checked in at the entrance",
        choices=as_choices(
            [("", "Checked in or not"), ("yes", "Checked in"), ("no", "Not checked in")]
        ),
        validators=[Optional()],
    )
    subject = StringField("Subject", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        "Message",
        validators=[DataRequired(), Length(max=20_000)],
        description="Plain text. Placeholders: "
        + ", ".join("{" + name + "} (" + what + ")" for name, what in PLACEHOLDERS.items())
        + ".",
    )
    # The number of recipients the organiser saw in the preview.
    expected = HiddenField()
    preview = SubmitField("Preview")
    test = SubmitField("Send a test to me")
    send = SubmitField("Send to registrants")
