"""Answers to seat offers: accept (giving up what overlaps), decline, or let it expire.

Every answer takes the locks in the order ``seats`` documents (own registration, then
sessions by id) and moves the booking with a conditional UPDATE from ``offered``, so an
offer is answered once: two clicks, a click and the expiry round, or two expiry workers
at once leave exactly one outcome, and the held seat is counted exactly once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from conference.agenda.models import AgendaSession
from conference.db_types import utcnow
from conference.errors import BookingError, BookingForbidden, SeatOfferGone
from conference.extensions import db
from conference.registration import audit, notify, offers, rules, seats
from conference.registration.booking import _cancel_locked, _check_actor, fill_session_seats
from conference.registration.models import Booking, BookingStatus
from conference.tasks.registry import background_task

OFFERED = BookingStatus.OFFERED.value
CONFIRMED = BookingStatus.CONFIRMED.value
CANCELLED = BookingStatus.CANCELLED.value


@dataclass(frozen=True)
class OfferView:
    """What the offer page shows: the offer and the bookings accepting would give up."""

    booking: Booking
    session: AgendaSession
    give_up: list[Booking]


def describe_offer(booking: Booking) -> OfferView:
    """The open offer with the person's confirmed bookings it overlaps (read only)."""
    return OfferView(
        booking, booking.session, offers.clashing_bookings(booking.registration, booking.session)
    )


def _locked_open_offer(booking: Booking, nonce: str | None, now: datetime) -> None:
    db.session.refresh(booking)
    if booking.status != OFFERED or (nonce is not None and booking.offer_nonce != nonce):
        raise SeatOfferGone(offers.gone_message())
    if booking.offer_expires_at is not None and booking.offer_expires_at <= now:
        raise SeatOfferGone(_("This seat offer expired: the seat goes to the next in line."))


def accept_offer(
    booking: Booking,
    *,
    actor: Any,
    give_up: Collection[int] | None = None,
    nonce: str | None = None,
    now: datetime | None = None,
) -> list[AgendaSession]:
    """Take the offered seat and give up the person's bookings that overlap it.

    ``give_up`` is the ids of the sessions the person was shown: if accepting would now
    give up another one, nothing changes and the page is shown again (never a silent
    loss). Returns the sessions given up.
    """
    registration = booking.registration
    _check_actor(actor, registration)
    now = now or utcnow()
    seats.lock(registration)
    _locked_open_offer(booking, nonce, now)
    session = booking.session
    refusal = rules.booking_refusal(registration, session, registration_open=True)
    if refusal is not None:
        raise BookingForbidden(refusal.message, code=refusal.code)
    clashes = offers.clashing_bookings(registration, session)
    if give_up is not None and {b.session_id for b in clashes} - set(give_up):
        raise BookingError(
            _(
                "Your bookings changed since the offer was shown: look at what accepting would "
                "give up now, and answer again."
            ),
            code="offer_changed",
        )
    seats.lock_ids(AgendaSession, [session.id, *(b.session_id for b in clashes)])
    moved = db.session.execute(
        update(Booking.__table__)
        .where(
            Booking.id == booking.id,
            Booking.status == OFFERED,
            Booking.offer_nonce == booking.offer_nonce,
            Booking.offer_expires_at > now,
        )
        .values(
            status=CONFIRMED,
            waitlist_position=None,
            offer_expires_at=None,
            offer_nonce=None,
            updated_at=utcnow(),
        )
    )
    if moved.rowcount != 1:
        raise SeatOfferGone(offers.gone_message())
    db.session.refresh(booking)
    given_up = [b.session for b in clashes]
    audit.record(
        registration,
        "seat_offer_accepted",
        actor=actor,
        from_state=OFFERED,
        to_state=CONFIRMED,
        session=session,
        detail="Gave up " + ", ".join(f"“{s.title}”" for s in given_up) if given_up else "",
    )
    for clash in clashes:
        db.session.refresh(clash)
        if clash.status == CONFIRMED:
            _cancel_locked(clash, clash.session, actor=actor)
    db.session.flush()
    return given_up


def decline_offer(booking: Booking, *, actor: Any, nonce: str | None = None) -> None:
    """Refuse the offered seat: it goes to the next in line; the other bookings stay."""
    registration = booking.registration
    _check_actor(actor, registration)
    seats.lock(registration)
    session = seats.lock(booking.session)
    db.session.refresh(booking)
    if booking.status != OFFERED or (nonce is not None and booking.offer_nonce != nonce):
        raise SeatOfferGone(offers.gone_message())
    _cancel_locked(booking, session, actor=actor, action="seat_offer_declined")
    db.session.flush()


def due_offers(now: datetime, *, limit: int = 100) -> list[int]:
    """Ids of open offers whose time ran out, oldest deadline first."""
    return list(
        db.session.scalars(
            select(Booking.id)
            .where(Booking.status == OFFERED, Booking.offer_expires_at <= now)
            .order_by(Booking.offer_expires_at, Booking.id)
            .limit(limit)
        )
    )


def expire_offer(booking_id: int, *, now: datetime) -> Booking | None:
    """Pass an unanswered offer to the next in line; None if it was answered or taken first.

    Several workers may run this at once: the conditional UPDATE, under the session's lock,
    lets exactly one of them expire the offer and hand the seat on.
    """
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        return None
    session = seats.lock(booking.session)
    moved = db.session.execute(
        update(Booking.__table__)
        .where(
            Booking.id == booking_id,
            Booking.status == OFFERED,
            Booking.offer_expires_at <= now,
        )
        .values(
            status=CANCELLED,
            waitlist_position=None,
            offer_expires_at=None,
            offer_nonce=None,
            updated_at=utcnow(),
        )
    )
    if moved.rowcount != 1:
        return None
    db.session.refresh(booking)
    audit.record(
        booking.registration,
        "seat_offer_expired",
        actor=None,
        from_state=OFFERED,
        to_state=CANCELLED,
        session=session,
    )
    notify.seat_offer_expired(booking)
    seats.release_delegation_place(booking.delegation_quota_id)
    booking.delegation_quota_id = None
    seats.release_session_seat(session)
    fill_session_seats(session, actor=None, locked=True)
    db.session.flush()
    return booking


def expire_due_offers(now: datetime | None = None, *, limit: int = 100) -> int:
    """Expire every due offer, each in its own transaction (committed here: a job's loop)."""
    now = now or utcnow()
    expired = 0
    for booking_id in due_offers(now, limit=limit):
        try:
            expired += expire_offer(booking_id, now=now) is not None
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return expired


@background_task("registration.expire_seat_offers", every_minute=True)
def expire_seat_offers_task() -> None:
    """The worker's minute round: unanswered offers go to the next in line."""
    expire_due_offers()
