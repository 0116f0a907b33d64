"""What a scanner is told about a scan: result, reason, a human message and the attendee.

Messages never name a session: a refusal at a restricted door must not reveal
it to a scanner that may not see it. Checkpoint names go through
``checkpoint_label``, which applies the same rule.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference.badges.checkpoints import (
    Checkpoint,
    actor_label,
    checkpoint_label,
    checkpoint_marking,
)
from conference.badges.models import Scan, ScanEntry, ScanResult
from conference.categories import category_label
from conference.countries import country_name
from conference.localtime import format_local
from conference.registration.models import Registration, RegistrationStatus

REASON_MESSAGES: dict[str, Any] = {
    "checked_in": _l("Checked in. Welcome!"),
    "invalid_code": _l("Not a valid badge: unreadable, altered or forged."),
    "wrong_event": _l("This badge is for another event."),
    "revoked_badge": _l("This badge was revoked or replaced by a newer one."),
    "revoked_key": _l(
        "This badge was signed with a withdrawn key. The attendee needs a new badge."
    ),
    "not_approved": _l("The registration is not approved."),
    "session_cancelled": _l("This session is cancelled."),
    "not_authorised": _l("Not authorised for this restricted session."),
    "not_booked": _l("Not booked in this session, and it requires booking."),
    "already_checked_in": _l("Already checked in here."),
    "already_in": _l("Already in."),
    "let_in_again": _l("Let in again. Welcome back!"),
    "session_full": _l("The session is full."),
    "unknown_number": _l("No badge has this number. Check it, or search by name."),
    "ambiguous_number": _l("Two badges share this number: scan the QR code or search by name."),
    "too_many_attempts": _l(
        "Too many typed numbers found no badge: wait a few minutes, or search by name."
    ),
}
# Entries without the signed code: the staff compare the person with an ID document.
_IDENTITY_CHECK_ENTRIES = {ScanEntry.NUMBER.value, ScanEntry.NAME.value}

_STATUS_MESSAGES = {
    RegistrationStatus.PENDING.value: _l("The registration is still waiting for approval."),
    RegistrationStatus.REJECTED.value: _l("The registration was declined."),
    RegistrationStatus.WAITLISTED.value: _l("The registration is on the waiting list."),
    RegistrationStatus.CANCELLED.value: _l("The registration is cancelled."),
}


def attendee_json(registration: Registration) -> dict[str, Any]:
    """What the door person compares with the holder."""
    return {
        "name": registration.user.name,
        "organisation": registration.organisation or registration.user.organisation,
        "country": country_name(registration.country or registration.user.country),
        "category": registration.category,
        "category_label": category_label(registration.category),
        "category_verified": registration.category_verified,
    }


def message_for(scan: Scan) -> str:
    """The human message for a scan's reason."""
    registration = scan.registration
    if scan.reason == "not_approved" and registration is not None:
        return str(_STATUS_MESSAGES.get(registration.status, REASON_MESSAGES["not_approved"]))
    if scan.reason == "not_authorised" and registration is not None:
        if not registration.category_verified:
            return _("Not authorised for this restricted session: category not verified.")
        return _("Not authorised for this restricted session: category not admitted.")
    if scan.reason == "revoked_badge" and scan.badge is not None and not scan.badge.is_revoked:
        return _("This badge was replaced by a newer one; the old badge no longer works.")
    previous = scan.previous
    if scan.reason == "already_checked_in" and previous is not None:
        when = previous.seen_at.astimezone(scan.event.tz).strftime("%H:%M")
        if scan.session is None:
            return _(
                "Already in since %(time)s. This event does not admit re-entry the same day.",
                time=when,
            )
        return _("Already checked in here at %(time)s.", time=when)
    if scan.reason == "already_in" and previous is not None:
        when = previous.seen_at.astimezone(scan.event.tz).strftime("%H:%M")
        return _("Already in since %(time)s at %(door)s.", time=when, door=door_of(previous))
    return str(REASON_MESSAGES.get(scan.reason, scan.reason))


def door_of(scan: Scan) -> str:
    """Where a check-in happened, as door staff say it: the device, else the staff member."""
    if scan.device is not None:
        return scan.device.name
    who = scan.actor_user.name if scan.actor_user is not None else _("unknown")
    return _("the entrance (%(who)s)", who=who)


def checkpoint_of(scan: Scan) -> Checkpoint:
    return Checkpoint(scan.event, scan.session)


def previous_json(previous: Scan | None, actor: Any) -> dict[str, Any] | None:
    if previous is None:
        return None
    return {
        "at": previous.seen_at.isoformat(),
        "local_time": format_local(previous.seen_at, previous.event.tz, "%a %d %b %H:%M"),
        "checkpoint": previous_checkpoint_key(previous),
        "checkpoint_label": checkpoint_label(checkpoint_of(previous), actor),
        "by": actor_label(previous.actor_user, previous.device),
        "manual": previous.manual,
    }


def previous_checkpoint_key(scan: Scan) -> str:
    return checkpoint_of(scan).key


def answer_json(scan: Scan, actor: Any, *, repeat: bool | None = None) -> dict[str, Any]:
    """The check-in API's answer for ``scan``, as ``actor`` may see it."""
    registration = scan.registration
    # A code that failed verification says nothing trustworthy about a person.
    show_person = registration is not None and scan.reason not in {
        "invalid_code",
        "wrong_event",
        "revoked_key",
    }
    return {
        "id": scan.id,
        "result": scan.result,
        "reason": scan.reason,
        "message": message_for(scan),
        "repeat": scan.repeat_of_id is not None if repeat is None else repeat,
        "manual": scan.manual,
        "entry": scan.entry,
        "offline": scan.offline,
        # Typed number or name: nothing signed was shown, so compare with an ID document.
        "check_identity": scan.entry in _IDENTITY_CHECK_ENTRIES and show_person,
        # The holder is already in: staff may let them in again (same request, let_in_again).
        "can_let_in_again": scan.result == ScanResult.ALREADY_IN.value,
        "checkpoint": checkpoint_of(scan).key,
        "checkpoint_label": checkpoint_label(checkpoint_of(scan), actor),
        "checkpoint_marking": checkpoint_marking(checkpoint_of(scan), actor),
        "scanned_at": scan.seen_at.isoformat(),
        "local_time": scan.seen_at.astimezone(scan.event.tz).strftime("%H:%M:%S"),
        "badge": scan.badge.public_id if scan.badge is not None and show_person else None,
        "attendee": attendee_json(registration) if show_person else None,
        "previous_check_in": previous_json(scan.previous, actor),
        "client_scan_id": scan.client_scan_id,
    }
