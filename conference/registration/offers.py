"""Seat offers: a freed seat held for a waiting person whose bookings overlap the session.

Waiting is not a seat, so a waiting place never blocks booking another session at the
same time. When the first in line then holds a booking that overlaps, promotion would
confirm a clash: instead the seat is held for them (status ``offered``, counted in
``sessions.confirmed_count`` so nobody else takes it) until ``offer_expires_at``, and
they get a mail with a one-click link signed over the offer's nonce. Answering or expiry
clears the nonce, which spends the link. Accepting, declining and expiry are in
``offer_replies``.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from conference.agenda.models import AgendaSession
from conference.db_types import utcnow
from conference.errors import SeatOfferGone
from conference.extensions import db
from conference.registration import audit, notify, seats
from conference.registration.models import Booking, BookingStatus, Registration
from conference.urls import external_url

CONFIRMED = BookingStatus.CONFIRMED.value
WAITLISTED = BookingStatus.WAITLISTED.value
OFFERED = BookingStatus.OFFERED.value

_SALT = "conference.seat-offer"


def gone_message() -> str:
    """Why a spent offer's link no longer works."""
    return _("This seat offer is no longer open: it was already answered, or it expired.")


def clashing_bookings(registration: Registration, session: AgendaSession) -> list[Booking]:
    """The registration's confirmed bookings whose time overlaps ``session``, in programme order.

    Only held seats count: waiting places and other open offers never make a clash.
    """
    return list(
        db.session.scalars(
            seats.fresh(
                select(Booking)
                .join(AgendaSession, AgendaSession.id == Booking.session_id)
                .where(
                    Booking.registration_id == registration.id,
                    Booking.status == CONFIRMED,
                    Booking.session_id != session.id,
                    AgendaSession.starts_at < session.ends_at,
                    session.starts_at < AgendaSession.ends_at,
                )
                .order_by(AgendaSession.starts_at, AgendaSession.id)
            )
        )
    )


def offer_deadline(session: AgendaSession, now: datetime) -> datetime:
    """``SEAT_OFFER_HOURS`` from now, or the session's start if that comes first."""
    deadline = now + timedelta(hours=current_app.config["SEAT_OFFER_HOURS"])
    if now < session.starts_at < deadline:
        return session.starts_at
    return deadline


def hold_offer(
    booking: Booking,
    session: AgendaSession,
    clashes: list[Booking],
    *,
    actor,
    now: datetime | None = None,
) -> bool:
    """Turn a waiting booking into an offer of the seat already claimed for it.

    False if the booking left the waiting list meanwhile (the caller gives the seat back).
    """
    now = now or utcnow()
    deadline = offer_deadline(session, now)
    moved = db.session.execute(
        update(Booking.__table__)
        .where(Booking.id == booking.id, Booking.status == WAITLISTED)
        .values(
            status=OFFERED,
            offer_expires_at=deadline,
            offer_nonce=secrets.token_hex(16),
            updated_at=utcnow(),
        )
    )
    if moved.rowcount != 1:
        return False
    db.session.refresh(booking)
    overlaps = ", ".join(f"“{b.session.title}”" for b in clashes)
    audit.record(
        booking.registration,
        "seat_offered",
        actor=actor,
        from_state=WAITLISTED,
        to_state=OFFERED,
        session=session,
        detail=f"Held until {deadline:%Y-%m-%d %H:%M} UTC"
        + (f"; overlaps {overlaps}" if overlaps else ""),
    )
    notify.seat_offered(booking, [b.session for b in clashes], link=offer_link(booking))
    return True


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def offer_token(booking: Booking) -> str:
    """The secret part of the offer's one-click link (valid while this offer is open)."""
    return _serializer().dumps({"b": booking.id, "n": booking.offer_nonce})


def offer_link(booking: Booking) -> str:
    """The offer's page, as an absolute address for mail."""
    return external_url("registration.seat_offer", token=offer_token(booking))


def read_offer_token(token: str, *, now: datetime | None = None) -> tuple[Booking, str]:
    """The open offer a link names, and its nonce; SeatOfferGone for a spent or expired one."""
    try:
        data = _serializer().loads(token)
        booking_id, nonce = int(data["b"]), str(data["n"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise SeatOfferGone(_("This link is not valid. Check that you copied all of it."))
    booking = db.session.scalar(seats.fresh(select(Booking).where(Booking.id == booking_id)))
    if (
        booking is None
        or booking.status != OFFERED
        or not booking.offer_nonce
        or not hmac.compare_digest(booking.offer_nonce, nonce)
    ):
        raise SeatOfferGone(gone_message())
    if booking.offer_expires_at is not None and booking.offer_expires_at <= (now or utcnow()):
        raise SeatOfferGone(_("This seat offer expired: the seat goes to the next in line."))
    return booking, nonce
