"""Read-only questions about registrations: organisers' lists, counts, history, attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from conference.accounts.models import User
from conference.agenda.changelog import SessionDelta, last_change_sets, latest_delta
from conference.agenda.models import AgendaSession
from conference.agenda.queries import VisibleSession, visible_session
from conference.events.models import Event
from conference.extensions import db
from conference.registration import offers
from conference.registration.models import AuditEntry, Booking, BookingStatus, Registration


@dataclass
class RegistrantFilters:
    """The organisers' search box and filters; empty means "any"."""

    q: str = ""
    status: str = ""
    category: str = ""
    verified: str = ""  # "yes", "no" or ""
    country: str = ""
    # Only these registrations (a delegation's accepted nominees, composed by the page).
    registration_ids: frozenset[int] | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def registrants_query(event: Event, filters: RegistrantFilters) -> Select:
    """Registrations of the event matching the filters, by name."""
    query = (
        select(Registration)
        .join(User, User.id == Registration.user_id)
        .where(Registration.event_id == event.id)
        .options(joinedload(Registration.user))
    )
    if filters.q.strip():
        pattern = f"%{_escape_like(filters.q.strip().lower())}%"
        query = query.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(Registration.organisation).like(pattern, escape="\\"),
            )
        )
    if filters.status:
        query = query.where(Registration.status == filters.status)
    if filters.category:
        query = query.where(Registration.category == filters.category)
    if filters.verified == "yes":
        query = query.where(Registration.category_verified_clause())
    elif filters.verified == "no":
        # An expired verification no longer counts (as ``Registration.category_verified``).
        query = query.where(~Registration.category_verified_clause())
    if filters.country:
        query = query.where(Registration.country == filters.country.upper())
    if filters.registration_ids is not None:
        query = query.where(Registration.id.in_(sorted(filters.registration_ids)))
    return query.order_by(func.lower(User.name), Registration.id)


def list_registrants(
    event: Event, filters: RegistrantFilters, *, page: int = 1, per_page: int = 50
) -> tuple[list[Registration], int]:
    """One page of matching registrations and the number that match in all."""
    query = registrants_query(event, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((max(page, 1) - 1) * per_page))
    return list(rows.unique()), total or 0


def counts_by(event: Event, column) -> dict[str, int]:
    """How many registrations of the event have each value of ``column``."""
    rows = db.session.execute(
        select(column, func.count())
        .where(Registration.event_id == event.id)
        .group_by(column)
        .order_by(column)
    )
    return {value: count for value, count in rows}


def registrant_countries(event: Event) -> list[str]:
    return sorted(
        c
        for c in db.session.scalars(
            select(Registration.country).where(Registration.event_id == event.id).distinct()
        )
        if c
    )


def registration_in_event(event: Event, registration_id: int) -> Registration | None:
    """The registration, if it belongs to this event (ids from forms are not trusted)."""
    return db.session.scalar(
        select(Registration).where(
            Registration.id == registration_id, Registration.event_id == event.id
        )
    )


def session_in_event(event: Event, session_id: int) -> AgendaSession | None:
    return db.session.scalar(
        select(AgendaSession).where(
            AgendaSession.id == session_id, AgendaSession.event_id == event.id
        )
    )


