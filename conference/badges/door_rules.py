"""The door rules: may the holder of an authentic badge pass this checkpoint now?

Decisions only; the statements they need are in ``scan_records``. ``checkin.scan`` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conference import permissions
from conference.badges.checkpoints import Checkpoint
from conference.badges.models import Scan, ScanResult
from conference.badges.scan_history import History, history_of
from conference.badges.scan_records import door_count, has_booking, lock_session
from conference.events.models import Event
from conference.registration.models import Registration, RegistrationStatus

ACCEPTED = ScanResult.ACCEPTED.value
REFUSED = ScanResult.REFUSED.value
ALREADY_IN = ScanResult.ALREADY_IN.value


@dataclass
class Decision:
    result: str
    reason: str
    previous: Scan | None = None


def refuse(reason: str, previous: Scan | None = None) -> Decision:
    return Decision(REFUSED, reason, previous)


def decide(
    event: Event,
    checkpoint: Checkpoint,
    registration: Registration,
    *,
    now: datetime,
    history: History | None = None,
    let_in_again: bool = False,
) -> Decision:
    """Whether the holder of an authentic badge may pass this checkpoint now.

    ``let_in_again``: staff confirmed the re-entry of someone already in (entrance only,
    where the event admits re-entry).
    """
    if registration.status != RegistrationStatus.APPROVED.value:
        return refuse("not_approved")
    session = checkpoint.session
    if session is not None:
        if session.is_cancelled:
            return refuse("session_cancelled")
        if not permissions.may_attend_session(registration, session):
            return refuse("not_authorised")
        if session.requires_booking and not has_booking(registration, session.id):
            return refuse("not_booked")
    if history is None:
        history = history_of(registration, checkpoint)
    here = history.here
    if here is not None and session is not None:
        return refuse("already_checked_in", here)
    # The entrance admits once per day of the event (its local day), and again the same
    # day only where the event admits re-entry and staff confirm it.
    if here is not None and same_local_day(event, here.seen_at, now):
        if not event.admits_reentry:
            return refuse("already_checked_in", here)
        if not let_in_again:
            return Decision(ALREADY_IN, "already_in", here)
        return Decision(ACCEPTED, "let_in_again", here)
    if session is not None and not session.requires_booking:
        capacity = session.effective_capacity
        if capacity is not None:
            # Serialise the last seats between doors (PostgreSQL; SQLite writers are serial).
            lock_session(session)
            if door_count(checkpoint) >= capacity:
                return refuse("session_full")
    return Decision(ACCEPTED, "checked_in", history.latest)


def same_local_day(event: Event, first: datetime, second: datetime) -> bool:
    return first.astimezone(event.tz).date() == second.astimezone(event.tz).date()
