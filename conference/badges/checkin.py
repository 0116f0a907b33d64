"""Door check-in: verify a scanned code, decide, and record every scan.

``scan`` is the one rule used by the scanner page, the JSON API, offline sync,
the benchmark and the tests. It never commits; the caller does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from conference import permissions
from conference.badges import signing, tokens
from conference.badges.checkpoints import Checkpoint, actor_columns, is_device
from conference.badges.models import Badge, KeyStatus, Scan, ScanResult
from conference.db_types import utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import (
    Booking,
    BookingStatus,
    Registration,
    RegistrationStatus,
)

ACCEPTED = ScanResult.ACCEPTED.value
REFUSED = ScanResult.REFUSED.value


@dataclass
class Decision:
    result: str
    reason: str
    previous: Scan | None = None


def _refuse(reason: str, previous: Scan | None = None) -> Decision:
    return Decision(REFUSED, reason, previous)


def duplicate_window() -> timedelta:
    return timedelta(seconds=current_app.config["SCAN_DUPLICATE_WINDOW_SECONDS"])


def _record(
    event: Event,
    checkpoint: Checkpoint,
    decision: Decision,
    *,
    actor: Any,
    now: datetime,
    badge: Badge | None = None,
    badge_version: int | None = None,
    registration: Registration | None = None,
    manual: bool = False,
    repeat_of: Scan | None = None,
    client_scan_id: str | None = None,
    client_scanned_at: datetime | None = None,
) -> Scan:
    scan = Scan(
        event_id=event.id,
        session_id=checkpoint.session_id,
        badge_id=badge.id if badge is not None else None,
        registration_id=registration.id if registration is not None else None,
        badge_version=badge_version,
        result=decision.result,
        reason=decision.reason,
        manual=manual,
        repeat_of_id=repeat_of.id if repeat_of is not None else None,
        previous_id=decision.previous.id if decision.previous is not None else None,
        scanned_at=now,
        client_scanned_at=client_scanned_at,
        client_scan_id=client_scan_id,
        **actor_columns(actor),
    )
    # Hand over the loaded objects so that answering needs no further queries.
    scan.event = event
    scan.badge = badge
    scan.registration = registration
    scan.previous = decision.previous
    db.session.add(scan)
    db.session.flush()
    return scan


def find_client_scan(event: Event, client_scan_id: str) -> Scan | None:
    return db.session.scalar(
        select(Scan).where(Scan.event_id == event.id, Scan.client_scan_id == client_scan_id)
    )


def _verify_code(event: Event, code: str) -> tuple[str | None, tokens.BadgeClaims | None]:
    """(refusal reason or None, trusted claims)."""
    try:
        parsed = tokens.parse_token(code)
    except tokens.MalformedToken:
        return "invalid_code", None
    claims = parsed.claims
    if claims.event_id != event.id:
        # Say "another event" only for a genuine code of that event; else it is just invalid.
        other = db.session.get(Event, claims.event_id)
        key = signing.get_key(other, claims.key_id_hex) if other is not None else None
        if key is not None and tokens.verify_signature(parsed, signing.public_key_of(key)):
            return "wrong_event", None
        return "invalid_code", None
    key = signing.get_key(event, claims.key_id_hex)
    if key is None or not tokens.verify_signature(parsed, signing.public_key_of(key)):
        return "invalid_code", None
    if key.status == KeyStatus.REVOKED.value:
        return "revoked_key", None
    return None, claims


def _latest_check_in(
    registration: Registration, *, checkpoint: Checkpoint | None = None
) -> Scan | None:
    query = (
        select(Scan)
        .where(
            Scan.registration_id == registration.id,
            Scan.result == ACCEPTED,
            Scan.repeat_of_id.is_(None),
        )
        .order_by(Scan.scanned_at.desc(), Scan.id.desc())
        .limit(1)
    )
    if checkpoint is not None:
        query = query.where(
            Scan.session_id.is_(None)
            if checkpoint.session is None
            else (Scan.session_id == checkpoint.session_id)
        )
    return db.session.scalar(query)


def _door_count(checkpoint: Checkpoint) -> int:
    return db.session.scalar(
        select(func.count(func.distinct(Scan.registration_id))).where(
            Scan.session_id == checkpoint.session_id,
            Scan.result == ACCEPTED,
            Scan.repeat_of_id.is_(None),
        )
    )


def decide(
    event: Event, checkpoint: Checkpoint, registration: Registration, *, now: datetime
) -> Decision:
    """Whether the holder of an authentic badge may pass this checkpoint now."""
    if registration.status != RegistrationStatus.APPROVED.value:
        return _refuse("not_approved")
    session = checkpoint.session
    if session is not None:
        if session.is_cancelled:
            return _refuse("session_cancelled")
        if not permissions.may_attend_session(registration, session):
            return _refuse("not_authorised")
        if session.requires_booking and not _has_booking(registration, session.id):
            return _refuse("not_booked")
    here = _latest_check_in(registration, checkpoint=checkpoint)
    if here is not None and (
        session is not None
        # The entrance admits once per day of the event (its local day).
        or here.seen_at.astimezone(event.tz).date() == now.astimezone(event.tz).date()
    ):
        return _refuse("already_checked_in", here)
    if session is not None and not session.requires_booking:
        capacity = session.effective_capacity
        if capacity is not None:
            # Serialise the last seats between doors (PostgreSQL; SQLite writers are serial).
            db.session.execute(
                select(type(session).id).where(type(session).id == session.id).with_for_update()
            )
            if _door_count(checkpoint) >= capacity:
                return _refuse("session_full")
    return Decision(ACCEPTED, "checked_in", _latest_check_in(registration))


def _has_booking(registration: Registration, session_id: int) -> bool:
    return (
        db.session.scalar(
            select(Booking.id).where(
                Booking.registration_id == registration.id,
                Booking.session_id == session_id,
                Booking.status == BookingStatus.CONFIRMED.value,
            )
        )
        is not None
    )


def _repeat_of(
    badge: Badge, version: int, checkpoint: Checkpoint, actor: Any, seen: datetime
) -> Scan | None:
    """The scan this one merely repeats: same code, door and scanner, a few seconds before."""
    window = duplicate_window()
    if window <= timedelta(0):
        return None
    seen_col = func.coalesce(Scan.client_scanned_at, Scan.scanned_at)
    query = (
        select(Scan)
        .where(
            Scan.badge_id == badge.id,
            Scan.badge_version == version,
            Scan.repeat_of_id.is_(None),
            Scan.manual.is_(False),
            seen_col >= seen - window,
            seen_col <= seen + window,
        )
        .order_by(Scan.id.desc())
        .limit(1)
    )
    query = query.where(
        Scan.session_id.is_(None)
        if checkpoint.session is None
        else Scan.session_id == checkpoint.session_id
    )
    if is_device(actor):
        query = query.where(Scan.device_id == actor.id)
    else:
        query = query.where(Scan.actor_user_id == actor.id, Scan.device_id.is_(None))
    return db.session.scalar(query)


def scan(
    event: Event,
    checkpoint: Checkpoint,
    code: str,
    *,
    actor: Any,
    client_scan_id: str | None = None,
    client_scanned_at: datetime | None = None,
    now: datetime | None = None,
) -> Scan:
    """Check a scanned code at a checkpoint and record the scan, accepted or refused."""
    now = now or utcnow()
    if client_scan_id is not None:
        existing = find_client_scan(event, client_scan_id)
        if existing is not None:
            return existing
    record = {
        "actor": actor,
        "now": now,
        "client_scan_id": client_scan_id,
        "client_scanned_at": client_scanned_at,
    }
    reason, claims = _verify_code(event, code)
    badge = None
    if claims is not None:
        # The row lock that serialises scans of one badge (on SQLite it takes the write lock).
        badge_id = db.session.scalar(
            update(Badge)
            .where(Badge.event_id == event.id, Badge.public_id == claims.badge_public_id)
            .values(last_scanned_at=now)
            .returning(Badge.id)
        )
        if badge_id is None:
            reason = "invalid_code"
        else:
            badge = db.session.get(
                Badge,
                badge_id,
                populate_existing=True,
                options=[joinedload(Badge.registration).joinedload(Registration.user)],
            )
    if badge is None:
        return _record(event, checkpoint, _refuse(reason or "invalid_code"), **record)
    registration = badge.registration
    record["badge_version"] = claims.version
    original = _repeat_of(badge, claims.version, checkpoint, actor, client_scanned_at or now)
    if original is not None:
        decision = Decision(original.result, original.reason, original.previous)
        return _record(
            event,
            checkpoint,
            decision,
            badge=badge,
            registration=registration,
            repeat_of=original,
            **record,
        )
    if claims.version != badge.version or badge.is_revoked:
        decision = _refuse(
            "revoked_badge"
            if claims.version < badge.version or badge.is_revoked
            else "invalid_code"
        )
    else:
        decision = decide(event, checkpoint, registration, now=client_scanned_at or now)
    return _record(event, checkpoint, decision, badge=badge, registration=registration, **record)


def manual_check_in(
    event: Event, checkpoint: Checkpoint, registration: Registration, *, actor: Any
) -> Scan:
    """Check a person in by hand (forgotten badge), by the same rules; recorded as manual."""
    now = utcnow()
    badge = db.session.scalar(select(Badge).where(Badge.registration_id == registration.id))
    if badge is not None:
        db.session.execute(update(Badge).where(Badge.id == badge.id).values(last_scanned_at=now))
    decision = decide(event, checkpoint, registration, now=now)
    return _record(
        event,
        checkpoint,
        decision,
        actor=actor,
        now=now,
        badge=badge,
        registration=registration,
        manual=True,
    )
