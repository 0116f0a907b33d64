"""The organisers' message to registrants: audience, subject and body (shape only)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conference.categories import CATEGORY_CHOICES
from conference.formfields import SelectField, as_choices
from conference.mailings.placeholders import PLACEHOLDERS
from conference.registration.models import registration_status_choices


def _body_hint() -> str:
    """The message field's hint, with every placeholder and what it becomes."""
    return _(
        "Plain text. Placeholders: %(placeholders)s.",
        placeholders=", ".join(
            "{" + name + "} (" + str(what) + ")" for name, what in PLACEHOLDERS.items()
        ),
    )


class MailingForm(FlaskForm):
    status = SelectField(
        _l("State"),
        choices=as_choices([("", _l("Any state")), *registration_status_choices()]),
        default="approved",
        validators=[Optional()],
    )
    category = SelectField(
        _l("Category"),
        choices=as_choices([("", _l("Any category")), *CATEGORY_CHOICES]),
        validators=[Optional()],
    )
    session = SelectField(_l("Session booked"), validators=[Optional()])
    checked_in = SelectField(
        _l("Checked in at the entrance"),
        choices=as_choices(
            [
                ("", _l("Checked in or not")),
                ("yes", _l("Checked in")),
                ("no", _l("Not checked in")),
            ]
        ),
        validators=[Optional()],
    )
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(max=20_000)],
        description=LazyString(_body_hint),
    )
    # The number of recipients the organiser saw in the preview.
    expected = HiddenField()
    preview = SubmitField(_l("Preview"))
    test = SubmitField(_l("Send a test to me"))
    send = SubmitField(_l("Send to registrants"))
