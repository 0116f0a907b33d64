"""Moderation: organisers approve, reject, verify categories and enrol people directly.

Callers own the transaction; locks follow the order documented in ``seats``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from conference import permissions, signals
from conference.categories import StakeholderCategory
from conference.db_types import utcnow
from conference.errors import InvalidTransition, RegistrationError
from conference.events.models import Event
from conference.extensions import db
from conference.registration import audit, notify, search, seats
from conference.registration.booking import cancel_bookings
from conference.registration.models import Registration
from conference.registration.services import (
    APPROVED,
    CANCELLED,
    PENDING,
    REJECTED,
    WAITLISTED,
    admit,
    check_moderator,
    free_place_and_seats,
    set_status,
)


def approve(registration: Registration, *, actor: Any) -> str:
    """Approve a pending, rejected or waiting registration; a full event puts it on the waiting list."""
    event = registration.event
    check_moderator(actor, event)
    seats.lock(event)
    seats.lock(registration)
    if registration.status not in {PENDING, REJECTED, WAITLISTED}:
        raise InvalidTransition(
            _("A registration that is %(status)s cannot be approved.", status=registration.status)
        )
    if registration.status == WAITLISTED:
        if not seats.claim_event_place(event):
            raise InvalidTransition(
                _("The event is full: this registration stays on the waiting list.")
            )
        registration.waitlist_position = None
        set_status(registration, APPROVED, actor=actor, action="promoted")
    else:
        registration.rejection_reason = ""
        admit(event, registration, actor=actor, action="approved")
    db.session.flush()
    notify.registration_decided(registration)
    return registration.status


def reject(registration: Registration, *, actor: Any, reason: str = "") -> None:
    """Reject a registration (the reason is shown to the attendee); frees its place and seats."""
    event = registration.event
    check_moderator(actor, event)
    seats.lock(event)
    seats.lock(registration)
    if registration.status not in {PENDING, APPROVED, WAITLISTED}:
        raise InvalidTransition(
            _("A registration that is %(status)s cannot be rejected.", status=registration.status)
        )
    previous = registration.status
    registration.rejection_reason = reason.strip()
    set_status(registration, REJECTED, actor=actor, action="rejected", detail=reason.strip())
    free_place_and_seats(registration, previous, actor=actor)
    db.session.flush()
    notify.registration_decided(registration)


def verification_changed(registrations: list[Registration]) -> None:
    """Tell the capabilities above (badges) that these registrations' verification changed."""
    if registrations:
        signals.category_verification_changed.send(
            None, registration_ids=[r.id for r in registrations]
        )


def verify_category(registration: Registration, *, actor: Any) -> bool:
    """Confirm the claimed category (restricted sessions open, the badge shows it).

    Returns whether it changed; a change reissues the badge (``badges.receivers``).
    """
    check_moderator(actor, registration.event)
    seats.lock(registration)
    if registration.category_verified:
        return False
    now = utcnow()
    registration.category_verified_at = now
    registration.category_verified_by_id = getattr(actor, "id", None)
    registration.category_refused_at = None
    registration.category_refusal_reason = ""
    who = f"organiser {actor.name}" if actor is not None else "the system"
    registration.category_verification_basis = f"checked by {who} on {now.date().isoformat()}"
    registration.category_verification_expires_at = None
    registration.updated_at = now
    audit.record(registration, "category_verified", actor=actor, detail=registration.category)
    db.session.flush()
    verification_changed([registration])
    return True


def _withdraw(registration: Registration, *, actor: Any) -> None:
    registration.category_verified_at = None
    registration.category_verified_by_id = None
    registration.category_verification_basis = ""
    registration.updated_at = utcnow()
    cancel_bookings(
        registration,
        actor=actor,
        only=lambda session: not permissions.may_attend_session(registration, session),
    )


def unverify_category(registration: Registration, *, actor: Any) -> bool:
    """Withdraw verification; bookings in sessions no longer open to the attendee are cancelled."""
    check_moderator(actor, registration.event)
    seats.lock(registration)
    if not registration.category_verified:
        return False
    audit.record(registration, "category_unverified", actor=actor, detail=registration.category)
    _withdraw(registration, actor=actor)
    db.session.flush()
    verification_changed([registration])
    return True


