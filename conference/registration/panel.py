"""What the booking panel of a session page shows, decided by the same rules as booking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from conference import permissions
from conference.agenda.models import AgendaSession
from conference.db_types import utcnow
from conference.events.models import Event
from conference.events.services import registration_is_open
from conference.localtime import format_local
from conference.registration import offers, rules
from conference.registration.booking import get_booking, waitlist_rank
from conference.registration.models import Booking, Registration

LOGIN = "login"
BLOCKED = "blocked"
CONFIRMED = "confirmed"
WAITING = "waiting"
OFFERED = "offered"
BOOKABLE = "bookable"
FULL = "full"


@dataclass
class BookingPanel:
    """The state of one session for one person, and the message that explains it."""

    state: str
    message: str
    code: str | None = None
    booking: Booking | None = None
    rank: int | None = None
    seats_left: int | None = None
    offer_registration: bool = False
    # An open seat offer's page token (state OFFERED).
    offer_token: str | None = None

    @property
    def can_book(self) -> bool:
        return self.state in {BOOKABLE, FULL}

    @property
    def can_unbook(self) -> bool:
        return self.state in {CONFIRMED, WAITING}


def booking_panel(
    user: Any, event: Event, session: AgendaSession, registration: Registration | None
) -> BookingPanel:
    """Book, unbook, join the waiting list, or why not, for ``user`` and ``session``."""
    if not permissions.is_authenticated(user):
        return BookingPanel(LOGIN, _("Log in to book this session."))
    booking = get_booking(registration, session) if registration is not None else None
    if booking is not None and booking.is_confirmed:
        return BookingPanel(CONFIRMED, _("You have a seat in this session."), booking=booking)
    if booking is not None and booking.is_offered:
        deadline = format_local(booking.offer_expires_at, event.tz)
        return BookingPanel(
            OFFERED,
            _(
                "A seat is held for you until %(date)s (%(zone)s): accept or decline it.",
                date=deadline,
                zone=event.timezone,
            ),
            booking=booking,
            offer_token=offers.offer_token(booking),
        )
    if booking is not None and booking.is_waitlisted:
        rank = waitlist_rank(booking)
        return BookingPanel(
            WAITING,
            _(
                "The session is full. You are number %(rank)s on its waiting list; "
                "we will email you if a seat frees up.",
                rank=rank,
            ),
            booking=booking,
            rank=rank,
        )
    now = utcnow()
    is_open = registration_is_open(event, now)
    refusal = rules.booking_refusal(registration, session, registration_open=is_open, now=now)
    if refusal is not None:
        message = refusal.message
        if refusal.code == rules.NOT_REGISTERED and not is_open:
            message = _("Registration for this event is closed.")
        return BookingPanel(
            BLOCKED,
            message,
            code=refusal.code,
            offer_registration=(
                refusal.code == rules.NOT_REGISTERED
                and is_open
                and permissions.can_register(user, event)
            ),
        )
    left = rules.seats_left(session.effective_capacity, session.confirmed_count or 0)
    if left == 0:
        return BookingPanel(
            FULL, _("The session is full. You can join its waiting list."), seats_left=0
        )
    message = (
        _("Seats are available.")
        if left is None
        else ngettext("%(num)d seat left.", "%(num)d seats left.", left)
    )
    return BookingPanel(BOOKABLE, message, seats_left=left)
