"""Each session's state for one viewer on the agenda: booked, waiting (with the place), full,
or seats left; read in one query whatever the agenda's size.

Pages never cache this: it moves with every booking and differs between viewers. The agenda
marks where a session's state goes (``SEAT_MARK``, only in sessions the viewer sees in full)
and ``fill_seat_marks`` puts this viewer's states there on every request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, func, null, select
from sqlalchemy.orm import aliased

from conference.agenda import rules as agenda_rules
from conference.agenda.models import AgendaSession, Room, SessionStatus
from conference.events.models import Event
from conference.extensions import db
from conference.registration import rules
from conference.registration.models import Booking, BookingStatus, Registration

BOOKED = "booked"
OFFERED = "offered"  # a seat held for the viewer until they answer (registration/offers.py)
WAITING = "waiting"
FULL = "full"
SEATS = "seats"

# Where a session's state goes in a page; session ids only, so no title can forge one.
SEAT_MARK = "<!--seat:{}-->"
_MARK = re.compile(r"<!--seat:(\d+)-->")


class _RoomSeats(NamedTuple):
    capacity: int | None


@dataclass(frozen=True)
class SeatStatus:
    """One session's state for one viewer."""

    state: str
    rank: int | None = None  # place on the waiting list, 1 = first in line
    seats_left: int | None = None

    @property
    def label(self) -> str:
        if self.state == BOOKED:
            return _("Booked")
        if self.state == OFFERED:
            return _("Seat offered to you")
        if self.state == WAITING:
            return _("Waiting list: number %(rank)s", rank=self.rank)
        if self.state == FULL:
            return _("Full")
        return ngettext("%(num)d seat left", "%(num)d seats left", self.seats_left or 0)


def seat_statuses(
    event: Event, registration: Registration | None, now: datetime
) -> dict[int, SeatStatus]:
    """Session id -> the viewer's state, for the event's sessions that have one.

    One statement: the seat counters and the viewer's own bookings with their
    places in line. Seats are counted by the capacity rule (``agenda.rules``);
    sessions without a limit, cancelled or already started have no seat state.
    """
    columns = (
        AgendaSession.id,
        AgendaSession.capacity,
        Room.capacity,
        AgendaSession.confirmed_count,
        AgendaSession.status,
        AgendaSession.starts_at,
    )
    if registration is None:
        # No bookings of one's own: no join at all. An outer join ``ON 0 = 1`` made SQLite
        # 3.40 scan every booking of the database once per session (15 s on w5000, issue 13).
        statement = select(*columns, null(), null())
    else:
        mine = aliased(Booking)
        ahead = aliased(Booking)
        rank = (
            select(func.count())
            .select_from(ahead)
            .where(
                ahead.session_id == mine.session_id,
                ahead.status == BookingStatus.WAITLISTED.value,
                ahead.waitlist_position < mine.waitlist_position,
            )
            .correlate(mine)
            .scalar_subquery()
        )
        own = and_(
            mine.session_id == AgendaSession.id,
            mine.registration_id == registration.id,
            mine.status != BookingStatus.CANCELLED.value,
        )
        statement = select(*columns, mine.status, rank).outerjoin(mine, own)
    rows = db.session.execute(
        statement.outerjoin(Room, Room.id == AgendaSession.room_id).where(
            AgendaSession.event_id == event.id
        )
    )
    statuses: dict[int, SeatStatus] = {}
    for session_id, capacity, room_capacity, confirmed, status, starts_at, booked, ahead_n in rows:
        if booked == BookingStatus.CONFIRMED.value:
            statuses[session_id] = SeatStatus(BOOKED)
            continue
        if booked == BookingStatus.OFFERED.value:
            statuses[session_id] = SeatStatus(OFFERED)
            continue
        if booked == BookingStatus.WAITLISTED.value:
            statuses[session_id] = SeatStatus(WAITING, rank=(ahead_n or 0) + 1)
            continue
        room = _RoomSeats(room_capacity) if room_capacity is not None else None
        seats = agenda_rules.effective_capacity(capacity, room)
        if seats is None or status == SessionStatus.CANCELLED.value or _started(starts_at, now):
            continue
        left = rules.seats_left(seats, confirmed or 0)
        statuses[session_id] = (
            SeatStatus(FULL, seats_left=0) if left == 0 else SeatStatus(SEATS, seats_left=left)
        )
    return statuses


def _started(starts_at: datetime, now: datetime) -> bool:
    if starts_at.tzinfo is None:  # SQLite hands back naive UTC
        return starts_at <= now.replace(tzinfo=None)
    return starts_at <= now


def marked_sessions(page: str) -> bool:
    """Whether a rendered page has any seat marker to fill."""
    return _MARK.search(page) is not None


def fill_seat_marks(
    page: str, statuses: dict[int, SeatStatus], render: Callable[[SeatStatus], Any]
) -> str:
    """``page`` with each marker replaced by its session's state (or nothing)."""

    def one(match: re.Match) -> str:
        status = statuses.get(int(match.group(1)))
        return str(render(status)) if status is not None else ""

    return _MARK.sub(one, page)
