"""Pure booking rules, shared by the services, the booking panel and the importer.

Nothing here reads or writes the database: callers pass what they loaded, so
the importer applies the very same rules to thousands of bookings in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from conference import permissions
from conference.categories import StakeholderCategory, category_label
from conference.registration.models import RegistrationStatus

T = TypeVar("T")

# Why a booking is refused; the booking panel and the importer's report use the codes.
NOT_REGISTERED = "not_registered"
NOT_APPROVED = "not_approved"
SESSION_CANCELLED = "session_cancelled"
SESSION_STARTED = "session_started"
BOOKING_CLOSED = "booking_closed"
RESTRICTED = "restricted"
VERIFICATION_PENDING = "verification_pending"
OVERLAP = "overlap"
DELEGATION_QUOTA_FULL = "delegation_quota_full"
FULL = "full"

_STATUS_REFUSALS = {
    RegistrationStatus.PENDING.value: "Your registration is awaiting approval by the organisers; "
    "you can book sessions once it is approved.",
    RegistrationStatus.WAITLISTED.value: "The event is full and your registration is on its "
    "waiting list; you can book sessions once a place frees up.",
    RegistrationStatus.REJECTED.value: "Your registration for this event was not accepted.",
    RegistrationStatus.CANCELLED.value: "Your registration for this event is cancelled.",
}


@dataclass(frozen=True)
class Refusal:
    """A broken booking rule: a stable code, a message for the attendee and an HTTP status."""

    code: str
    message: str
    status: int = 403


def restriction_label(categories: Iterable[str]) -> str:
    """ "Open to verified Member State experts", naming every admitted category."""
    return _restriction_label(tuple(categories))


@lru_cache(maxsize=256)  # a handful of distinct lists; the importer asks thousands of times
def _restriction_label(categories: tuple[str, ...]) -> str:
    order = list(StakeholderCategory)
    known = sorted((StakeholderCategory(v) for v in categories if v in order), key=order.index)
    names = [c.plural_label for c in known] + [v for v in categories if v not in order]
    if not names:
        return "Open to every registered attendee"
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Open to verified {joined}"


def session_restriction_label(session: Any) -> str:
    """Who a restricted session admits: its verified categories and/or invited delegations."""
    invited = "the experts of the delegations invited"
    if not session.restricted_to:
        return (
            f"Open by invitation only, to {invited}"
            if session.invitation_only
            else (restriction_label(()))
        )
    label = restriction_label(session.restricted_to)
    return f"{label} and to {invited}" if session.invitation_only else label


def booking_refusal(
    registration: Any,
    session: Any,
    *,
    registration_open: bool = True,
    now: datetime | None = None,
) -> Refusal | None:
    """Why this registration may not book the session, or None if it may (seats aside).

    ``now`` None skips the "already started" rule (imports of past events).
    """
    if registration is None:
        return Refusal(NOT_REGISTERED, "Register for the event before booking sessions.")
    if not registration.is_approved:
        message = _STATUS_REFUSALS.get(registration.status, "Your registration is not approved.")
        return Refusal(NOT_APPROVED, message)
    if session.is_cancelled:
        return Refusal(SESSION_CANCELLED, "This session is cancelled.", 409)
    if not permissions.may_attend_session(registration, session):
        label = session_restriction_label(session) + "."
        if registration.category in session.restricted_to and not registration.category_verified:
            return Refusal(
                VERIFICATION_PENDING,
                f"{label} Your category ({category_label(registration.category)}) is "
                "awaiting verification by the organisers.",
            )
        return Refusal(RESTRICTED, label)
    if not registration_open:
        return Refusal(BOOKING_CLOSED, "Booking is closed: registration for this event has ended.")
    if now is not None and now >= session.starts_at:
        return Refusal(SESSION_STARTED, "This session has already started.", 409)
    return None


def delegation_quota_message(quota: int) -> str:
    """Why a nominee may not book: their delegation's places in the session are taken."""
    return (
        f"Your delegation's {quota} place{'s' if quota != 1 else ''} in this session "
        f"{'are' if quota != 1 else 'is'} all booked; your national contact point can tell "
        "you whether one frees up."
    )


def find_overlap(
    booked: Iterable[tuple[datetime, datetime, T]], starts_at: datetime, ends_at: datetime
) -> T | None:
    """The first booked (start, end, item) whose time overlaps [starts_at, ends_at)."""
    for start, end, item in booked:
        if start < ends_at and starts_at < end:
            return item
    return None


def seats_left(capacity: int | None, confirmed: int) -> int | None:
    """Free seats (never negative), or None when the session has no limit."""
    if capacity is None:
        return None
    return max(0, capacity - confirmed)
