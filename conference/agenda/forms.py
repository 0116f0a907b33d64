"""Organisers' agenda forms: sessions, rooms, tracks and speakers (shape checks only)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conference.agenda.dates import day_text
from conference.agenda.models import (
    SESSION_KIND_LABELS,
    RestrictedVisibility,
    SessionKind,
    SessionStatus,
)
from conference.agenda.services import SessionFields
from conference.agenda.translated import SESSION_FIELDS, TRANSLATED_LANGUAGES, clean_translations
from conference.categories import CATEGORY_CHOICES
from conference.confirmation import ConfirmActionForm
from conference.countries import country_choices
from conference.formfields import SelectField, as_choices, db_int
from conference.localtime import to_instant
from conference.markings import TLP_CHOICES

# Service field names → the form fields that show their errors.
SERVICE_FIELDS = {
    "starts_at": "start_time",
    "ends_at": "end_time",
    "room_id": "room",
    "track_id": "track",
    "conflicts": "override_conflicts",
}


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionTranslationsFields:
    """The session's title and abstract in French and German, optional (issue 20)."""

    title_fr = StringField(_l("Title in French"), validators=[Optional(), Length(max=300)])
    title_de = StringField(_l("Title in German"), validators=[Optional(), Length(max=300)])
    abstract_fr = TextAreaField(
        _l("Abstract in French"), validators=[Optional(), Length(max=20000)]
    )
    abstract_de = TextAreaField(
        _l("Abstract in German"), validators=[Optional(), Length(max=20000)]
    )

    def fill_translations(self, session) -> None:
        for language, texts in (session.translations or {}).items():
            for name in SESSION_FIELDS:
                field = getattr(self, f"{name}_{language}", None)
                if field is not None:
                    field.data = texts.get(name, "")

    def translations_data(self) -> dict[str, dict[str, str]]:
        raw = {
            language: {name: getattr(self, f"{name}_{language}").data for name in SESSION_FIELDS}
            for language in TRANSLATED_LANGUAGES
        }
        return clean_translations(raw, SESSION_FIELDS)


