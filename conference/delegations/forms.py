"""Forms of the delegation pages: shape only (the rules are in the services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from conference.categories import CATEGORY_CHOICES, StakeholderCategory
from conference.confirmation import ConfirmActionForm
from conference.countries import country_choices
from conference.delegations.models import DelegationKind
from conference.delegations.rules import MAX_QUOTA
from conference.delegations.services import DelegationDetails
from conference.formfields import SelectField, as_choices, db_int


class DelegationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=as_choices((k.value, k.label) for k in DelegationKind))
    country = SelectField(
        _l("Country"), description=_l("None for an EU institution, body or agency.")
    )
    category = SelectField(
        _l("Category its nominees hold"),
        choices=as_choices(CATEGORY_CHOICES),
        default=StakeholderCategory.MEMBER_STATE_EXPERT.value,
    )
    quota = IntegerField(
        _l("Seat quota"),
        validators=[InputRequired(), NumberRange(min=0, max=MAX_QUOTA)],
        description=_l("How many of its nominees may accept."),
    )
    submit = SubmitField(_l("Save delegation"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = as_choices([("", _l("None")), *country_choices()])

    def details(self) -> DelegationDetails:
        return DelegationDetails(
            name=self.name.data or "",
            kind=self.kind.data,
            country=self.country.data or "",
            category=self.category.data,
            quota=self.quota.data or 0,
        )


class AppointForm(FlaskForm):
    email = EmailField(
        _l("Email address of the national contact point"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        description=_l("They need an account with this address."),
    )
    submit = SubmitField(_l("Appoint"))


class SessionQuotaForm(FlaskForm):
    """A delegation's quota in one restricted session (empty: no quota)."""

    session = SelectField(
        _l("Restricted session"), coerce=int, choices=[], validators=[InputRequired(), db_int]
    )
    quota = IntegerField(
        _l("Places for the delegation's nominees"),
        validators=[Optional(), NumberRange(min=0, max=MAX_QUOTA)],
        description=_l(
            "Seats and waiting-list places their nominees may hold at most. Leave "
            "empty to remove the quota."
        ),
    )
    submit = SubmitField(_l("Set the session quota"))


class RemoveContactForm(ConfirmActionForm):
    """Whose NCP role to remove; it goes only with ``confirm`` (its confirmation page)."""

    user_id = IntegerField(validators=[DataRequired(), db_int])


class NominateForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        description=_l("The invitation can be accepted only by an account with this address."),
    )
    submit = SubmitField(_l("Send the invitation"))


class ConfirmForm(ConfirmActionForm):
    """A confirmation page's form: the action runs only when ``confirm`` comes with it, so a
    POST from elsewhere (an old page, a stray script) only shows the confirmation."""


class ActionForm(FlaskForm):
    """A bare button (resend, withdraw, decline): the CSRF token is all it carries."""

    submit = SubmitField()


class AcceptForm(FlaskForm):
    privacy_consent = BooleanField(
        _l("I agree to the event's privacy notice"), validators=[DataRequired()]
    )
    submit = SubmitField(_l("Accept the nomination"))


class UploadForm(FlaskForm):
    file = FileField(
        _l("CSV file of nominees"),
        validators=[FileRequired(_l("Choose a file."))],
        description=_l(
            'A header line naming the columns "name" and "email", then one nominee per '
            "line (commas or semicolons; UTF-8). Nothing is sent until you confirm the preview."
        ),
    )
    submit = SubmitField(_l("Preview"))


class ConfirmUploadForm(FlaskForm):
    rows = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Send the invitations"))
