"""Registration rules: registering, places in the event and its waiting list, cancellation.

Callers own the transaction: these functions add and flush, the view or
command commits once. Locks follow the order documented in ``seats``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from conference import permissions, signals
from conference.categories import StakeholderCategory
from conference.countries import is_country_code
from conference.db_types import utcnow
from conference.errors import (
    AlreadyRegistered,
    EmailNotConfirmed,
    InvalidTransition,
    PermissionDenied,
    RegistrationClosed,
    RegistrationError,
)
from conference.events.models import Event, RegistrationMode
from conference.events.services import registration_is_open
from conference.extensions import db
from conference.registration import audit, notify, search, seats
from conference.registration.booking import cancel_bookings
from conference.registration.models import Registration, RegistrationStatus

PENDING = RegistrationStatus.PENDING.value
APPROVED = RegistrationStatus.APPROVED.value
REJECTED = RegistrationStatus.REJECTED.value
WAITLISTED = RegistrationStatus.WAITLISTED.value
CANCELLED = RegistrationStatus.CANCELLED.value


@dataclass
class RegistrationDetails:
    """What an attendee tells us when registering."""

    category: str
    organisation: str
    country: str
    job_title: str = ""
    accessibility_needs: str = ""
    dietary_needs: str = ""
    privacy_consent: bool = False
    mailing_list_opt_in: bool = False


def validate_details(details: RegistrationDetails) -> None:
    """Raise RegistrationError naming the field when the details cannot make a registration."""
    if details.category not in {c.value for c in StakeholderCategory}:
        raise RegistrationError(_("Choose your stakeholder category."), field="category")
    if not details.organisation.strip():
        raise RegistrationError(_("Give the organisation you work for."), field="organisation")
    if not is_country_code(details.country):
        raise RegistrationError(_("Choose a country from the list."), field="country")
    if not details.privacy_consent:
        raise RegistrationError(
            _("You must agree to the privacy notice to register."), field="privacy_consent"
        )


def check_moderator(actor: Any, event: Event) -> None:
    if actor is not None and not permissions.can_moderate_registrations(actor, event):
        raise PermissionDenied(_("Only the event's organisers moderate registrations."))


def get_registration(event: Event, user: Any) -> Registration | None:
    """The user's registration for the event, if any."""
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )


def event_waitlist_rank(registration: Registration) -> int | None:
    """1 for the first waiting registration; None when not on the event's waiting list."""
    if registration.status != WAITLISTED or registration.waitlist_position is None:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == registration.event_id,
            Registration.status == WAITLISTED,
            Registration.waitlist_position < registration.waitlist_position,
        )
    )
    return (ahead or 0) + 1


def set_status(
    registration: Registration, status: str, *, actor: Any, action: str, detail: str = ""
) -> None:
    previous = registration.status
    registration.status = status
    registration.updated_at = utcnow()
    audit.record(
        registration, action, actor=actor, from_state=previous, to_state=status, detail=detail
    )


def admit(event: Event, registration: Registration, *, actor: Any, action: str) -> bool:
    """Approve if the event has a free place, else put on its waiting list. Event lock held."""
    if seats.claim_event_place(event):
        registration.waitlist_position = None
        set_status(registration, APPROVED, actor=actor, action=action)
        return True
    last = db.session.scalar(
        select(func.max(Registration.waitlist_position)).where(
            Registration.event_id == event.id, Registration.status == WAITLISTED
        )
    )
    registration.waitlist_position = (last or 0) + 1
    set_status(registration, WAITLISTED, actor=actor, action="waitlisted")
    return False


def _apply_details(registration: Registration, details: RegistrationDetails, event: Event) -> None:
    registration.category = details.category
    registration.organisation = details.organisation.strip()
    registration.country = details.country.upper()
    registration.job_title = details.job_title.strip()
    registration.accessibility_needs = details.accessibility_needs.strip()
    registration.dietary_needs = details.dietary_needs.strip()
    registration.mailing_list_opt_in = bool(details.mailing_list_opt_in)
    registration.privacy_consent_version = event.privacy_notice_version
    registration.privacy_consented_at = utcnow()


def email_confirmation_missing(user: Any) -> bool:
    """Whether ``user`` must confirm their email address before registering: the decision, the
    badge and every change reach them there, so an address nobody confirmed gets none (issue 15)."""
    return not getattr(user, "email_verified", False)


