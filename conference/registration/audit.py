"""The audit trail of registrations and bookings: who changed what, from which state, when."""

from __future__ import annotations

from typing import Any

from conference.extensions import db
from conference.registration.models import AuditEntry, Registration

ACTION_LABELS = {
    "registered": "Registered",
    "approved": "Approved",
    "waitlisted": "Put on the event's waiting list (event full)",
    "promoted": "Promoted from the event's waiting list",
    "rejected": "Rejected",
    "cancelled": "Cancelled",
    "category_verified": "Category verified",
    "category_unverified": "Category verification withdrawn",
    "category_refused": "Category claim refused",
    "imported": "Imported (approved, category verified)",
    "booked": "Booked a seat",
    "booking_waitlisted": "Joined a session's waiting list",
    "booking_promoted": "Promoted from a session's waiting list",
    "unbooked": "Cancelled a booking",
    "seat_offered": "Offered a seat that overlaps a booking (held until answered or expired)",
    "seat_offer_accepted": "Accepted an offered seat",
    "seat_offer_declined": "Declined an offered seat",
    "seat_offer_expired": "Seat offer expired; passed to the next in line",
    "account_deleted": "Account deleted; personal data erased",
    "personal_data_erased": "Retention period over; personal data erased",
    "mailed": "Sent a message from the organisers",
    "nominated": "Nominated by a delegation (invitation sent)",
    "nomination_resent": "Nomination sent again (new link)",
    "nomination_accepted": "Nomination accepted",
    "nomination_declined": "Nomination declined",
    "nomination_expired": "Nomination expired",
    "nomination_withdrawn": "Nomination withdrawn",
    "nomination_cancelled": "Nominee's registration cancelled; quota seat freed",
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
    return ACTION_LABELS.get(action, action.replace("_", " ").capitalize())
