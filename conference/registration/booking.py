"""Booking rules: seats, waiting lists, promotion, overlaps.

A seat is claimed with a conditional UPDATE of ``sessions.confirmed_count``
(see ``seats``); a full session puts the booking on its waiting list, and a
freed seat goes to the first in line, all inside the caller's transaction.
Only held seats make an overlap: a waiting place never blocks a booking. A
freed seat whose first in line holds an overlapping booking is offered to
them (``offers``) instead of confirming a clash.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from conference import permissions
from conference.agenda.models import AgendaSession
from conference.db_types import utcnow
from conference.errors import BookingError, BookingForbidden, NotFound, PermissionDenied
from conference.events.services import registration_is_open
from conference.extensions import db
from conference.localtime import format_local
from conference.registration import audit, notify, offers, rules, seats
from conference.registration.models import (
    SEAT_HOLDING_STATUSES,
    Booking,
    BookingStatus,
    Registration,
)

CONFIRMED = BookingStatus.CONFIRMED.value
WAITLISTED = BookingStatus.WAITLISTED.value
OFFERED = BookingStatus.OFFERED.value
CANCELLED = BookingStatus.CANCELLED.value
ACTIVE = (CONFIRMED, WAITLISTED, OFFERED)


def _check_actor(actor: Any, registration: Registration) -> None:
    if actor is None or actor.id == registration.user_id:
        return
    if not permissions.can_moderate_registrations(actor, registration.event):
        raise PermissionDenied(_("You may only change your own bookings."))


def get_booking(registration: Registration, session: AgendaSession) -> Booking | None:
    """The registration's booking of the session (in any state), as it is now."""
    return db.session.scalar(
        seats.fresh(
            select(Booking).where(
                Booking.registration_id == registration.id, Booking.session_id == session.id
            )
        )
    )


def active_bookings(registration: Registration) -> list[Booking]:
    """Confirmed, waiting and offered bookings, in programme order."""
    return list(
        db.session.scalars(
            seats.fresh(
                select(Booking)
                .join(AgendaSession, AgendaSession.id == Booking.session_id)
                .where(Booking.registration_id == registration.id, Booking.status.in_(ACTIVE))
                .order_by(AgendaSession.starts_at, AgendaSession.id)
            )
        )
    )


def overlap_message(registration: Registration, clash: AgendaSession) -> str:
    """Name the clashing session only if its holder may see its details."""
    if permissions.can_see_session_details(registration.user, clash):
        tz = clash.event.tz
        when = f"{format_local(clash.starts_at, tz, '%a %d %b, %H:%M')}–{format_local(clash.ends_at, tz, '%H:%M')}"
        return _(
            "This session overlaps with “%(title)s” (%(when)s), which you have already booked.",
            title=clash.title,
            when=when,
        )
    return _("This session overlaps with another session you have already booked.")