def refuse_category(registration: Registration, *, actor: Any, reason: str = "") -> bool:
    """Decline the claimed category, with a reason shown to the attendee.

    A verified category loses its verification (as ``unverify_category``). Returns whether
    anything changed.
    """
    check_moderator(actor, registration.event)
    seats.lock(registration)
    reason = reason.strip()
    if registration.category_refused and registration.category_refusal_reason == reason:
        return False
    was_verified = registration.category_verified
    registration.category_refused_at = utcnow()
    registration.category_refusal_reason = reason
    registration.updated_at = utcnow()
    audit.record(
        registration,
        "category_refused",
        actor=actor,
        detail=f"{registration.category}: {reason}" if reason else registration.category,
    )
    if was_verified:
        _withdraw(registration, actor=actor)
    db.session.flush()
    if was_verified:
        verification_changed([registration])
    return True


BULK_ACTIONS = {
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "verify": _l("Verify category"),
    "unverify": _l("Withdraw category verification"),
    "refuse_category": _l("Refuse the claimed category"),
}


def bulk_moderate(
    event: Event, registration_ids: list[int], action: str, *, actor: Any, reason: str = ""
) -> tuple[int, list[str]]:
    """Apply one moderation action to many registrations; returns (changed, problems).

    Every id must belong to the event, or nothing happens.
    """
    check_moderator(actor, event)
    if action not in BULK_ACTIONS:
        raise RegistrationError(_("Choose an action."), field="action")
    ids = sorted(set(registration_ids))
    if not ids:
        raise RegistrationError(_("Select at least one registration."), field="ids")
    seats.lock(event)
    seats.lock_ids(Registration, ids)
    found = list(
        db.session.scalars(
            seats.fresh(
                select(Registration)
                .where(Registration.id.in_(ids), Registration.event_id == event.id)
                .order_by(Registration.id)
            )
        )
    )
    if len(found) != len(ids):
        raise RegistrationError(
            _("Some selected registrations do not belong to this event."), field="ids"
        )
    changed, problems = 0, []
    for registration in found:
        try:
            if action == "approve":
                approve(registration, actor=actor)
                changed += 1
            elif action == "reject":
                reject(registration, actor=actor, reason=reason)
                changed += 1
            elif action == "verify":
                changed += verify_category(registration, actor=actor)
            elif action == "refuse_category":
                changed += refuse_category(registration, actor=actor, reason=reason)
            else:
                changed += unverify_category(registration, actor=actor)
        except InvalidTransition as error:
            problems.append(
                _("%(name)s: %(problem)s", name=registration.user.name, problem=error.message)
            )
    return changed, problems


def enrol(
    event: Event,
    user: Any,
    *,
    category: str,
    actor: Any,
    verified: bool = False,
) -> Registration:
    """Organisers (or the system) register someone directly, approved while places last.

    Idempotent: an active registration is kept (and verified if asked). No mail is sent.
    """
    check_moderator(actor, event)
    StakeholderCategory(category)
    seats.lock(event)
    registration = db.session.scalar(
        seats.fresh(
            select(Registration).where(
                Registration.event_id == event.id, Registration.user_id == user.id
            )
        )
    )
    if registration is None or registration.status == CANCELLED:
        previous = registration.status if registration is not None else None
        if registration is None:
            registration = Registration(event_id=event.id, user_id=user.id, status=PENDING)
            db.session.add(registration)
        registration.category = category
        registration.organisation = user.organisation or ""
        registration.country = user.country or ""
        registration.status = PENDING
        search.reindex_registration(registration)
        audit.record(registration, "registered", actor=actor, from_state=previous, to_state=PENDING)
        admit(event, registration, actor=actor, action="approved")
    if verified and not registration.category_verified:
        verify_category(registration, actor=actor)
    db.session.flush()
    return registration
