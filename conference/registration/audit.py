"""The audit trail of registrations and bookings: who changed what, from which state, when."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from conference.extensions import db
from conference.registration.models import AuditEntry, Registration

ACTION_LABELS = {
    "registered": _l("Registered"),
    "approved": _l("Approved"),
    "waitlisted": _l("Put on the event's waiting list (event full)"),
    "promoted": _l("Promoted from the event's waiting list"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled"),
    "category_verified": _l("Category verified"),
    "category_unverified": _l("Category verification withdrawn"),
    "category_refused": _l("Category claim refused"),
    "imported": _l("Imported (approved, category verified)"),
    "booked": _l("Booked a seat"),
    "booking_waitlisted": _l("Joined a session's waiting list"),
    "booking_promoted": _l("Promoted from a session's waiting list"),
    "unbooked": _l("Cancelled a booking"),
    "seat_offered": _l("Offered a seat that overlaps a booking (held until answered or expired)"),
    "seat_offer_accepted": _l("Accepted an offered seat"),
    "seat_offer_declined": _l("Declined an offered seat"),
    "seat_offer_expired": _l("Seat offer expired; passed to the next in line"),
    "account_deleted": _l("Account deleted; personal data erased"),
    "personal_data_erased": _l("Retention period over; personal data erased"),
    "mailed": _l("Sent a message from the organisers"),
    "nominated": _l("Nominated by a delegation (invitation sent)"),
    "nomination_resent": _l("Nomination sent again (new link)"),
    "nomination_accepted": _l("Nomination accepted"),
    "nomination_declined": _l("Nomination declined"),
    "nomination_expired": _l("Nomination expired"),
    "nomination_withdrawn": _l("Nomination withdrawn"),
    "nomination_cancelled": _l("Nominee's registration cancelled; quota seat freed"),
}


def record(
    registration: Registration,
    action: str,
    *,
    actor: Any,
    from_state: str | None = None,
    to_state: str | None = None,
    session: Any = None,
    detail: str = "",
) -> AuditEntry:
    """Add one audit entry; ``actor`` None means the system (import, automatic rules)."""
    entry = AuditEntry(
        event_id=registration.event_id,
        registration_id=registration.id,
        session_id=getattr(session, "id", None),
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_id=getattr(actor, "id", None),
        detail=detail,
    )
    db.session.add(entry)
    return entry


def action_label(action: str) -> str:
    """An audit action in words, in the current language."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action.replace("_", " ").capitalize()
