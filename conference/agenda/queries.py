"""The agenda as one viewer may see it, loaded in a constant number of queries.

Every public output (pages, JSON, frab XML, speaker pages, "my agenda") goes
through ``load_agenda`` or ``visible_session``: a session the viewer may not
attend becomes a generic closed block (listed) or disappears (hidden). Views
and templates only ever get ``VisibleSession`` objects, which carry nothing
the viewer may not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from conference import permissions
from conference.agenda import rules
from conference.agenda.ids import derived_session_id, session_public_id
from conference.agenda.models import (
    AgendaSession,
    Room,
    SessionKind,
    SessionStatus,
    Speaker,
    Track,
    session_speakers,
)
from conference.events.models import Event
from conference.extensions import db
from conference.markings import TLP, marking_labels

if TYPE_CHECKING:  # the viewer's registration is passed in; agenda never queries it
    from conference.registration.models import Registration

CLOSED_TITLE = "Closed session"
# What exports give as a closed block's kind, whatever the session really is.
CLOSED_KIND = SessionKind.CLOSED_DOOR_BRIEFING.label


@dataclass(frozen=True)
class VisibleSession:
    """A session as the viewer may see it; a closed block carries only time and room."""

    id: int
    uid: str
    public_id: str
    closed: bool
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str
    revision: int
    room: Room | None
    abstract: str = ""
    kind: str | None = None
    track: Track | None = None
    speakers: tuple[Speaker, ...] = ()
    capacity: int | None = None
    requires_booking: bool = False
    restricted_to: tuple[str, ...] = ()
    restricted_visibility: str | None = None
    # The information-sharing marking: only a session shown in full carries it.
    tlp: str | None = None
    chatham_house: bool = False

    @property
    def room_id(self) -> int | None:
        return self.room.id if self.room is not None else None

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED.value

    @property
    def is_restricted(self) -> bool:
        return bool(self.restricted_to)

    @property
    def kind_label(self) -> str:
        return SessionKind(self.kind).label if self.kind else ""

    @property
    def marking(self) -> TLP | None:
        return TLP(self.tlp) if self.tlp else None

    @property
    def marking_labels(self) -> list[str]:
        """The TLP label and "Chatham House Rule", as feeds and exports carry them."""
        return marking_labels(self.tlp, self.chatham_house)

    @property
    def effective_capacity(self) -> int | None:
        return rules.effective_capacity(self.capacity, self.room)

    def local_day(self, event: Event) -> date:
        """The day the session starts on, in the event's timezone."""
        return self.starts_at.astimezone(event.tz).date()


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
    if visibility == permissions.SESSION_INVISIBLE:
        return None
    common = {
        "id": session.id,
        "uid": session.uid,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "status": session.status,
        "revision": session.revision or 0,
        "room": session.room,
    }
    if visibility == permissions.SESSION_CLOSED_BLOCK:
        # The organisers' external id may describe the session: derive one from the UID.
        return VisibleSession(
            public_id=derived_session_id(session.uid), closed=True, title=CLOSED_TITLE, **common
        )
    return VisibleSession(
        public_id=session_public_id(session),
        closed=False,
        title=session.title,
        abstract=session.abstract or "",
        kind=session.kind,
        track=session.track,
        speakers=tuple(session.speakers),
        capacity=session.capacity,
        requires_booking=bool(session.requires_booking),
        restricted_to=tuple(session.restricted_to or ()),
        restricted_visibility=session.restricted_visibility,
        tlp=session.tlp,
        chatham_house=bool(session.chatham_house),
        **common,
    )


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


def _session_options():
    return (
        joinedload(AgendaSession.room),
        joinedload(AgendaSession.track),
        selectinload(AgendaSession.speakers),
    )


def _programme_options():
    """For a whole programme: the speakers come from ``attach_speakers``."""
    return (
        joinedload(AgendaSession.room),
        joinedload(AgendaSession.track),
        lazyload(AgendaSession.speakers),
    )


def attach_speakers(sessions: list[AgendaSession], *conditions: Any) -> None:
    """Give every session its speakers, in order, from one query.

    ``conditions`` select the same sessions (on ``AgendaSession``). ``selectinload``
    would send one query per 500 sessions: ten for a programme of 5,000.
    """
    links = session_speakers.c
    rows = db.session.execute(
        select(links.session_id, Speaker)
        .join(Speaker, Speaker.id == links.speaker_id)
        .join(AgendaSession, AgendaSession.id == links.session_id)
        .where(*conditions)
        .order_by(links.session_id, links.position)
    )
    by_session: dict[int, list[Speaker]] = {}
    for session_id, speaker in rows:
        by_session.setdefault(session_id, []).append(speaker)
    for session in sessions:
        set_committed_value(session, "speakers", by_session.get(session.id, []))


def load_agenda(
    event: Event,
    viewer: Any,
    registration: Registration | None = None,
    *,
    everything: bool = False,
) -> AgendaView:
    """Every session of ``event`` that ``viewer`` may see, in time order, with rooms and tracks.

    Tracks and speakers are those of the sessions shown in full (staff get all),
    so a name used only by hidden or closed sessions is not revealed.
    ``everything`` shows it all, as to staff (for the command line).
    """
    is_staff = everything or permissions.is_event_staff(viewer, event)
    if registration is None and not is_staff:
        registration = permissions.registration_for(viewer, event)
    rooms = list(
        db.session.scalars(
            select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)
        )
    )
    room_order = {room.id: index for index, room in enumerate(rooms)}
    rows = db.session.scalars(
        select(AgendaSession)
        .where(AgendaSession.event_id == event.id)
        .options(*_programme_options())
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    ).all()
    attach_speakers(rows, AgendaSession.event_id == event.id)
    sessions = [
        shown
        for row in rows
        if (shown := visible_session(viewer, row, registration, full=everything)) is not None
    ]
    sessions.sort(key=lambda s: (s.starts_at, room_order.get(s.room_id, len(rooms)), s.id))
    if is_staff:
        tracks = list(
            db.session.scalars(
                select(Track).where(Track.event_id == event.id).order_by(Track.position, Track.id)
            )
        )
        speakers = list(
            db.session.scalars(
                select(Speaker)
                .where(Speaker.event_id == event.id)
                .order_by(Speaker.name, Speaker.id)
            )
        )
    else:
        used_tracks = {s.track.id: s.track for s in sessions if s.track is not None}
        tracks = sorted(used_tracks.values(), key=lambda t: (t.position, t.id))
        used_speakers = {p.id: p for s in sessions for p in s.speakers}
        speakers = sorted(used_speakers.values(), key=lambda p: (p.name, p.id))
    return AgendaView(event, sessions, rooms, tracks, speakers, is_staff, registration)


def load_session(event: Event, session_id: int) -> AgendaSession | None:
    """A session of ``event`` by id, with what its page shows, or None."""
    session = db.session.scalar(
        select(AgendaSession)
        .where(AgendaSession.id == session_id, AgendaSession.event_id == event.id)
        .options(*_session_options())
    )
    return session