def register(
    event: Event, user: Any, details: RegistrationDetails, *, now: datetime | None = None
) -> Registration:
    """Register ``user`` while registration is open: approved at once or pending, by event mode.

    A cancelled registration may be renewed; any other existing one is refused.
    """
    if not permissions.can_register(user, event) or not registration_is_open(event, now):
        raise RegistrationClosed(_("Registration for this event is not open."))
    if email_confirmation_missing(user):
        raise EmailNotConfirmed(
            _(
                "Confirm your email address before registering: open the link we sent to "
                "%(email)s.",
                email=user.email,
            ),
            code="email_not_confirmed",
        )
    validate_details(details)
    seats.lock(event)
    registration = db.session.scalar(
        seats.fresh(
            select(Registration).where(
                Registration.event_id == event.id, Registration.user_id == user.id
            )
        )
    )
    if registration is not None and registration.status == REJECTED:
        raise AlreadyRegistered(
            _("Your registration for this event was not accepted; contact the organisers.")
        )
    if registration is not None and registration.status != CANCELLED:
        raise AlreadyRegistered(_("You are already registered for this event."))
    previous = registration.status if registration is not None else None
    if registration is None:
        registration = Registration(event_id=event.id, user_id=user.id, status=PENDING)
        db.session.add(registration)
    if registration.category != details.category:
        # A new claim is judged afresh; a badge that showed the old one is reissued.
        unverified = registration.category_verified
        registration.category_verified_at = None
        registration.category_verified_by_id = None
        registration.category_refused_at = None
        registration.category_refusal_reason = ""
        if unverified:
            db.session.flush()
            signals.category_verification_changed.send(None, registration_ids=[registration.id])
    _apply_details(registration, details, event)
    registration.status = PENDING
    registration.rejection_reason = ""
    registration.updated_at = utcnow()
    search.reindex_registration(registration)
    audit.record(registration, "registered", actor=user, from_state=previous, to_state=PENDING)
    if event.registration_mode == RegistrationMode.AUTOMATIC.value:
        admit(event, registration, actor=None, action="approved")
    db.session.flush()
    permissions.forget_cached_registration(user)
    notify.registration_received(registration)
    return registration


def free_place_and_seats(registration: Registration, previous: str, *, actor: Any) -> None:
    """After leaving ``previous``: hand the event place on, then free every booked seat."""
    registration.waitlist_position = None
    if previous == APPROVED:
        seats.release_event_place(registration.event)
        fill_event_places(registration.event, actor=None, locked=True)
    cancel_bookings(registration, actor=actor)


def cancel_registration(
    registration: Registration, *, actor: Any, notify_attendee: bool = True
) -> None:
    """Cancel a registration: every seat is freed and waiting lists move up."""
    event = registration.event
    is_self = actor is not None and actor.id == registration.user_id
    if actor is not None and not is_self:
        check_moderator(actor, event)
    seats.lock(event)
    seats.lock(registration)
    if registration.status == CANCELLED:
        raise InvalidTransition(_("This registration is already cancelled."))
    if registration.status == REJECTED:
        raise InvalidTransition(_("A rejected registration cannot be cancelled."))
    previous = registration.status
    set_status(registration, CANCELLED, actor=actor, action="cancelled")
    free_place_and_seats(registration, previous, actor=actor)
    db.session.flush()
    signals.registration_cancelled.send(None, registration=registration, actor=actor)
    if notify_attendee:
        notify.registration_cancelled(registration, by_attendee=is_self)


def fill_event_places(event: Event, *, actor: Any, locked: bool = False) -> int:
    """Promote waiting registrations, first in line first, while the event has free places."""
    if not locked:
        check_moderator(actor, event)
        seats.lock(event)
    promoted = 0
    while True:
        candidate = db.session.scalar(
            seats.fresh(
                select(Registration)
                .where(Registration.event_id == event.id, Registration.status == WAITLISTED)
                .order_by(Registration.waitlist_position, Registration.id)
                .limit(1)
            )
        )
        if candidate is None or not seats.claim_event_place(event):
            break
        moved = db.session.execute(
            update(Registration.__table__)
            .where(Registration.id == candidate.id, Registration.status == WAITLISTED)
            .values(status=APPROVED, waitlist_position=None, updated_at=utcnow())
        )
        if moved.rowcount != 1:
            seats.release_event_place(event)
            continue
        db.session.refresh(candidate)
        audit.record(candidate, "promoted", actor=actor, from_state=WAITLISTED, to_state=APPROVED)
        notify.registration_decided(candidate, promoted=True)
        promoted += 1
    db.session.flush()
    return promoted
