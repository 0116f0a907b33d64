"""The changelog of a published agenda: added, moved, re-roomed, retitled, cancelled sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from conference.agenda.models import (
    AgendaChange,
    AgendaSession,
    ChangeKind,
    Room,
    SessionChange,
    SessionStatus,
)
from conference.events.models import Event
from conference.extensions import db
from conference.localtime import format_local


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


def note_for_attendees(
    event: Event, before: SessionSnapshot, session: AgendaSession, *, actor: Any = None
) -> SessionChange | None:
    """Keep what the session looked like, for the mail that will tell its attendees.

    Drafts change freely. Every save adds a row (no read first, so a bulk import costs
    one INSERT per changed session); conference.notices compares the oldest row not yet
    announced with the session as it is then, and sends one mail per person per change set.
    """
    if not event.is_published:
        return None
    change = SessionChange(
        event_id=event.id,
        session_id=session.id,
        actor_id=getattr(actor, "id", None),
        was_title=before.title,
        was_starts_at=before.starts_at,
        was_ends_at=before.ends_at,
        was_room_id=before.room_id,
        was_room_name=_room_name(before.room_id) if before.room_id is not None else "",
        was_status=before.status,
    )
    db.session.add(change)
    return change


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


# --- What changed for attendees: the notices' mail and "My agenda" say the same ---------


@dataclass(frozen=True)
class SessionDelta:
    """How a session as a viewer sees it differs from what it was (a SessionChange).

    Each pair is (was, now) in words, None when that part did not change. A closed block's
    title is never compared: the viewer never saw it.
    """

    when: tuple[str, str] | None = None
    room: tuple[str, str] | None = None
    title: tuple[str, str] | None = None
    cancelled: bool = False
    reinstated: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.when or self.room or self.title or self.cancelled or self.reinstated)


def when_text(event: Event, starts_at: datetime, ends_at: datetime) -> str:
    """A session's time in the event's timezone, as the changelog and the notices write it,
    with day and month names in the language of the page (the stored changelog stays as
    it was written)."""
    start = format_local(starts_at, event.tz, "%a %d %b %H:%M")
    if starts_at.astimezone(event.tz).date() == ends_at.astimezone(event.tz).date():
        return f"{start}–{format_local(ends_at, event.tz, '%H:%M')}"
    return f"{start} – {format_local(ends_at, event.tz, '%a %d %b %H:%M')}"


def session_delta(event: Event, was: SessionChange, shown: Any) -> SessionDelta:
    """What changed between ``was`` and ``shown`` (a VisibleSession) for its viewer."""
    cancelled = SessionStatus.CANCELLED.value
    was_cancelled, is_cancelled = was.was_status == cancelled, shown.status == cancelled
    when = None
    if (was.was_starts_at, was.was_ends_at) != (shown.starts_at, shown.ends_at):
        when = (
            when_text(event, was.was_starts_at, was.was_ends_at),
            when_text(event, shown.starts_at, shown.ends_at),
        )
    room = None
    now_room_id = shown.room.id if shown.room is not None else None
    if was.was_room_id != now_room_id:
        no_room = _("no room")
        room = (was.was_room_name or no_room, shown.room.name if shown.room else no_room)
    title = None
    if not shown.closed and was.was_title != shown.title:
        title = (was.was_title, shown.title)
    return SessionDelta(
        when=when,
        room=room,
        title=title,
        cancelled=is_cancelled and not was_cancelled,
        reinstated=was_cancelled and not is_cancelled,
    )


def last_change_sets(session_ids: list[int]) -> dict[int, list[SessionChange]]:
    """For each session, how it was before each of its change sets, newest set first.

    A change set is the rows announced together (same ``announced_key``), or the rows not yet
    announced; its first row holds the session as attendees knew it then. One query.
    """
    if not session_ids:
        return {}
    rows = db.session.scalars(
        select(SessionChange)
        .where(SessionChange.session_id.in_(session_ids))
        .order_by(SessionChange.session_id, SessionChange.id)
    )
    firsts: dict[int, dict[str | None, SessionChange]] = {}
    for row in rows:
        firsts.setdefault(row.session_id, {}).setdefault(row.announced_key, row)
    return {
        session_id: sorted(sets.values(), key=lambda row: row.id, reverse=True)
        for session_id, sets in firsts.items()
    }


def latest_delta(event: Event, change_sets: list[SessionChange], shown: Any) -> SessionDelta | None:
    """What the newest change set that still changes something changed, or None.

    A pending set that undid itself (moved and moved back) leaves the last announced one.
    """
    for was in change_sets:
        delta = session_delta(event, was, shown)
        if not delta.is_empty:
            return delta
    return None
