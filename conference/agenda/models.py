"""The agenda of an event: rooms, tracks, speakers and sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    exists,
    false,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from conference.agenda import rules
from conference.db_types import UTCDateTime, utcnow
from conference.extensions import db
from conference.markings import TLP

if TYPE_CHECKING:
    from conference.accounts.models import User
    from conference.events.models import Event


class SessionKind(StrEnum):
    PLENARY = "plenary"
    PANEL = "panel"
    WORKSHOP = "workshop"
    TALK = "talk"
    CLOSED_DOOR_BRIEFING = "closed_door_briefing"

    @property
    def label(self) -> str:
        """The kind's name in the language of the request (English outside requests)."""
        return str(SESSION_KIND_LABELS[self])

    @property
    def english_label(self) -> str:
        """The kind's English name, as import files give it and machine formats carry it."""
        return SESSION_KIND_NAMES[self]

    @classmethod
    def from_label(cls, label: str) -> SessionKind:
        # Import files name kinds in English, whatever the language of the request; a name
        # in French or German (a page's or an export's) is understood too.
        wanted = label.strip().lower()
        for kind, text in SESSION_KIND_NAMES.items():
            if text.lower() == wanted or kind.value == wanted:
                return kind
        for language in ("fr", "de"):
            with force_locale(language):
                for kind, text in SESSION_KIND_LABELS.items():
                    if str(text).lower() == wanted:
                        return kind
        raise ValueError(f"unknown session kind {label!r}")


SESSION_KIND_NAMES: dict[SessionKind, str] = {
    SessionKind.PLENARY: "Plenary",
    SessionKind.PANEL: "Panel",
    SessionKind.WORKSHOP: "Workshop",
    SessionKind.TALK: "Talk",
    SessionKind.CLOSED_DOOR_BRIEFING: "Closed-door briefing",
}
# What people read (the same English names, translated).
SESSION_KIND_LABELS = {
    SessionKind.PLENARY: _l("Plenary"),
    SessionKind.PANEL: _l("Panel"),
    SessionKind.WORKSHOP: _l("Workshop"),
    SessionKind.TALK: _l("Talk"),
    SessionKind.CLOSED_DOOR_BRIEFING: _l("Closed-door briefing"),
}


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RestrictedVisibility(StrEnum):
    # Others see a generic "Closed session" block at that time and room.
    LISTED = "listed"
    # Others do not see the session at all.
    HIDDEN = "hidden"


