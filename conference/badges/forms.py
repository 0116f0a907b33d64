"""Badge and check-in forms: shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from conference.categories import CATEGORY_CHOICES
from conference.formfields import SelectField, as_choices, db_int


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class BadgeFilterForm(FlaskForm):
    """Which badges to list or print (sent with GET, so no CSRF token)."""

    class Meta:
        csrf = False

    name = StringField(_l("Name contains"), validators=[Optional(), Length(max=100)])
    category = SelectField(
        _l("Stakeholder category"),
        choices=as_choices([("", _l("All categories")), *CATEGORY_CHOICES]),
        validators=[Optional()],
    )
    verified_only = BooleanField(_l("Verified categories only"))
    only_reissued = BooleanField(_l("Reissued badges only"))
    layout = SelectField(
        _l("Print layout"),
        choices=as_choices(
            [
                ("a6", _l("One A6 badge per page")),
                ("a4", _l("Four A6 badges per A4 sheet, with cut marks")),
            ]
        ),
        default="a6",
    )


class DeviceForm(FlaskForm):
    name = StringField(
        _l("Device name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("For example “Main entrance phone 1” or “Room B door tablet”."),
    )
    submit = SubmitField(_l("Issue a token"))


class ScanForm(FlaskForm):
    """The scanner page's code field: typed, or sent by a keyboard-emulating scanner."""

    checkpoint = SelectField(_l("Checkpoint"), validators=[DataRequired()])
    code = StringField(
        _l("Badge code"),
        # Anything a reader sends is scanned (and logged as invalid if garbled); only
        # absurd sizes are a form error.
        validators=[DataRequired(), Length(max=20_000)],
        description=_l(
            "Scan with the camera or a USB or Bluetooth scanner, or type the number "
            "printed on the badge (for example 57QEG2PI)."
        ),
    )
    # "Let in again": staff confirm the re-entry of someone already in.
    let_in_again = BooleanField()
    submit = SubmitField(_l("Check in"))


class ManualCheckInForm(FlaskForm):
    checkpoint = HiddenField(validators=[DataRequired()])
    registration = IntegerField(validators=[DataRequired(), db_int])
    let_in_again = BooleanField()
    submit = SubmitField(_l("Check in by hand"))


class SearchForm(FlaskForm):
    """Find a person who forgot their badge (GET)."""

    class Meta:
        csrf = False

    checkpoint = HiddenField()
    q = StringField(
        _l("Name, organisation or email"),
        validators=[DataRequired(), Length(min=2, max=100)],
        description=_l("Greek and Cyrillic names are found in Latin letters too (Eleni, Yulia)."),
    )
