"""The agenda as one viewer may see it, loaded in a constant number of queries.

Every public and attendee output (pages, JSON, frab XML, speaker pages, "my
agenda", every calendar feed) goes through ``visible_rows`` (by way of
``load_agenda``) or ``visible_session``: a session the viewer may not attend
becomes a generic closed block (listed) or disappears (hidden). Views,
templates, exports and feeds only ever get ``VisibleSession`` objects, which
carry nothing the viewer may not see, and derive their versions, ETags and
Last-Modified from those alone (docs/security.md, "Confidentiality").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from conference import permissions
from conference.agenda.models import AgendaSession, Room, Speaker, Track, session_speakers
from conference.agenda.visibility import (
    CLOSED_KIND,
    CLOSED_TITLE,
    STAFF,
    Audience,
    VisibleSession,
    content_digest,
    event_epoch,
    shown_session,
)
from conference.events.models import Event
from conference.extensions import db

if TYPE_CHECKING:  # the viewer's registration is passed in; agenda never queries it
    from conference.registration.models import Registration

__all__ = ["CLOSED_KIND", "CLOSED_TITLE", "Audience", "VisibleSession", "load_agenda"]


def visible_session(
    viewer: Any, session: AgendaSession, registration: Registration | None, *, full: bool = False
) -> VisibleSession | None:
    """What ``viewer`` may see of ``session``: everything, a closed block, or None.

    ``full`` shows everything whoever asks (the command line's exports, run by operators).
    """
    visibility = (
        permissions.SESSION_FULL
        if full
        else permissions.session_visibility(viewer, session, registration)
    )
    return shown_session(session, visibility, session.event)


@dataclass
class AgendaView:
    """An event's agenda as one viewer sees it."""

    event: Event
    sessions: list[VisibleSession]
    rooms: list[Room]
    tracks: list[Track]
    speakers: list[Speaker]
    is_staff: bool
    registration: Registration | None = None
    _by_day: dict[date, list[VisibleSession]] = field(default_factory=dict, repr=False)

    def sessions_on(self, day: date) -> list[VisibleSession]:
        """The sessions starting on ``day`` (the event's local date)."""
        if not self._by_day:
            for item in self.sessions:
                self._by_day.setdefault(item.local_day(self.event), []).append(item)
        return self._by_day.get(day, [])

    def sessions_of_speaker(self, speaker_id: int) -> list[VisibleSession]:
        """The sessions, shown in full, where the speaker speaks."""
        return [s for s in self.sessions if any(p.id == speaker_id for p in s.speakers)]

    @property
    def digest(self) -> str:
        """A hash of what this viewer sees: the exports' version, unmoved by hidden changes."""
        return content_digest(self.event, self.sessions, self.rooms, self.tracks, self.speakers)

    @property
    def last_modified(self) -> datetime:
        """The latest change among the sessions shown (publication when there is none)."""
        return latest_change(self.event, self.sessions)


def latest_change(event: Event, sessions: list[VisibleSession]) -> datetime:
    """The last edit of what ``sessions`` show; closed blocks count as of publication."""
    return max((s.updated_at for s in sessions), default=event_epoch(event))


def _session_options():
    # Speakers load only once the session is known to be visible, so a hidden
    # session's 404 costs the same query as a missing one's.
    return (joinedload(AgendaSession.room), joinedload(AgendaSession.track))


class ProgrammeRow:
    """One session of a programme as plain column values, with its room, track and speakers.

    ``visible_rows`` reads a whole programme (5,000 sessions at the flagship's size); building
    an ORM object per session cost about half of each rebuild after an agenda change (issue
    22). The row answers what ``shown_session`` and the visibility rule read of a session,
    under the same names, and is never written: writes go through the ORM model.
    """

    __slots__ = (
        *(c.key for c in AgendaSession.__table__.c),
        "invitation_only",
        "room",
        "track",
        "speakers",
    )

    @property
    def is_restricted(self) -> bool:
        return AgendaSession.is_restricted.fget(self)  # the model's own rule


_ROW_COLUMNS = (*AgendaSession.__table__.c, AgendaSession.invitation_only)
_ROW_NAMES = tuple(c.key for c in AgendaSession.__table__.c) + ("invitation_only",)


class SpeakerRow:
    """A speaker of a programme as plain column values (read-only, like ``ProgrammeRow``).

    One row per speaker, shared by all of its sessions, as the ORM's identity map would.
    """

    __slots__ = tuple(c.key for c in Speaker.__table__.c)


_SPEAKER_COLUMNS = tuple(Speaker.__table__.c)
_SPEAKER_NAMES = tuple(c.key for c in _SPEAKER_COLUMNS)


def _speakers_by_session(*conditions: Any) -> dict[int, list[SpeakerRow]]:
    """Every selected session's speakers, in order, from one query.

    ``conditions`` select the sessions (on ``AgendaSession``). ``selectinload`` would send
    one query per 500 sessions: ten for a programme of 5,000; and an ORM object per speaker
    and link cost a third of a rebuild there.
    """
    links = session_speakers.c
    rows = db.session.execute(
        select(links.session_id, *_SPEAKER_COLUMNS)
        .join(Speaker, Speaker.id == links.speaker_id)
        .join(AgendaSession, AgendaSession.id == links.session_id)
        .where(*conditions)
        .order_by(links.session_id, links.position)
    )
    speakers: dict[int, SpeakerRow] = {}
    by_session: dict[int, list[SpeakerRow]] = {}
    for session_id, speaker_id, *values in rows:
        speaker = speakers.get(speaker_id)
        if speaker is None:
            speaker = speakers[speaker_id] = SpeakerRow()
            for name, value in zip(_SPEAKER_NAMES, (speaker_id, *values), strict=True):
                setattr(speaker, name, value)
        by_session.setdefault(session_id, []).append(speaker)
    return by_session


def _of_event(model: Any, event: Event) -> dict[int, Any]:
    return {
        item.id: item
        for item in db.session.scalars(select(model).where(model.event_id == event.id))
    }


def programme_rows(
    event: Event,
    *conditions: Any,
    rooms: dict[int, Room] | None = None,
    tracks: dict[int, Track] | None = None,
) -> list[ProgrammeRow]:
    """The sessions of ``event`` matching ``conditions``, in time order, as plain rows.

    The sessions, their speakers, and the event's rooms and tracks (unless the caller has
    them: ``rooms``, ``tracks``) each in one statement: an event has a few dozen rooms and
    tracks, and joining them into every session row cost more than reading them once."""
    rooms = rooms if rooms is not None else _of_event(Room, event)
    tracks = tracks if tracks is not None else _of_event(Track, event)
    speakers = _speakers_by_session(AgendaSession.event_id == event.id, *conditions)
    found = []
    for values in db.session.execute(
        select(*_ROW_COLUMNS)
        .where(AgendaSession.event_id == event.id, *conditions)
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    ):
        row = ProgrammeRow()
        for name, value in zip(_ROW_NAMES, values, strict=True):
            setattr(row, name, value)
        row.room = rooms.get(row.room_id)
        row.track = tracks.get(row.track_id)
        row.speakers = speakers.get(row.id, ())
        found.append(row)
    return found


def visible_rows(
    event: Event,
    audience: Audience,
    *conditions: Any,
    rooms: dict[int, Room] | None = None,
    tracks: dict[int, Track] | None = None,
) -> list[VisibleSession]:
    """The sessions of ``event`` (narrowed by ``conditions``) as ``audience`` sees them.

    The one query behind every public and attendee output: the agenda, its
    exports and every calendar feed. In time order.
    """
    rows = programme_rows(event, audience.may_see(), *conditions, rooms=rooms, tracks=tracks)
    return [shown for row in rows if (shown := shown_session(row, audience.visibility(row), event))]


def load_agenda(
    event: Event,
    viewer: Any,
    registration: Registration | None = None,
    *,
    everything: bool = False,
) -> AgendaView:
    """Every session of ``event`` that ``viewer`` may see, in time order, with rooms and tracks.

    Rooms, tracks and speakers are those of the sessions shown (a closed block
    shows its room only; staff get all), so a name used only by hidden or
    closed sessions is not revealed. ``everything`` shows it all, as to staff
    (for the command line).
    """
    is_staff = everything or permissions.is_event_staff(viewer, event)
    if registration is None and not is_staff:
        registration = permissions.registration_for(viewer, event)
    audience = STAFF if is_staff else Audience.of(viewer, event, registration)
    all_rooms = list(
        db.session.scalars(
            select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)
        )
    )
    all_tracks = list(
        db.session.scalars(
            select(Track).where(Track.event_id == event.id).order_by(Track.position, Track.id)
        )
    )
    sessions = visible_rows(
        event,
        audience,
        rooms={room.id: room for room in all_rooms},
        tracks={track.id: track for track in all_tracks},
    )
    if is_staff:
        rooms = all_rooms
        tracks = all_tracks
        speakers = list(
            db.session.scalars(
                select(Speaker)
                .where(Speaker.event_id == event.id)
                .order_by(Speaker.name, Speaker.id)
            )
        )
    else:
        used_rooms = {s.room_id for s in sessions}
        rooms = [room for room in all_rooms if room.id in used_rooms]
        used_tracks = {s.track.id: s.track for s in sessions if s.track is not None}
        tracks = sorted(used_tracks.values(), key=lambda t: (t.position, t.id))
        used_speakers = {p.id: p for s in sessions for p in s.speakers}
        speakers = sorted(used_speakers.values(), key=lambda p: (p.name, p.id))
    room_order = {room.id: index for index, room in enumerate(all_rooms)}
    sessions.sort(key=lambda s: (s.starts_at, room_order.get(s.room_id, len(all_rooms)), s.id))
    return AgendaView(event, sessions, rooms, tracks, speakers, is_staff, registration)


def load_session(event: Event, session_id: int, audience: Audience = STAFF) -> AgendaSession | None:
    """A session of ``event`` by id that ``audience`` may see at all, with room and track.

    A hidden session is None exactly like a missing one, from the same query.
    """
    return db.session.scalar(
        select(AgendaSession)
        .where(
            AgendaSession.id == session_id,
            AgendaSession.event_id == event.id,
            audience.may_see(),
        )
        .options(*_session_options())
    )
