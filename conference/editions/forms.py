"""The clone form: the new edition's short name, dates and what to copy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from conference.editions.cloning import PARTS, CloneRequest


class CloneForm(FlaskForm):
    title = StringField(
        _l("Title of the new edition"),
        validators=[Optional(), Length(max=200)],
        description=_l("Empty: this event's title with its year changed."),
    )
    slug = StringField(
        _l("Short name (in addresses)"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("Lowercase letters, digits and hyphens, e.g. flagship-2029."),
    )
    start_date = DateField(
        _l("First day"),
        validators=[InputRequired()],
        description=_l("Sessions move by the same number of days and keep their local times."),
    )
    end_date = DateField(
        _l("Last day"),
        validators=[Optional()],
        description=_l("Empty: as many days as this event."),
    )
    copy_settings = BooleanField(PARTS["settings"], default=True)
    copy_rooms = BooleanField(PARTS["rooms"], default=True)
    copy_tracks = BooleanField(PARTS["tracks"], default=True)
    copy_speakers = BooleanField(PARTS["speakers"], default=True)
    copy_sessions = BooleanField(PARTS["sessions"], default=True)
    submit = SubmitField(_l("Create the new edition"))

    def part_fields(self) -> list:
        return [getattr(self, f"copy_{part}") for part in PARTS]

    def to_request(self) -> CloneRequest:
        return CloneRequest(
            slug=self.slug.data.strip(),
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            title=(self.title.data or "").strip() or None,
            parts=frozenset(part for part in PARTS if getattr(self, f"copy_{part}").data),
        )