class SessionForm(SessionTranslationsFields, FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(
        _l("Kind of session"),
        choices=as_choices((k.value, SESSION_KIND_LABELS[k]) for k in SessionKind),
    )
    abstract = TextAreaField(_l("Abstract"), validators=[Optional(), Length(max=20000)])
    day = SelectField(_l("Day"), validators=[DataRequired()])
    start_time = TimeField(_l("Starts at"), validators=[InputRequired()])
    end_time = TimeField(_l("Ends at"), validators=[InputRequired()])
    room = SelectField(_l("Room"), coerce=int, validators=[InputRequired()])
    track = SelectField(_l("Track"), default="", validators=[Optional()])
    speakers = SelectMultipleField(
        _l("Speakers"),
        coerce=int,
        validators=[Optional()],
        description=_l("Hold Ctrl (Cmd on a Mac) to choose several."),
    )
    capacity = IntegerField(
        _l("Seats"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description=_l("Leave empty to use the room's capacity."),
    )
    requires_booking = BooleanField(_l("Attendees must book a seat beforehand"))
    restricted_to = CheckboxListField(
        _l("Restricted to verified"),
        choices=as_choices(CATEGORY_CHOICES),
        validators=[Optional()],
        description=_l("Leave all unticked for a session open to every attendee."),
    )
    restricted_delegations = CheckboxListField(
        _l("Or invited delegations"),
        coerce=int,
        choices=[],
        validators=[Optional()],
        description=_l(
            "The accepted nominees of a delegation ticked here get in as well "
            "(tick only delegations and no category for an invitation-only session)."
        ),
    )
    restricted_visibility = RadioField(
        _l("Others see a restricted session"),
        choices=as_choices(
            [
                (
                    RestrictedVisibility.LISTED.value,
                    _l("Listed: as “Closed session” at its time and room, without details"),
                ),
                (RestrictedVisibility.HIDDEN.value, _l("Hidden: not at all")),
            ]
        ),
        default=RestrictedVisibility.LISTED.value,
        validators=[Optional()],
    )
    tlp = SelectField(
        _l("TLP marking"),
        choices=as_choices([("", _l("No marking")), *TLP_CHOICES]),
        default="",
        validators=[Optional()],
        description=_l("FIRST TLP 2.0: how far what is said and shared in the session may travel."),
    )
    chatham_house = BooleanField(_l("Held under the Chatham House Rule"))
    status = SelectField(
        _l("Status"),
        choices=as_choices(
            [
                (SessionStatus.SCHEDULED.value, _l("Scheduled")),
                (SessionStatus.CANCELLED.value, _l("Cancelled")),
            ]
        ),
        default=SessionStatus.SCHEDULED.value,
    )
    override_conflicts = BooleanField(_l("Save despite the conflicts"))
    submit = SubmitField(_l("Save session"))

    def fill_choices(self, event, rooms, tracks, speakers, delegations=()) -> None:
        """Offer the event's days, rooms, tracks, speakers and delegations."""
        self.restricted_delegations.choices = as_choices((d.id, d.name) for d in delegations)
        self.day.choices = as_choices(
            (d.isoformat(), day_text(d, "%A %d %B %Y")) for d in event.days
        )
        self.room.choices = as_choices(
            (r.id, _("%(name)s (%(seats)s seats)", name=r.name, seats=r.capacity)) for r in rooms
        )
        self.track.choices = as_choices(
            [("", _("No track")), *((str(t.id), t.name) for t in tracks)]
        )
        self.speakers.choices = as_choices(
            (s.id, f"{s.name}, {s.organisation}" if s.organisation else s.name) for s in speakers
        )

    def fill_from(self, session, event, delegation_ids=()) -> None:
        """Show a stored session as the event's wall-clock times."""
        start, end = session.starts_at.astimezone(event.tz), session.ends_at.astimezone(event.tz)
        self.day.data = start.date().isoformat()
        self.start_time.data, self.end_time.data = start.time(), end.time()
        self.room.data = session.room_id
        self.track.data = str(session.track_id) if session.track_id else ""
        self.speakers.data = [s.id for s in session.speakers]
        self.restricted_to.data = list(session.restricted_to or [])
        self.restricted_delegations.data = sorted(delegation_ids)
        self.restricted_visibility.data = session.restricted_visibility or "listed"
        self.tlp.data = session.tlp or ""

    def to_fields(self, event, speakers_by_id) -> SessionFields:
        """The form's values as service fields; times are the event's local time.

        Raises ``NonexistentLocalTime`` for a time skipped by a daylight-saving change.
        """
        day = datetime.fromisoformat(self.day.data).date()
        restricted = list(self.restricted_to.data or [])
        delegations = [int(i) for i in self.restricted_delegations.data or []]
        return SessionFields(
            title=self.title.data or "",
            abstract=self.abstract.data or "",
            kind=self.kind.data,
            starts_at=to_instant(datetime.combine(day, self.start_time.data), event.tz),
            ends_at=to_instant(datetime.combine(day, self.end_time.data), event.tz),
            room_id=self.room.data,
            track_id=int(self.track.data) if self.track.data else None,
            capacity=self.capacity.data,
            requires_booking=bool(self.requires_booking.data),
            restricted_to=restricted,
            restricted_delegations=delegations,
            restricted_visibility=(
                (self.restricted_visibility.data or None) if restricted or delegations else None
            ),
            status=self.status.data,
            tlp=self.tlp.data or None,
            chatham_house=bool(self.chatham_house.data),
            speakers=[speakers_by_id[i] for i in self.speakers.data or [] if i in speakers_by_id],
        )


class RoomForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField(
        _l("Seats"), validators=[InputRequired(), NumberRange(min=1, max=100000)]
    )
    position = IntegerField(
        _l("Order"),
        default=0,
        validators=[Optional(), db_int],
        description=_l("Lower numbers come first."),
    )
    submit = SubmitField(_l("Save room"))


class TrackForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    position = IntegerField(
        _l("Order"),
        default=0,
        validators=[Optional(), db_int],
        description=_l("Lower numbers come first."),
    )
    submit = SubmitField(_l("Save track"))


class SpeakerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    country = SelectField(
        _l("Country"),
        choices=lambda: as_choices([("", _("Not given")), *country_choices()]),
        validators=[Optional()],
    )
    bio = TextAreaField(
        _l("Short biography"),
        validators=[Optional(), Length(max=2000)],
        description=_l("A few lines."),
    )
    submit = SubmitField(_l("Save speaker"))


class CancelSessionForm(ConfirmActionForm):
    """The confirmation page's form: the session is cancelled only when ``confirm`` is sent."""
