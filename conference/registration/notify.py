"""Mail to attendees about their registration and bookings, through the outbox queue."""

from __future__ import annotations

from conference import signals
from conference.mail.services import queue_templated_mail
from conference.registration.models import Booking, Registration, RegistrationStatus
from conference.urls import external_url


def _context(registration: Registration) -> dict:
    return {
        "registration": registration,
        "user": registration.user,
        "event": registration.event,
        "link": external_url("registration.my_registration", slug=registration.event.slug),
    }


def _approved_extras(registration: Registration) -> dict:
    """For an approved registration: the badge's and the personal calendar's addresses.

    Badges and feeds sit above registration: they answer ``approval_mail_context``.
    """
    if not registration.is_approved:
        return {}
    extras: dict = {}
    for _receiver, value in signals.approval_mail_context.send(None, registration=registration):
        extras.update(value or {})
    return extras


def registration_received(registration: Registration) -> None:
    """Sent on registering: pending, approved at once, or on the waiting list."""
    subjects = {
        RegistrationStatus.APPROVED.value: "You are registered",
        RegistrationStatus.WAITLISTED.value: "You are on the waiting list",
    }
    subject = subjects.get(registration.status, "We received your registration")
    queue_templated_mail(
        registration.user.email,
        f"{subject}: {registration.event.title}",
        "registration_received",
        **_context(registration),
        **_approved_extras(registration),
    )


def registration_decided(registration: Registration, *, promoted: bool = False) -> None:
    """Sent when organisers approve, reject or wait-list, or a place frees up."""
    subjects = {
        RegistrationStatus.APPROVED.value: "Your registration is approved",
        RegistrationStatus.REJECTED.value: "Your registration was not accepted",
        RegistrationStatus.WAITLISTED.value: "You are on the waiting list",
    }
    queue_templated_mail(
        registration.user.email,
        f"{subjects[registration.status]}: {registration.event.title}",
        "registration_decided",
        promoted=promoted,
        **_context(registration),
        **_approved_extras(registration),
    )


def registration_cancelled(registration: Registration, *, by_attendee: bool) -> None:
    """Sent when a registration is cancelled, by the attendee or by organisers."""
    queue_templated_mail(
        registration.user.email,
        f"Your registration is cancelled: {registration.event.title}",
        "registration_cancelled",
        by_attendee=by_attendee,
        **_context(registration),
    )


def booking_promoted(booking: Booking) -> None:
    """Sent when a seat frees up and the attendee moves from the waiting list to a seat."""
    registration = booking.registration
    queue_templated_mail(
        registration.user.email,
        f"You have a seat: {booking.session.title}",
        "booking_promoted",
        booking=booking,
        session=booking.session,
        **_context(registration),
    )


def seat_offered(booking: Booking, clashes: list, *, link: str) -> None:
    """Sent when a freed seat is held for a waiting attendee whose bookings overlap it."""
    registration = booking.registration
    queue_templated_mail(
        registration.user.email,
        f"A seat is offered to you: {booking.session.title}",
        "seat_offered",
        booking=booking,
        session=booking.session,
        clashes=clashes,
        offer_link=link,
        **_context(registration),
    )


def seat_offer_expired(booking: Booking) -> None:
    """Sent when a seat offer was not answered in time and went to the next in line."""
    registration = booking.registration
    queue_templated_mail(
        registration.user.email,
        f"Your seat offer expired: {booking.session.title}",
        "seat_offer_expired",
        booking=booking,
        session=booking.session,
        **_context(registration),
    )
