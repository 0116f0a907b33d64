"""Event forms."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from conference.confirmation import ConfirmActionForm
from conference.db_types import is_db_int
from conference.events.models import (
    DEFAULT_RETENTION_MONTHS,
    EventKind,
    RegistrationMode,
    StaffRole,
)
from conference.events.services import EventDetails
from conference.events.translated import EVENT_FIELDS, TRANSLATED_LANGUAGES, clean_translations
from conference.formfields import SelectField, as_choices, db_int
from conference.i18n import DEFAULT_LANGUAGE, LANGUAGES


@cache
def timezone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [(z, z.replace("_", " ")) for z in zones]


def _timezone_select_choices():
    return as_choices(timezone_choices())


def _series_id(value) -> int | None:
    """The chosen series' id; a number no id can be is refused as an invalid choice."""
    if value in (None, "", "None"):
        return None
    number = int(value)
    if not is_db_int(number):
        raise ValueError("not an id")
    return number


_REENTRY_SETTINGS = {"default": None, "yes": True, "no": False}


class EventTranslationsFields:
    """The event's title and description in French and German, optional (issue 20)."""

    title_fr = StringField(_l("Title in French"), validators=[Optional(), Length(max=200)])
    title_de = StringField(_l("Title in German"), validators=[Optional(), Length(max=200)])
    description_fr = TextAreaField(
        _l("Description in French"), validators=[Optional(), Length(max=20000)]
    )
    description_de = TextAreaField(
        _l("Description in German"), validators=[Optional(), Length(max=20000)]
    )

    def fill_translations(self, event) -> None:
        if not self.is_submitted():
            for language, texts in (event.translations or {}).items():
                for name in EVENT_FIELDS:
                    field = getattr(self, f"{name}_{language}", None)
                    if field is not None:
                        field.data = texts.get(name, "")

    def translations_data(self) -> dict[str, dict[str, str]]:
        raw = {
            language: {name: getattr(self, f"{name}_{language}").data for name in EVENT_FIELDS}
            for language in TRANSLATED_LANGUAGES
        }
        return clean_translations(raw, EVENT_FIELDS)


class EventForm(EventTranslationsFields, FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Short name (in addresses)"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("Lowercase letters, digits and hyphens, e.g. ceris-border-2027."),
    )
    kind = SelectField(
        _l("Kind of event"),
        choices=as_choices((k.value, k.label) for k in EventKind),
        default="thematic",
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    timezone = SelectField(
        _l("Timezone"),
        choices=_timezone_select_choices,
        default="Europe/Brussels",
        validators=[DataRequired()],
    )
    start_date = DateField(_l("First day"), validators=[DataRequired()])
    end_date = DateField(_l("Last day"), validators=[DataRequired()])
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens (event's local time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes (event's local time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    registration_mode = SelectField(
        _l("Approving registrations"),
        choices=as_choices(
            [
                (
                    RegistrationMode.MODERATED.value,
                    _l("Moderated: organisers approve each registration"),
                ),
                (RegistrationMode.AUTOMATIC.value, _l("Automatic: approved on registration")),
            ]
        ),
    )
    capacity = IntegerField(
        _l("Capacity (registrations)"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description=_l("Leave empty for no limit."),
    )
    privacy_notice_url = URLField(
        _l("Privacy notice address"), validators=[Optional(), URL(), Length(max=500)]
    )
    privacy_notice_version = StringField(
        _l("Privacy notice version"), default="1", validators=[DataRequired(), Length(max=40)]
    )
    series_id = SelectField(
        _l("Series"),
        choices=[],
        validate_choice=False,  # the service checks the series exists
        coerce=_series_id,
        description=_l("Editions of one series link to each other and share a page."),
    )
    retention_months = IntegerField(
        _l("Keep personal data for (months after the event ends)"),
        default=DEFAULT_RETENTION_MONTHS,
        validators=[Optional(), NumberRange(min=1, max=120)],
        description=_l(
            "Then registrants are anonymised (totals kept); organisers are "
            "warned by mail beforehand. Default 12."
        ),
    )
    reentry = SelectField(
        _l("Re-entry at the entrance"),
        choices=as_choices(
            [
                ("default", _l("Default: the same day too for events of several days, else not")),
                ("yes", _l("Yes: someone already in may be let in again the same day")),
                ("no", _l("No: the entrance admits each person once a day")),
            ]
        ),
        default="default",
        description=_l("Door staff see “Already in since …” and may let the person in again."),
    )
    trusts_provider_second_factor = BooleanField(
        _l("Accept the identity provider's second factor for this event's staff"),
        description=_l(
            "Organisers and other staff who sign in through the identity provider "
            "with its second factor may use their roles here without their own authenticator app."
        ),
    )
    default_language = SelectField(
        _l("Default language"),
        choices=[SelectChoice(code, name, {"lang": code}) for code, name in LANGUAGES.items()],
        default=DEFAULT_LANGUAGE,
        description=_l(
            "The language of the event's texts, and of its pages for visitors whose browser "
            "asks for none of ours."
        ),
    )
    submit = SubmitField(_l("Save event"))

    def set_series_choices(self, series: list) -> None:
        self.series_id.choices = [("", _l("No series"))] + [(str(s.id), s.title) for s in series]

    def to_details(self) -> EventDetails:
        zone = ZoneInfo(self.timezone.data)

        def aware(value: datetime | None) -> datetime | None:
            return value.replace(tzinfo=zone).astimezone(UTC) if value else None

        return EventDetails(
            slug=self.slug.data.strip(),
            title=self.title.data.strip(),
            kind=self.kind.data,
            timezone=self.timezone.data,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            venue=(self.venue.data or "").strip(),
            description=self.description.data or "",
            registration_opens_at=aware(self.registration_opens_at.data),
            registration_closes_at=aware(self.registration_closes_at.data),
            registration_mode=self.registration_mode.data,
            capacity=self.capacity.data,
            privacy_notice_url=self.privacy_notice_url.data or "",
            privacy_notice_version=self.privacy_notice_version.data.strip(),
            retention_months=self.retention_months.data or DEFAULT_RETENTION_MONTHS,
            series_id=self.series_id.data,
            entrance_readmits=_REENTRY_SETTINGS[self.reentry.data],
            trusts_provider_second_factor=bool(self.trusts_provider_second_factor.data),
            default_language=self.default_language.data or DEFAULT_LANGUAGE,
        )

    def fill_local_times(self, event) -> None:
        """Show the stored instants as the event's wall-clock time."""
        for name in ("registration_opens_at", "registration_closes_at"):
            value = getattr(event, name)
            if value is not None and not self.is_submitted():
                getattr(self, name).data = value.astimezone(event.tz).replace(tzinfo=None)
        if not self.is_submitted():
            self.reentry.data = {v: k for k, v in _REENTRY_SETTINGS.items()}[
                event.entrance_readmits
            ]


class GrantRoleForm(FlaskForm):
    email = EmailField(
        _l("Email address of the person"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=as_choices((r.value, r.label) for r in StaffRole))
    submit = SubmitField(_l("Grant role"))


class RevokeRoleForm(ConfirmActionForm):
    """Whose role to remove; the role goes only with ``confirm`` (its confirmation page)."""

    user_id = IntegerField(validators=[DataRequired(), db_int])
    role = SelectField(choices=as_choices((r.value, r.label) for r in StaffRole))


class PublishForm(FlaskForm):
    submit = SubmitField(_l("Publish"))