def book_session(
    registration: Registration, session: AgendaSession, *, actor: Any, now: datetime | None = None
) -> Booking:
    """Confirm a seat, or a place on the waiting list when the session is full."""
    _check_actor(actor, registration)
    if session.event_id != registration.event_id:
        raise NotFound(_("No such session in this event."))
    now = now or utcnow()
    seats.lock(registration)
    refusal = rules.booking_refusal(
        registration,
        session,
        registration_open=registration_is_open(registration.event, now),
        now=now,
    )
    if refusal is not None:
        error = BookingForbidden if refusal.status == 403 else BookingError
        raise error(refusal.message, code=refusal.code)
    booking = get_booking(registration, session)
    if booking is not None and booking.status == CONFIRMED:
        raise BookingError(_("You already have a seat in this session."), code="already_booked")
    if booking is not None and booking.status == WAITLISTED:
        raise BookingError(
            _("You are already on this session's waiting list."), code="already_booked"
        )
    if booking is not None and booking.status == OFFERED:
        raise BookingError(
            _(
                "A seat in this session is offered to you: accept or decline it from your "
                "registration page."
            ),
            code="offered",
        )
    clashes = offers.clashing_bookings(registration, session)
    seats.lock(session)
    # An overlap refuses a seat; a full session's waiting list may still be joined: a seat
    # that frees up is then offered, never confirmed into a clash.
    if clashes and rules.seats_left(session.effective_capacity, session.confirmed_count) != 0:
        raise BookingError(overlap_message(registration, clashes[0].session), code=rules.OVERLAP)
    try:
        quota_id = seats.claim_delegation_place(registration, session)
    except seats.DelegationQuotaFull as full:
        raise BookingError(
            rules.delegation_quota_message(full.quota), code=rules.DELEGATION_QUOTA_FULL
        ) from None
    if booking is None:
        booking = Booking(registration_id=registration.id, session_id=session.id)
        db.session.add(booking)
    booking.delegation_quota_id = quota_id
    if seats.claim_session_seat(session):
        booking.status, booking.waitlist_position = CONFIRMED, None
        action = "booked"
    else:
        booking.status = WAITLISTED
        booking.waitlist_position = _next_waitlist_position(session)
        action = "booking_waitlisted"
    booking.updated_at = utcnow()
    db.session.flush()
    audit.record(registration, action, actor=actor, to_state=booking.status, session=session)
    return booking


def _next_waitlist_position(session: AgendaSession) -> int:
    """One past the last in line; the session lock makes it unique."""
    last = db.session.scalar(
        select(func.max(Booking.waitlist_position)).where(Booking.session_id == session.id)
    )
    return (last or 0) + 1


def unbook_session(registration: Registration, session: AgendaSession, *, actor: Any) -> Booking:
    """Give up a seat (the first in line gets it) or leave the waiting list."""
    _check_actor(actor, registration)
    if session.event_id != registration.event_id:
        raise NotFound(_("No such session in this event."))
    seats.lock(registration)
    seats.lock(session)
    booking = get_booking(registration, session)
    if booking is None or booking.status == CANCELLED:
        raise BookingError(_("You have not booked this session."), code="not_booked")
    declined = booking.status == OFFERED
    _cancel_locked(
        booking, session, actor=actor, action="seat_offer_declined" if declined else None
    )
    return booking


def _cancel_locked(
    booking: Booking, session: AgendaSession, *, actor: Any, action: str | None = None
) -> None:
    """Cancel a booking whose session is locked; a freed seat goes to the waiting list."""
    previous = booking.status
    if previous in ACTIVE:
        seats.release_delegation_place(booking.delegation_quota_id)
        booking.delegation_quota_id = None
    booking.status, booking.waitlist_position = CANCELLED, None
    booking.offer_expires_at = booking.offer_nonce = None
    booking.updated_at = utcnow()
    db.session.flush()
    audit.record(
        booking.registration,
        action or "unbooked",
        actor=actor,
        from_state=previous,
        to_state=CANCELLED,
        session=session,
    )
    if previous in SEAT_HOLDING_STATUSES:
        seats.release_session_seat(session)
        fill_session_seats(session, actor=None, locked=True)


def cancel_bookings(
    registration: Registration,
    *,
    actor: Any,
    only: Callable[[AgendaSession], bool] | None = None,
) -> int:
    """Cancel the registration's active bookings (those ``only`` selects), sessions in id order."""
    bookings = [b for b in active_bookings(registration) if only is None or only(b.session)]
    sessions = sorted({b.session_id: b.session for b in bookings}.values(), key=lambda s: s.id)
    for session in sessions:
        seats.lock(session)
        booking = get_booking(registration, session)
        if booking is not None and booking.status in ACTIVE:
            _cancel_locked(booking, session, actor=actor)
    return len(sessions)


def _eligible(booking: Booking) -> bool:
    registration = booking.registration
    return permissions.may_attend_session(registration, booking.session)


