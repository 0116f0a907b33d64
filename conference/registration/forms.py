"""Registration forms: shape only; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from conference.categories import CATEGORY_CHOICES
from conference.confirmation import ConfirmActionForm
from conference.countries import country_choices
from conference.formfields import SelectField, as_choices, db_int
from conference.registration.models import registration_status_choices
from conference.registration.moderation import BULK_ACTIONS
from conference.registration.services import RegistrationDetails


class RegistrationForm(FlaskForm):
    category = SelectField(
        _l("Stakeholder category"),
        choices=as_choices([("", _l("— Choose your category —")), *CATEGORY_CHOICES]),
        validators=[DataRequired(message=_l("Choose your stakeholder category."))],
        description=_l(
            "Organisers verify it before sessions restricted to a category open to you."
        ),
    )
    organisation = StringField(
        _l("Organisation"),
        validators=[
            DataRequired(message=_l("Give the organisation you work for.")),
            Length(max=200),
        ],
    )
    country = SelectField(
        _l("Country"),
        choices=lambda: as_choices([("", _l("— Choose a country —")), *country_choices()]),
        validators=[DataRequired(message=_l("Choose a country from the list."))],
    )
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])
    accessibility_needs = TextAreaField(
        _l("Accessibility needs (optional)"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "For example step-free access, sign-language interpretation, a hearing loop."
        ),
    )
    dietary_needs = TextAreaField(
        _l("Dietary needs (optional)"), validators=[Optional(), Length(max=2000)]
    )
    privacy_consent = BooleanField(
        _l("I have read and agree to the event's privacy notice"),
        validators=[InputRequired(message=_l("You must agree to the privacy notice to register."))],
    )
    mailing_list_opt_in = BooleanField(
        _l(
            "Also subscribe me to the CERIS mailing list (optional, separate from this registration)"
        ),
        default=False,
    )
    submit = SubmitField(_l("Register"))

    def to_details(self) -> RegistrationDetails:
        return RegistrationDetails(
            category=self.category.data or "",
            organisation=self.organisation.data or "",
            country=self.country.data or "",
            job_title=self.job_title.data or "",
            accessibility_needs=self.accessibility_needs.data or "",
            dietary_needs=self.dietary_needs.data or "",
            privacy_consent=bool(self.privacy_consent.data),
            mailing_list_opt_in=bool(self.mailing_list_opt_in.data),
        )


class ReturnForm(FlaskForm):
    """A button that POSTs and comes back to the page it was on."""

    next = HiddenField()


class ConfirmForm(ConfirmActionForm):
    """The form of a confirmation page: the action runs only when ``confirm`` comes with it,
    so a POST from elsewhere (an old page, a stray script) only shows the confirmation."""


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (shown to the attendee, optional)"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Reject"))


class RefuseCategoryForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the category is not confirmed (shown to the attendee, optional)"),
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField(_l("Refuse the claimed category"))


class BulkForm(FlaskForm):
    ids = SelectMultipleField(
        _l("Selected registrations"), coerce=int, validate_choice=False, validators=[db_int]
    )
    action = SelectField(
        _l("Action on the selected registrations"),
        choices=as_choices([("", _l("— Choose an action —")), *BULK_ACTIONS.items()]),
        validators=[DataRequired(message=_l("Choose an action."))],
    )
    reason = StringField(
        _l("Reason for a rejection (shown to the attendees, optional)"),
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField(_l("Apply to selected"))


class PromoteForm(FlaskForm):
    booking_id = IntegerField(validators=[Optional(), db_int])


class FilterForm(FlaskForm):
    """The registrant list's search and filters (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search name, email or organisation"), validators=[Optional(), Length(max=200)]
    )
    status = SelectField(
        _l("State"),
        choices=as_choices([("", _l("Any state")), *registration_status_choices()]),
        validators=[Optional()],
    )
    category = SelectField(
        _l("Category"),
        choices=as_choices([("", _l("Any category")), *CATEGORY_CHOICES]),
        validators=[Optional()],
    )
    verified = SelectField(
        _l("Verification"),
        choices=as_choices(
            [("", _l("Verified or not")), ("yes", _l("Verified")), ("no", _l("Not verified"))]
        ),
        validators=[Optional()],
    )
    country = SelectField(_l("Country"), validators=[Optional()])
    # Choices filled by the page from the event's delegations (none: the field is not shown).
    delegation = SelectField(
        _l("Delegation"), choices=[], validators=[Optional()], validate_choice=False
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Enter your password to confirm."))],
        description=_l("Deleting your account cannot be undone."),
    )
    confirm = BooleanField(
        _l("I understand that my account and personal data will be erased"),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))


class SeatOfferForm(FlaskForm):
    """Accept or decline a seat offer; ``give_up`` names the sessions the page showed."""

    give_up = HiddenField(validators=[Optional(), Length(max=2000)])
    accept = SubmitField(_l("Accept"))
    decline = SubmitField(_l("Decline"))

    def give_up_ids(self) -> set[int]:
        """The session ids the person agreed to give up (anything not a number is dropped)."""
        return {int(part) for part in (self.give_up.data or "").split(",") if part.isdigit()}
