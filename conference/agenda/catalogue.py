"""Rooms, tracks and speakers: what sessions take place in, belong to and feature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from conference import permissions
from conference.agenda.models import AgendaSession, Room, Speaker, Track, session_speakers
from conference.agenda.services import AgendaError
from conference.countries import is_country_code
from conference.errors import PermissionDenied
from conference.events.models import Event
from conference.events.services import bump_agenda_version
from conference.extensions import db


def _require_organiser(event: Event, actor: Any) -> None:
    if actor is not None and not permissions.can_manage_event(actor, event):
        raise PermissionDenied(_("Only the event's organisers edit its agenda."))


def _changed(event: Event, obj: Any) -> Any:
    db.session.add(obj)
    bump_agenda_version(event)
    db.session.flush()
    return obj


@dataclass
class RoomDetails:
    name: str
    capacity: int
    position: int = 0


def _check_room(event: Event, details: RoomDetails, room: Room | None) -> None:
    if not details.name.strip():
        raise AgendaError(_("Give the room a name."), field="name")
    if details.capacity < 1:
        raise AgendaError(_("A room seats at least one person."), field="capacity")
    if room is not None:
        largest = db.session.scalar(
            select(func.max(AgendaSession.capacity)).where(AgendaSession.room_id == room.id)
        )
        if largest is not None and largest > details.capacity:
            raise AgendaError(
                _(
                    "A session in this room has %(seats)s seats; lower its capacity first.",
                    seats=largest,
                ),
                field="capacity",
            )


def save_room(event: Event, details: RoomDetails, *, actor: Any, room: Room | None = None) -> Room:
    """Create or update a room of the event."""
    _require_organiser(event, actor)
    _check_room(event, details, room)
    room = room or Room(event_id=event.id)
    room.name, room.capacity, room.position = (
        details.name.strip(),
        details.capacity,
        details.position,
    )
    return _changed(event, room)


def delete_room(room: Room, *, actor: Any) -> None:
    """Remove a room no session uses."""
    _require_organiser(room.event, actor)
    if db.session.scalar(select(exists().where(AgendaSession.room_id == room.id))):
        raise AgendaError(_("Sessions take place in this room; move them first."), field="room")
    db.session.delete(room)
    bump_agenda_version(room.event)
    db.session.flush()


@dataclass
class TrackDetails:
    name: str
    position: int = 0


def save_track(
    event: Event, details: TrackDetails, *, actor: Any, track: Track | None = None
) -> Track:
    """Create or update a track of the event."""
    _require_organiser(event, actor)
    if not details.name.strip():
        raise AgendaError(_("Give the track a name."), field="name")
    track = track or Track(event_id=event.id)
    track.name, track.position = details.name.strip(), details.position
    return _changed(event, track)


def delete_track(track: Track, *, actor: Any) -> None:
    """Remove a track; its sessions stay, without a track."""
    _require_organiser(track.event, actor)
    db.session.delete(track)
    bump_agenda_version(track.event)
    db.session.flush()


@dataclass
class SpeakerDetails:
    name: str
    organisation: str = ""
    country: str = ""
    bio: str = ""


def save_speaker(
    event: Event, details: SpeakerDetails, *, actor: Any, speaker: Speaker | None = None
) -> Speaker:
    """Create or update a speaker of the event."""
    _require_organiser(event, actor)
    if not details.name.strip():
        raise AgendaError(_("Give the speaker's name."), field="name")
    country = details.country.strip().upper()
    if country and not is_country_code(country):
        raise AgendaError(_("Choose a country from the list."), field="country")
    speaker = speaker or Speaker(event_id=event.id)
    speaker.name = details.name.strip()
    speaker.organisation = details.organisation.strip()
    speaker.country = country
    speaker.bio = details.bio.strip()
    return _changed(event, speaker)


def delete_speaker(speaker: Speaker, *, actor: Any) -> None:
    """Remove a speaker who is on no session."""
    _require_organiser(speaker.event, actor)
    if db.session.scalar(select(exists().where(session_speakers.c.speaker_id == speaker.id))):
        raise AgendaError(
            _("This speaker is on sessions; take them off those sessions first."), field="speaker"
        )
    db.session.delete(speaker)
    bump_agenda_version(speaker.event)
    db.session.flush()


def list_rooms(event: Event) -> list[Room]:
    """The event's rooms in their order."""
    return list(
        db.session.scalars(
            select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)
        )
    )


def list_tracks(event: Event) -> list[Track]:
    """The event's tracks in their order."""
    return list(
        db.session.scalars(
            select(Track).where(Track.event_id == event.id).order_by(Track.position, Track.id)
        )
    )


def list_speakers(event: Event) -> list[Speaker]:
    """The event's speakers by name."""
    return list(
        db.session.scalars(
            select(Speaker).where(Speaker.event_id == event.id).order_by(Speaker.name, Speaker.id)
        )
    )


def get_owned(model: type, event: Event, object_id: int) -> Any:
    """A room, track, speaker or session of ``event`` by id, or None."""
    found = db.session.get(model, object_id)
    return found if found is not None and found.event_id == event.id else None