class Room(db.Model):
    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("event_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship()


class Track(db.Model):
    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("event_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship()


class Speaker(db.Model):
    __tablename__ = "speakers"
    __table_args__ = (UniqueConstraint("event_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    bio: Mapped[str] = mapped_column(Text, default="")

    event: Mapped[Event] = relationship()


session_speakers = Table(
    "session_speakers",
    db.metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("speaker_id", ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)


# Invitation-only sessions (issue 17): the delegations whose accepted nominees a restricted
# session admits, besides (or instead of) its categories. Delegations sit above the agenda, so
# the link is a bare table here; ``permissions.session_delegation_ids`` reads it.
session_delegations = Table(
    "session_delegations",
    db.metadata,
    Column("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "delegation_id",
        ForeignKey("delegations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


def new_session_uid() -> str:
    return f"{uuid.uuid4()}@conference"


class AgendaSession(db.Model):
    """One session of the programme (a talk, panel, workshop, briefing...)."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("event_id", "external_id"),
        Index("ix_sessions_event_start", "event_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(80))
    # The iCalendar UID: random once, never derived from title or time.
    uid: Mapped[str] = mapped_column(String(120), unique=True, default=new_session_uid)
    title: Mapped[str] = mapped_column(String(300))
    abstract: Mapped[str] = mapped_column(Text, default="")
    # The title and abstract in other languages: {"de": {"title": ..., "abstract": ...}}; as
    # restricted as the title and abstract themselves.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    kind: Mapped[str] = mapped_column(String(30), default=SessionKind.TALK.value)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # None means the room's capacity.
    capacity: Mapped[int | None] = mapped_column(Integer)
    # Attendees must book a seat beforehand; the door refuses those who did not.
    requires_booking: Mapped[bool] = mapped_column(Boolean, default=False)
    # Stakeholder category values allowed in; empty means open to every attendee.
    restricted_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    restricted_visibility: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default=SessionStatus.SCHEDULED.value)
    # The TLP 2.0 label (conference.markings.TLP) or None; shown only with the details.
    tlp: Mapped[str | None] = mapped_column(String(20))
    # Held under the Chatham House Rule: say so wherever the details are shown.
    chatham_house: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Bumped whenever attendees' calendars must update (iCalendar SEQUENCE).
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Confirmed bookings, kept by the registration services with conditional
    # UPDATEs so that concurrent bookings can never overfill the session.
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # Restricted to named delegations too: loaded with the row (no query of its own).
    invitation_only: Mapped[bool] = column_property(
        exists().where(session_delegations.c.session_id == id)
    )

    event: Mapped[Event] = relationship()
    track: Mapped[Track | None] = relationship()
    room: Mapped[Room | None] = relationship()
    # Read the speakers here, in programme order; write them through ``speaker_links``
    # (services.set_speakers), which keeps each one's position.
    speakers: Mapped[list[Speaker]] = relationship(
        secondary=session_speakers, order_by=session_speakers.c.position, viewonly=True
    )
    speaker_links: Mapped[list[SessionSpeaker]] = relationship(
        order_by=session_speakers.c.position, cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_restricted(self) -> bool:
        """Restricted to categories, to named delegations, or both."""
        return bool(self.restricted_to) or bool(self.invitation_only)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED.value

    @property
    def kind_label(self) -> str:
        return SessionKind(self.kind).label

    @property
    def effective_capacity(self) -> int | None:
        return rules.effective_capacity(self.capacity, self.room)

    @property
    def marking(self) -> TLP | None:
        return TLP(self.tlp) if self.tlp else None


class SessionSpeaker(db.Model):
    """A speaker's place on a session, in the order the programme lists them."""

    __table__ = session_speakers

    speaker: Mapped[Speaker] = relationship()


class ChangeKind(StrEnum):
    ADDED = "added"
    MOVED = "moved"
    REROOMED = "re-roomed"
    RETITLED = "retitled"
    CANCELLED = "cancelled"
    REINSTATED = "reinstated"

    @property
    def label(self) -> str:
        return str(CHANGE_KIND_LABELS[self])


CHANGE_KIND_LABELS = {
    ChangeKind.ADDED: _l("Added"),
    ChangeKind.MOVED: _l("Moved"),
    ChangeKind.REROOMED: _l("Re-roomed"),
    ChangeKind.RETITLED: _l("Retitled"),
    ChangeKind.CANCELLED: _l("Cancelled"),
    ChangeKind.REINSTATED: _l("Reinstated"),
}


class AgendaChange(db.Model):
    """One change to a published agenda: what happened to which session, when and by whom.

    ``detail`` names titles and rooms, restricted ones included: show it to staff only.
    """

    __tablename__ = "agenda_changes"
    __table_args__ = (Index("ix_agenda_changes_event_at", "event_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    # The session's revision once this change was made (the iCalendar SEQUENCE).
    revision: Mapped[int] = mapped_column(Integer, default=0)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[AgendaSession] = relationship()
    actor: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return ChangeKind(self.kind).label


class SessionChange(db.Model):
    """What a session of a published agenda looked like before an organiser changed it.

    One row per save that moved, re-roomed, retitled, cancelled or reinstated the session.
    Rows not yet announced (``announced_at`` NULL) are the attendees' pending change set:
    ``conference.notices`` compares the earliest one with the session as it is now, so a
    session moved and moved back announces nothing. Announced rows stay, so "My agenda" can
    say what the last change was ("Moved: was ...").
    """

    __tablename__ = "session_changes"
    __table_args__ = (
        Index("ix_session_changes_pending", "announced_at", "event_id"),
        Index("ix_session_changes_session", "session_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The session before the change.
    was_title: Mapped[str] = mapped_column(String(300))
    was_starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    was_ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    was_room_id: Mapped[int | None] = mapped_column(Integer)
    # The room's name then: the room may be renamed or removed since.
    was_room_name: Mapped[str] = mapped_column(String(200), default="")
    was_status: Mapped[str] = mapped_column(String(12))
    # Set by the one sender that claimed the row (a conditional UPDATE), with its mail.
    announced_key: Mapped[str | None] = mapped_column(String(40))
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[AgendaSession] = relationship()