def _confirm_waiting(booking: Booking, session: AgendaSession, *, actor: Any) -> bool:
    """Move one waiting booking to a seat already claimed for it; False if it moved meanwhile."""
    moved = db.session.execute(
        update(Booking.__table__)
        .where(Booking.id == booking.id, Booking.status == WAITLISTED)
        .values(status=CONFIRMED, waitlist_position=None, updated_at=utcnow())
    )
    if moved.rowcount != 1:
        return False
    db.session.refresh(booking)
    audit.record(
        booking.registration,
        "booking_promoted",
        actor=actor,
        from_state=WAITLISTED,
        to_state=CONFIRMED,
        session=session,
    )
    notify.booking_promoted(booking)
    return True


def _give_seat(booking: Booking, session: AgendaSession, *, actor: Any) -> bool:
    """Hand a seat already claimed to a waiting booking: confirmed, or offered if it would clash.

    A confirmation must hold the person's registration, so that no booking of theirs that
    overlaps can be confirmed meanwhile; when another transaction holds it (they are booking
    right now), the seat is offered instead: an offer never confirms a clash, and accepting
    checks again. False if the booking left the waiting list meanwhile.
    """
    registration = booking.registration
    clashes = offers.clashing_bookings(registration, session)
    if not clashes and seats.try_lock(registration):
        clashes = offers.clashing_bookings(registration, session)
        if not clashes:
            return _confirm_waiting(booking, session, actor=actor)
    return offers.hold_offer(booking, session, clashes, actor=actor)


def waiting_list(session: AgendaSession) -> list[Booking]:
    """The session's waiting list, first in line first."""
    return list(
        db.session.scalars(
            seats.fresh(
                select(Booking)
                .where(Booking.session_id == session.id, Booking.status == WAITLISTED)
                .order_by(Booking.waitlist_position, Booking.id)
            )
        )
    )


def fill_session_seats(
    session: AgendaSession, *, actor: Any, locked: bool = False
) -> list[Booking]:
    """Give free seats to the waiting list in order; returns the promoted bookings.

    Waiting attendees who may no longer attend (registration cancelled, category
    no longer verified) are passed over.
    """
    if not locked:
        if actor is not None and not permissions.can_moderate_registrations(actor, session.event):
            raise PermissionDenied(_("Only the event's organisers manage waiting lists."))
        seats.lock(session)
    promoted: list[Booking] = []
    for booking in waiting_list(session):
        if not _eligible(booking):
            continue
        if not seats.claim_session_seat(session):
            break
        if _give_seat(booking, session, actor=actor):
            promoted.append(booking)
        else:
            seats.release_session_seat(session)
    db.session.flush()
    return promoted


def promote_booking(booking: Booking, *, actor: Any) -> Booking:
    """An organiser gives a free seat to this waiting booking, whatever its place in line.

    Offered instead of confirmed when it would clash with one of the person's bookings.
    """
    session = booking.session
    if actor is not None and not permissions.can_moderate_registrations(actor, session.event):
        raise PermissionDenied(_("Only the event's organisers manage waiting lists."))
    seats.lock(session)
    db.session.refresh(booking)
    if booking.status != WAITLISTED:
        raise BookingError(_("This booking is not on the waiting list any more."))
    if not _eligible(booking):
        raise BookingForbidden(_("This attendee may not attend the session any more."))
    if not seats.claim_session_seat(session):
        raise BookingError(
            _(
                "The session is full: no seat to give. Raise its capacity or wait for a "
                "cancellation."
            )
        )
    if not _give_seat(booking, session, actor=actor):
        seats.release_session_seat(session)
        raise BookingError(_("This booking is not on the waiting list any more."))
    db.session.flush()
    return booking


def waitlist_rank(booking: Booking) -> int | None:
    """1 for the first in line; None when the booking is not waiting."""
    if booking.status != WAITLISTED or booking.waitlist_position is None:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.session_id == booking.session_id,
            Booking.status == WAITLISTED,
            Booking.waitlist_position < booking.waitlist_position,
        )
    )
    return (ahead or 0) + 1
