"""What one audience may see of a session, as an immutable value (no queries here).

A session is shown in full, as a closed block, or not at all. A closed block
carries what the agenda shows of it (its time, room and whether it is
cancelled) and an opaque, stable id; nothing that moves when its hidden
details (title, abstract, speakers, track, kind, revision, edit times) change.
Every public and attendee output is built from these values only, and so are
the digests that stand for them (ETags, the frab ``<version>``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, String, and_, cast, or_, select, true

from conference import permissions
from conference.agenda import rules
from conference.agenda.ids import closed_block_uid, derived_session_id, session_public_id
from conference.agenda.models import (
    AgendaSession,
    RestrictedVisibility,
    Room,
    SessionKind,
    SessionStatus,
    Speaker,
    Track,
    session_delegations,
)
from conference.agenda.translated import SESSION_FIELDS, frozen_translations
from conference.events.models import Event
from conference.markings import TLP, marking_labels

if TYPE_CHECKING:
    from conference.agenda.queries import SpeakerRow

CLOSED_TITLE = "Closed session"
# What exports give as a closed block's kind, whatever the session really is.
CLOSED_KIND = SessionKind.CLOSED_DOOR_BRIEFING.english_label


@dataclass(frozen=True)
class Audience:
    """Who is looking, as far as visibility goes: staff, or a verified category and/or the
    delegation whose accepted nominee they are, or neither.

    Viewers with the same audience see exactly the same agenda, so it is the
    key of every shared cache (a nominee of delegation A never gets B's).
    """

    staff: bool = False
    verified_category: str | None = None
    delegation: int | None = None

    @classmethod
    def of(cls, viewer: Any, event: Event, registration: Any = None) -> Audience:
        if permissions.is_event_staff(viewer, event):
            return cls(staff=True)
        if registration is None:
            registration = permissions.registration_for(viewer, event)
        return cls(
            verified_category=permissions.verified_category(registration),
            delegation=permissions.delegation_of(registration),
        )

    @property
    def is_public(self) -> bool:
        return not self.staff and self.verified_category is None and self.delegation is None

    def visibility(self, session: AgendaSession) -> str:
        """The rule itself (permissions.visibility_for): full, closed block or none."""
        return permissions.visibility_for(
            session,
            staff=self.staff,
            verified_category=self.verified_category,
            delegation_id=self.delegation,
        )

    def may_see(self) -> ColumnElement[bool]:
        """SQL keeping the sessions ``visibility`` does not make invisible (and maybe more).

        Hidden rows are never loaded, so a hidden session costs the same query as
        a missing one; ``visibility`` still decides every row that comes back.
        """
        if self.staff:
            return true()
        restricted = cast(AgendaSession.restricted_to, String)
        links = session_delegations.c
        shown = or_(
            and_(restricted == "[]", ~AgendaSession.invitation_only.expression),
            AgendaSession.restricted_visibility.is_(None),
            AgendaSession.restricted_visibility != RestrictedVisibility.HIDDEN.value,
        )
        if self.verified_category is not None:
            # Categories are plain identifiers, stored as a JSON list of strings.
            shown = or_(shown, restricted.like(f'%"{self.verified_category}"%'))
        if self.delegation is not None:
            shown = or_(
                shown,
                AgendaSession.id.in_(
                    select(links.session_id).where(links.delegation_id == self.delegation)
                ),
            )
        return shown


PUBLIC = Audience()
STAFF = Audience(staff=True)


@dataclass(frozen=True)
class VisibleSession:
    """A session as the viewer may see it; a closed block carries only time, room and status."""

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
    created_at: datetime
    updated_at: datetime
    abstract: str = ""
    kind: str | None = None
    track: Track | None = None
    # The programme fills it with plain rows (``queries.SpeakerRow``): the same attributes.
    speakers: tuple[Speaker | SpeakerRow, ...] = ()
    capacity: int | None = None
    requires_booking: bool = False
    restricted_to: tuple[str, ...] = ()
    restricted_visibility: str | None = None
    # Restricted to named delegations as well as (or instead of) ``restricted_to``.
    invitation_only: bool = False
    # The information-sharing marking: only a session shown in full carries it.
    tlp: str | None = None
    chatham_house: bool = False
    # The French and German title and abstract, frozen ((language, ((field, text), ...)), ...);
    # exactly as restricted as the title and abstract: a closed block carries none.
    translations: tuple = ()

    @property
    def marking(self) -> TLP | None:
        return TLP(self.tlp) if self.tlp else None

    @property
    def marking_labels(self) -> list[str]:
        """The TLP label and "Chatham House Rule", as feeds and exports carry them."""
        return marking_labels(self.tlp, self.chatham_house)

    @property
    def room_id(self) -> int | None:
        return self.room.id if self.room is not None else None

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED.value

    @property
    def is_restricted(self) -> bool:
        return bool(self.restricted_to) or self.invitation_only

    @property
    def kind_label(self) -> str:
        return SessionKind(self.kind).label if self.kind else ""

    @property
    def effective_capacity(self) -> int | None:
        return rules.effective_capacity(self.capacity, self.room)

    def local_day(self, event: Event) -> date:
        """The day the session starts on, in the event's timezone."""
        return self.starts_at.astimezone(event.tz).date()


def event_epoch(event: Event) -> datetime:
    """The instant closed blocks and empty feeds give as their last change.

    Publication is the first thing the public sees; it moves with nothing hidden.
    """
    return (event.published_at or event.created_at).replace(microsecond=0)


def shown_session(session: AgendaSession, visibility: str, event: Event) -> VisibleSession | None:
    """``session`` cut down to ``visibility``: in full, a closed block, or None."""
    if visibility == permissions.SESSION_INVISIBLE:
        return None
    common = {
        "id": session.id,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "status": session.status,
        "room": session.room,
    }
    if visibility == permissions.SESSION_CLOSED_BLOCK:
        # Neither the real UID nor the organisers' external id (it may describe the
        # session), no revision and no edit time: editing the details moves nothing.
        epoch = event_epoch(event)
        return VisibleSession(
            uid=closed_block_uid(session.uid),
            public_id=derived_session_id(session.uid),
            closed=True,
            title=CLOSED_TITLE,
            revision=0,
            created_at=epoch,
            updated_at=epoch,
            **common,
        )
    return VisibleSession(
        uid=session.uid,
        public_id=session_public_id(session),
        closed=False,
        title=session.title,
        revision=session.revision or 0,
        created_at=session.created_at.replace(microsecond=0),
        updated_at=session.updated_at.replace(microsecond=0),
        abstract=session.abstract or "",
        kind=session.kind,
        track=session.track,
        speakers=tuple(session.speakers),
        capacity=session.capacity,
        requires_booking=bool(session.requires_booking),
        restricted_to=tuple(session.restricted_to or ()),
        restricted_visibility=session.restricted_visibility,
        invitation_only=bool(session.invitation_only),
        tlp=session.tlp,
        chatham_house=bool(session.chatham_house),
        translations=frozen_translations(session.translations, SESSION_FIELDS),
        **common,
    )


def _room(room: Room | None) -> tuple:
    return (room.id, room.external_id, room.name, room.capacity) if room is not None else ()


def _track(track: Track | None) -> tuple:
    return (track.id, track.external_id, track.name) if track is not None else ()


def _speaker(speaker: Speaker) -> tuple:
    return (
        speaker.id,
        speaker.external_id,
        speaker.name,
        speaker.organisation,
        speaker.country,
        speaker.bio,
    )


def session_content(item: VisibleSession) -> tuple:
    """Everything ``item`` shows, as plain values (its room, track and speakers included)."""
    converters = {"room": _room, "track": _track, "speakers": lambda s: tuple(map(_speaker, s))}
    return tuple(
        converters.get(name, lambda value: value)(getattr(item, name))
        for name in VisibleSession.__dataclass_fields__
    )


def content_digest(
    event: Event,
    sessions: list[VisibleSession],
    rooms: list[Room],
    tracks: list[Track],
    speakers: list[Speaker],
) -> str:
    """A hash of everything an audience sees of the agenda, and nothing else."""
    event_part = (
        event.slug,
        event.title,
        event.kind,
        event.timezone,
        event.venue,
        event.description,
        repr(sorted((event.translations or {}).items())),
        event.start_date,
        event.end_date,
        bool(event.is_published),
    )
    content = (
        event_part,
        tuple(session_content(s) for s in sessions),
        tuple(_room(r) for r in rooms),
        tuple(_track(t) for t in tracks),
        tuple(_speaker(s) for s in speakers),
    )
    return hashlib.sha256(repr(content).encode()).hexdigest()
