"""Mail to attendees about their registration and bookings, through the outbox queue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from conference import signals
from conference.i18n import language_for
from conference.mail.services import queue_templated_mail
from conference.registration.models import Booking, Registration, RegistrationStatus
from conference.urls import external_url


def _language(registration: Registration) -> str:
    """The attendee's language for mail: theirs, else the event's, else English."""
    return language_for(registration.user, registration.event)


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
    title = registration.event.title
    subjects = {
        RegistrationStatus.APPROVED.value: _l("You are registered: %(title)s", title=title),
        RegistrationStatus.WAITLISTED.value: _l(
            "You are on the waiting list: %(title)s", title=title
        ),
    }
    subject = subjects.get(
        registration.status, _l("We received your registration: %(title)s", title=title)
    )
    queue_templated_mail(
        registration.user.email,
        subject,
        "registration_received",
        language=_language(registration),
        **_context(registration),
        **_approved_extras(registration),
    )


def registration_decided(registration: Registration, *, promoted: bool = False) -> None:
    """Sent when organisers approve, reject or wait-list, or a place frees up."""
    title = registration.event.title
    subjects = {
        RegistrationStatus.APPROVED.value: _l(
            "Your registration is approved: %(title)s", title=title
        ),
        RegistrationStatus.REJECTED.value: _l(
            "Your registration was not accepted: %(title)s", title=title
        ),
        RegistrationStatus.WAITLISTED.value: _l(
            "You are on the waiting list: %(title)s", title=title
        ),
    }
    queue_templated_mail(
        registration.user.email,
        subjects[registration.status],
        "registration_decided",
        language=_language(registration),
        promoted=promoted,
        **_context(registration),
        **_approved_extras(registration),
    )


def registration_cancelled(registration: Registration, *, by_attendee: bool) -> None:
    """Sent when a registration is cancelled, by the attendee or by organisers."""
    queue_templated_mail(
        registration.user.email,
        _l("Your registration is cancelled: %(title)s", title=registration.event.title),
        "registration_cancelled",
        language=_language(registration),
        by_attendee=by_attendee,
        **_context(registration),
    )


def booking_promoted(booking: Booking) -> None:
    """Sent when a seat frees up and the attendee moves from the waiting list to a seat."""
    registration = booking.registration
    queue_templated_mail(
        registration.user.email,
        _l("You have a seat: %(title)s", title=booking.session.title),
        "booking_promoted",
        language=_language(registration),
        booking=booking,
        session=booking.session,
        **_context(registration),
    )


def seat_offered(booking: Booking, clashes: list, *, link: str) -> None:
    """Sent when a freed seat is held for a waiting attendee whose bookings overlap it."""
    registration = booking.registration
    queue_templated_mail(
        registration.user.email,
        _l("A seat is offered to you: %(title)s", title=booking.session.title),
        "seat_offered",
        language=_language(registration),
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
        _l("Your seat offer expired: %(title)s", title=booking.session.title),
        "seat_offer_expired",
        language=_language(registration),
        booking=booking,
        session=booking.session,
        **_context(registration),
    )
