"""The changelog of a published agenda: added, moved, re-roomed, retitled, cancelled sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from conference.agenda.models import AgendaChange, AgendaSession, ChangeKind, Room, SessionStatus
from conference.events.models import Event
from conference.extensions import db


@dataclass(frozen=True)
class SessionSnapshot:
    """What a session looked like before a change, to describe the change afterwards."""

    title: str
    starts_at: datetime
    ends_at: datetime
    room_id: int | None
    status: str

    @classmethod
    def of(cls, session: AgendaSession) -> SessionSnapshot:
        return cls(
            session.title, session.starts_at, session.ends_at, session.room_id, session.status
        )


def _when(event: Event, starts_at: datetime, ends_at: datetime) -> str:
    start, end = starts_at.astimezone(event.tz), ends_at.astimezone(event.tz)
    if start.date() == end.date():
        return f"{start:%a %d %b %H:%M}–{end:%H:%M}"
    return f"{start:%a %d %b %H:%M} – {end:%a %d %b %H:%M}"


def _room_name(room_id: int | None) -> str:
    room = db.session.get(Room, room_id) if room_id is not None else None
    return room.name if room is not None else "no room"


def describe_changes(
    event: Event, before: SessionSnapshot, session: AgendaSession
) -> list[tuple[ChangeKind, str]]:
    """The changelog entries (kind, detail) between ``before`` and the session as it is now."""
    entries: list[tuple[ChangeKind, str]] = []
    if before.status != session.status:
        if session.status == SessionStatus.CANCELLED.value:
            entries.append((ChangeKind.CANCELLED, f"“{session.title}” is cancelled"))
        else:
            entries.append((ChangeKind.REINSTATED, f"“{session.title}” is back on the agenda"))
    if before.title != session.title:
        entries.append((ChangeKind.RETITLED, f"“{before.title}” → “{session.title}”"))
    if (before.starts_at, before.ends_at) != (session.starts_at, session.ends_at):
        old = _when(event, before.starts_at, before.ends_at)
        new = _when(event, session.starts_at, session.ends_at)
        entries.append((ChangeKind.MOVED, f"{old} → {new} ({event.timezone})"))
    if before.room_id != session.room_id:
        old_room, new_room = _room_name(before.room_id), _room_name(session.room_id)
        entries.append((ChangeKind.REROOMED, f"{old_room} → {new_room}"))
    return entries


def record_change(
    event: Event, session: AgendaSession, kind: ChangeKind, detail: str, *, actor: Any = None
) -> AgendaChange | None:
    """Add a changelog entry, but only once the agenda is public (drafts change freely)."""
    if not event.is_published:
        return None
    change = AgendaChange(
        event_id=event.id,
        session=session,
        kind=kind.value,
        detail=detail,
        revision=session.revision or 0,
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(change)
    return change


def record_session_changes(
    event: Event, before: SessionSnapshot, session: AgendaSession, *, actor: Any = None
) -> list[AgendaChange]:
    """Record every changelog entry that ``before`` → now calls for."""
    recorded = []
    for kind, detail in describe_changes(event, before, session):
        change = record_change(event, session, kind, detail, actor=actor)
        if change is not None:
            recorded.append(change)
    return recorded


def list_changes(event: Event, *, limit: int = 500) -> list[AgendaChange]:
    """The event's most recent changelog entries, newest first."""
    return list(
        db.session.scalars(
            select(AgendaChange)
            .where(AgendaChange.event_id == event.id)
            .options(joinedload(AgendaChange.session), joinedload(AgendaChange.actor))
            .order_by(AgendaChange.at.desc(), AgendaChange.id.desc())
            .limit(limit)
        )
    )
