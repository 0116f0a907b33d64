"""Scheduling conflicts: a room booked twice, a speaker in two places at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from conference.agenda import rules
from conference.agenda.models import AgendaSession, SessionStatus
from conference.events.models import Event
from conference.extensions import db
from conference.localtime import format_local

ROOM = "room"
SPEAKER = "speaker"


@dataclass(frozen=True)
class ScheduleConflict:
    """One clash between the session being saved (or shown) and another session."""

    kind: str
    message: str
    other_session_id: int


class _Scheduled(Protocol):
    id: int
    title: str
    room_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: str
    speakers: Any


def _span(event: Event, starts_at: datetime, ends_at: datetime) -> str:
    start = format_local(starts_at, event.tz, "%a %d %b %H:%M")
    return f"{start}–{format_local(ends_at, event.tz, '%H:%M')}"


def find_conflicts(
    event: Event,
    *,
    starts_at: datetime,
    ends_at: datetime,
    room_id: int | None,
    speaker_ids: Iterable[int],
    exclude_id: int | None = None,
) -> list[ScheduleConflict]:
    """Sessions of the event that overlap this slot in the same room or with a shared speaker."""
    wanted_speakers = set(speaker_ids)
    query = (
        select(AgendaSession)
        .where(
            AgendaSession.event_id == event.id,
            AgendaSession.status != SessionStatus.CANCELLED.value,
            AgendaSession.starts_at < ends_at,
            AgendaSession.ends_at > starts_at,
        )
        .options(joinedload(AgendaSession.room), selectinload(AgendaSession.speakers))
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    )
    if exclude_id is not None:
        query = query.where(AgendaSession.id != exclude_id)
    conflicts: list[ScheduleConflict] = []
    for other in db.session.scalars(query):
        when = _span(event, other.starts_at, other.ends_at)
        if room_id is not None and other.room_id == room_id:
            room = other.room.name if other.room else _("The room")
            message = _(
                "%(room)s is already taken by “%(title)s” (%(when)s).",
                room=room,
                title=other.title,
                when=when,
            )
            conflicts.append(ScheduleConflict(ROOM, message, other.id))
        for speaker in other.speakers:
            if speaker.id in wanted_speakers:
                conflicts.append(
                    ScheduleConflict(
                        SPEAKER,
                        _(
                            "%(name)s is also speaking in “%(title)s” (%(when)s).",
                            name=speaker.name,
                            title=other.title,
                            when=when,
                        ),
                        other.id,
                    )
                )
    return conflicts


def _overlapping_pairs(items: list[_Scheduled]) -> Iterable[tuple[_Scheduled, _Scheduled]]:
    """Pairs that overlap in time, by a sweep over the items sorted by start."""
    ordered = sorted(items, key=lambda s: (s.starts_at, s.id))
    active: list[_Scheduled] = []
    for item in ordered:
        active = [a for a in active if a.ends_at > item.starts_at]
        for other in active:
            yield other, item
        active.append(item)


def timetable_conflicts(sessions: Iterable[_Scheduled]) -> dict[int, list[str]]:
    """For the organisers' timetable: session id → warnings, for every clash among ``sessions``
    (and seats beyond the room's, which an import may bring in)."""
    live = [s for s in sessions if s.status != SessionStatus.CANCELLED.value]
    by_room: dict[int, list[_Scheduled]] = defaultdict(list)
    by_speaker: dict[int, list[_Scheduled]] = defaultdict(list)
    names: dict[int, str] = {}
    for session in live:
        if session.room_id is not None:
            by_room[session.room_id].append(session)
        for speaker in session.speakers:
            by_speaker[speaker.id].append(session)
            names[speaker.id] = speaker.name
    warnings: dict[int, list[str]] = defaultdict(list)
    for session in live:
        room, capacity = getattr(session, "room", None), getattr(session, "capacity", None)
        if rules.exceeds_room(capacity, room):
            warnings[session.id].append(
                _(
                    "%(seats)s seats, more than %(room)s holds (%(capacity)s).",
                    seats=capacity,
                    room=room.name,
                    capacity=room.capacity,
                )
            )
    for group in by_room.values():
        for first, second in _overlapping_pairs(group):
            warnings[first.id].append(_("Room double-booked with “%(title)s”.", title=second.title))
            warnings[second.id].append(_("Room double-booked with “%(title)s”.", title=first.title))
    for speaker_id, group in by_speaker.items():
        for first, second in _overlapping_pairs(group):
            name = names[speaker_id]
            for one, other in ((first, second), (second, first)):
                warnings[one.id].append(
                    _(
                        "%(name)s is also in “%(title)s” at the same time.",
                        name=name,
                        title=other.title,
                    )
                )
    return dict(warnings)
