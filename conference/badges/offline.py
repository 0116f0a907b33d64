"""What a scanner caches to keep working offline, and the name search for forgotten badges.

Only authorised scanners of the event get these (the API checks). The
attendee list carries no more than the door needs: name, organisation,
country, category and whether it is verified, registration status, badge
version and confirmed bookings.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload, load_only

from conference import permissions
from conference.accounts.models import User
from conference.badges import signing
from conference.badges.answers import attendee_json
from conference.badges.checkpoints import checkpoint_label, list_checkpoints
from conference.badges.models import Badge, EventSigningKey, KeyStatus
from conference.db_types import is_db_int, utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.registration import search
from conference.registration.models import (
    Booking,
    BookingStatus,
    Registration,
    RegistrationStatus,
)

SEARCH_LIMIT = 25


def registration_of(event: Event, registration_id: Any) -> Registration | None:
    if not is_db_int(registration_id):
        return None
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        return None
    return registration


def checkpoints_json(event: Event, actor: Any) -> list[dict[str, Any]]:
    """Every checkpoint with the rules an offline scanner applies at it."""
    rows = []
    for checkpoint in list_checkpoints(event):
        session = checkpoint.session
        rows.append(
            {
                "key": checkpoint.key,
                "label": checkpoint_label(checkpoint, actor),
                "restricted_to": list(session.restricted_to) if session else [],
                "restricted_delegations": (
                    sorted(permissions.session_delegation_ids(session)) if session else []
                ),
                "requires_booking": bool(session and session.requires_booking),
                "cancelled": bool(session and session.is_cancelled),
                "capacity": session.effective_capacity if session else None,
                # Someone already in may be let in again (entrance only, event setting).
                "admits_reentry": session is None and event.admits_reentry,
            }
        )
    return rows


def keys_json(event: Event) -> list[dict[str, Any]]:
    """Public keys (raw Ed25519, base64url) with their status; revoked ones are listed as such."""
    return [
        {
            "key_id": key.key_id,
            "public_key": key.public_key,
            "status": key.status,
            "public_key_pem": signing.public_key_pem(key),
        }
        for key in signing.list_keys(event)
    ]


def revocations_json(event: Event) -> dict[str, Any]:
    """Badges whose codes are void below a version (reissued) or entirely (revoked)."""
    badges = db.session.execute(
        select(Badge.public_id, Badge.version, Badge.revoked_at).where(
            Badge.event_id == event.id,
            or_(Badge.version > 1, Badge.revoked_at.is_not(None)),
        )
    ).all()
    revoked_keys = db.session.scalars(
        select(EventSigningKey.key_id).where(
            EventSigningKey.event_id == event.id,
            EventSigningKey.status == KeyStatus.REVOKED.value,
        )
    ).all()
    return {
        "generated_at": utcnow().isoformat(),
        "badges": [
            {"badge": public_id, "valid_version": version, "revoked": revoked_at is not None}
            for public_id, version, revoked_at in badges
        ],
        "revoked_keys": list(revoked_keys),
    }


def _attendee_row(registration: Registration, badge: Badge | None) -> dict[str, Any]:
    return {
        "registration": registration.id,
        "status": registration.status,
        "badge": badge.public_id if badge is not None else None,
        "badge_version": badge.version if badge is not None else None,
        "badge_revoked": bool(badge is not None and badge.is_revoked),
        # The delegation whose accepted nominee this is: invitation-only doors admit by it.
        "delegation": permissions.delegation_of(registration),
        **attendee_json(registration),
    }


def attendees_json(event: Event) -> dict[str, Any]:
    """Everyone with a badge or an approved registration, with their confirmed bookings."""
    rows = db.session.execute(
        select(Registration, Badge)
        .outerjoin(Badge, Badge.registration_id == Registration.id)
        .options(joinedload(Registration.user))
        .where(
            Registration.event_id == event.id,
            or_(
                Registration.status == RegistrationStatus.APPROVED.value,
                Badge.id.is_not(None),
            ),
        )
        .order_by(Registration.id)
    ).all()
    bookings: dict[int, list[int]] = {}
    for registration_id, session_id in db.session.execute(
        select(Booking.registration_id, Booking.session_id)
        .join(Registration, Booking.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            Booking.status == BookingStatus.CONFIRMED.value,
        )
    ):
        bookings.setdefault(registration_id, []).append(session_id)
    return {
        "generated_at": utcnow().isoformat(),
        "attendees": [
            {**_attendee_row(registration, badge), "bookings": bookings.get(registration.id, [])}
            for registration, badge in rows
        ],
    }


# What the scanner's name search answers with (``_attendee_row``): reading no other column
# of the three tables saved about 7 % of the search and its answer at 20,000 attendees (issue 22).
_ANSWER_COLUMNS = (
    load_only(
        Registration.id,
        Registration.user_id,
        Registration.status,
        Registration.delegation_id,
        Registration.organisation,
        Registration.country,
        Registration.category,
        Registration.category_verified_at,
        Registration.category_verification_expires_at,
    ),
    contains_eager(Registration.user).load_only(
        User.id, User.name, User.organisation, User.country
    ),
    load_only(Badge.id, Badge.registration_id, Badge.public_id, Badge.version, Badge.revoked_at),
)


def search_registrations(
    event: Event, query: str, *, answer_only: bool = False
) -> list[tuple[Registration, Badge | None]]:
    """Registrations whose name or organisation has words beginning with every word typed.

    Accents and case do not matter ("muller" finds Müller); see ``registration.search``.
    ``answer_only``: load only what ``search_json`` answers with.
    """
    matching = search.matching_registrations(event.id, query, SEARCH_LIMIT)
    if matching is None:
        return []
    rows = db.session.execute(
        select(Registration, Badge)
        .join(User, Registration.user_id == User.id)
        .outerjoin(Badge, Badge.registration_id == Registration.id)
        .options(*(_ANSWER_COLUMNS if answer_only else (contains_eager(Registration.user),)))
        .where(Registration.event_id == event.id, Registration.id.in_(matching))
        .order_by(User.name, Registration.id)
        .limit(SEARCH_LIMIT)
    ).all()
    return [(registration, badge) for registration, badge in rows]


def search_json(event: Event, query: str) -> list[dict[str, Any]]:
    return [_attendee_row(r, b) for r, b in search_registrations(event, query, answer_only=True)]