def history(registration: Registration) -> list[AuditEntry]:
    """Everything recorded about one registration, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.registration_id == registration.id)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )


def audit_log(event: Event, *, page: int = 1, per_page: int = 100) -> tuple[list[AuditEntry], int]:
    """The event's audit trail, newest first."""
    base = select(AuditEntry).where(AuditEntry.event_id == event.id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.options(
            joinedload(AuditEntry.registration).joinedload(Registration.user),
            joinedload(AuditEntry.actor),
            joinedload(AuditEntry.session),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    return list(rows.unique()), total or 0


def session_bookings(session: AgendaSession) -> list[Booking]:
    """Confirmed seats (by name), open offers, then the waiting list in order."""
    rows = db.session.scalars(
        select(Booking)
        .join(Registration, Registration.id == Booking.registration_id)
        .join(User, User.id == Registration.user_id)
        .where(
            Booking.session_id == session.id,
            Booking.status != BookingStatus.CANCELLED.value,
        )
        .options(joinedload(Booking.registration).joinedload(Registration.user))
        .order_by(
            case(
                (Booking.status == BookingStatus.CONFIRMED.value, 0),
                (Booking.status == BookingStatus.OFFERED.value, 1),
                else_=2,
            ),
            Booking.waitlist_position,
            func.lower(User.name),
        )
    )
    return list(rows.unique())


def session_seat_overview(event: Event) -> list[tuple[AgendaSession, int]]:
    """Every session of the event with its waiting-list length, in programme order."""
    waiting = (
        select(Booking.session_id, func.count().label("n"))
        .where(Booking.status == BookingStatus.WAITLISTED.value)
        .group_by(Booking.session_id)
        .subquery()
    )
    rows = db.session.execute(
        select(AgendaSession, func.coalesce(waiting.c.n, 0))
        .outerjoin(waiting, waiting.c.session_id == AgendaSession.id)
        .where(AgendaSession.event_id == event.id)
        .options(joinedload(AgendaSession.room))
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    )
    return [(session, count) for session, count in rows]


def session_booking_counts(session: AgendaSession) -> tuple[int, int]:
    """(seats booked, people waiting) of a session: what a confirmation page says is at stake."""
    rows = db.session.execute(
        select(Booking.status, func.count())
        .where(
            Booking.session_id == session.id,
            Booking.status.in_([BookingStatus.CONFIRMED.value, BookingStatus.WAITLISTED.value]),
        )
        .group_by(Booking.status)
    )
    counts = dict(rows.all())
    return (
        counts.get(BookingStatus.CONFIRMED.value, 0),
        counts.get(BookingStatus.WAITLISTED.value, 0),
    )


@dataclass(frozen=True)
class MyBooking:
    """One of the registrant's bookings, with the session as they may see it."""

    session: VisibleSession
    status: str
    waitlist_position: int | None
    # 1 for the first in line; None when the booking holds a seat.
    rank: int | None = None
    # What the session's latest change set changed ("Moved: was ..."), if anything.
    change: SessionDelta | None = None
    # An open seat offer: its deadline and the token of its page.
    offer_expires_at: datetime | None = None
    offer_token: str | None = None

    @property
    def is_cancelled(self) -> bool:
        """The session is cancelled: the booking holds nothing any more."""
        return self.session.is_cancelled

    @property
    def is_offered(self) -> bool:
        return self.status == BookingStatus.OFFERED.value

    @property
    def is_waitlisted(self) -> bool:
        return self.status == BookingStatus.WAITLISTED.value

    @property
    def is_confirmed(self) -> bool:
        return self.status == BookingStatus.CONFIRMED.value


def list_my_bookings(viewer: Any, registration: Registration) -> list[MyBooking]:
    """The registrant's confirmed and waiting-list bookings in time order, each waiting one with
    its place in line: the one list "My agenda", "Your registration" and the API show."""
    ahead = aliased(Booking)
    waiting = BookingStatus.WAITLISTED.value
    rank = (
        select(func.count())
        .select_from(ahead)
        .where(
            ahead.session_id == Booking.session_id,
            ahead.status == waiting,
            ahead.waitlist_position < Booking.waitlist_position,
        )
        .correlate(Booking)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Booking, rank)
        .join(AgendaSession, AgendaSession.id == Booking.session_id)
        .where(
            Booking.registration_id == registration.id,
            Booking.status != BookingStatus.CANCELLED.value,
        )
        .options(
            joinedload(Booking.session).joinedload(AgendaSession.room),
            joinedload(Booking.session).joinedload(AgendaSession.track),
            joinedload(Booking.session).selectinload(AgendaSession.speakers),
        )
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    ).unique()
    shown_rows = []
    for booking, ahead_count in rows:
        shown = visible_session(viewer, booking.session, registration)
        if shown is not None:
            shown_rows.append((booking, ahead_count, shown))
    was = last_change_sets([shown.id for _, _, shown in shown_rows])
    bookings = []
    for booking, ahead_count, shown in shown_rows:
        place = (ahead_count or 0) + 1 if booking.status == waiting else None
        offered = booking.is_offered
        bookings.append(
            MyBooking(
                shown,
                booking.status,
                booking.waitlist_position,
                place,
                change=latest_delta(registration.event, was.get(shown.id, []), shown),
                offer_expires_at=booking.offer_expires_at if offered else None,
                offer_token=offers.offer_token(booking) if offered else None,
            )
        )
    return bookings
