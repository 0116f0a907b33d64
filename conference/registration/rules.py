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

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
    RegistrationStatus.PENDING.value: _l(
        "Your registration is awaiting approval by the organisers; "
        "you can book sessions once it is approved."
    ),
    RegistrationStatus.WAITLISTED.value: _l(
        "The event is full and your registration is on its "
        "waiting list; you can book sessions once a place frees up."
    ),
    RegistrationStatus.REJECTED.value: _l("Your registration for this event was not accepted."),
    RegistrationStatus.CANCELLED.value: _l("Your registration for this event is cancelled."),
}


@dataclass(frozen=True)
class Refusal:
    """A broken booking rule: a stable code, a message for the attendee and an HTTP status."""

    code: str
    message: str
    status: int = 403


def restriction_label(categories: Iterable[str]) -> str:
    """ "Open to verified Member State experts", naming every admitted category."""
    return _restriction_label(tuple(categories), str(get_locale()))


@lru_cache(maxsize=256)  # a handful of distinct lists; the importer asks thousands of times
def _restriction_label(categories: tuple[str, ...], language: str) -> str:  # noqa: ARG001
    # ``language`` keys the cache: the same list reads differently in each language.
    order = list(StakeholderCategory)
    known = sorted((StakeholderCategory(v) for v in categories if v in order), key=order.index)
    names = [str(c.plural_label) for c in known] + [v for v in categories if v not in order]
    if not names:
        return _("Open to every registered attendee")
    joined = (
        names[0]
        if len(names) == 1
        else _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])
    )
    return _("Open to verified %(categories)s", categories=joined)


def session_restriction_label(session: Any) -> str:
    """Who a restricted session admits: its verified categories and/or invited delegations."""
    if not session.restricted_to:
        return (
            _("Open by invitation only, to the experts of the delegations invited")
            if session.invitation_only
            else (restriction_label(()))
        )
    label = restriction_label(session.restricted_to)
    if session.invitation_only:
        return _("%(label)s and to the experts of the delegations invited", label=label)
    return label


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
        return Refusal(NOT_REGISTERED, _("Register for the event before booking sessions."))
    if not registration.is_approved:
        message = _STATUS_REFUSALS.get(registration.status)
        return Refusal(
            NOT_APPROVED, str(message) if message else _("Your registration is not approved.")
        )
    if session.is_cancelled:
        return Refusal(SESSION_CANCELLED, _("This session is cancelled."), 409)
    if not permissions.may_attend_session(registration, session):
        label = session_restriction_label(session) + "."
        if registration.category in session.restricted_to and not registration.category_verified:
            return Refusal(
                VERIFICATION_PENDING,
                _(
                    "%(who)s. Your category (%(category)s) is awaiting verification by the "
                    "organisers.",
                    who=session_restriction_label(session),
                    category=category_label(registration.category),
                ),
            )
        return Refusal(RESTRICTED, label)
    if not registration_open:
        return Refusal(
            BOOKING_CLOSED, _("Booking is closed: registration for this event has ended.")
        )
    if now is not None and now >= session.starts_at:
        return Refusal(SESSION_STARTED, _("This session has already started."), 409)
    return None


def delegation_quota_message(quota: int) -> str:
    """Why a nominee may not book: their delegation's places in the session are taken."""
    return ngettext(
        "Your delegation's %(num)d place in this session is all booked; your national contact "
        "point can tell you whether one frees up.",
        "Your delegation's %(num)d places in this session are all booked; your national contact "
        "point can tell you whether one frees up.",
        quota,
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
