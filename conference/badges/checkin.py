"""Door check-in: verify a scanned code, decide, and record every scan.

``scan`` is the one rule used by the scanner page, the JSON API, offline sync,
the benchmark and the tests. It never commits; the caller does.

A door queue feels every millisecond here, so an accepted scan costs four
statements after the scanner is known: lock the badge, read it with its
registration and key status, read the holder's scan history in one query
(``scan_history``), insert the scan. The statements of this path are built once
(building a SQLAlchemy expression costs about as much as running it on an indexed row).

The same function takes the short number printed on the badge, typed by staff
(``numbers``): the badge is found by it and checked by the same rules, logged as a
manual entry, with failed numbers limited per scanner because a number is guessable.

Times: the server's clock decides, and is the time of record. The scanner's clock
is kept as information, and used only for scans it queued offline (they happened
before the server heard of them, and the clock is capped at the server's now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.orm import joinedload, make_transient_to_detached

from conference import permissions
from conference.badges import numbers, signing, tokens
from conference.badges.checkpoints import Checkpoint, actor_columns, is_device
from conference.badges.models import (
    Badge,
    EventSigningKey,
    KeyStatus,
    Scan,
    ScanEntry,
    ScanResult,
)
from conference.badges.scan_history import History, history_of
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
ALREADY_IN = ScanResult.ALREADY_IN.value
# Longer than any badge code: the rest of a pasted blob is not even parsed.
MAX_CODE_LENGTH = 500


@dataclass
class Decision:
    result: str
    reason: str
    previous: Scan | None = None


def _refuse(reason: str, previous: Scan | None = None) -> Decision:
    return Decision(REFUSED, reason, previous)


# -- statements of the hot path, built once --------------------------------------------------

_badges = Badge.__table__
_scans = Scan.__table__

_LOCK_BADGE = (
    # The row lock that serialises scans of one badge (on SQLite it takes the write lock).
    update(_badges)
    .where(
        _badges.c.event_id == bindparam("b_event_id"),
        _badges.c.public_id == bindparam("b_public_id"),
    )
    .values(last_scanned_at=bindparam("b_now", type_=_badges.c.last_scanned_at.type))
    .returning(_badges.c.id)
)


@cache
def _badge_with_holder() -> Select:
    """The badge, its registration and holder, and the status of the key a code names.

    Built on first use: ORM options need every model mapped.
    """
    key_status = (
        select(EventSigningKey.status)
        .where(
            EventSigningKey.event_id == Badge.event_id,
            EventSigningKey.key_id == bindparam("key_id"),
        )
        .scalar_subquery()
    )
    return (
        select(Badge, key_status)
        .where(Badge.id == bindparam("badge_id"))
        .options(joinedload(Badge.registration).joinedload(Registration.user))
        .execution_options(populate_existing=True)
    )


_INSERT_SCAN = insert(_scans)


# -- recording ---------------------------------------------------------------------------------


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
    entry: str = ScanEntry.CODE.value,
    repeat_of: Scan | None = None,
    client_scan_id: str | None = None,
    client_scanned_at: datetime | None = None,
    offline: bool = False,
) -> Scan:
    """Insert the scan and give it back as a persistent object holding what the answer needs."""
    db.session.flush()  # anything pending (a device's last use) goes first, as the ORM would
    values = {
        "event_id": event.id,
        "session_id": checkpoint.session_id,
        "badge_id": badge.id if badge is not None else None,
        "registration_id": registration.id if registration is not None else None,
        "badge_version": badge_version,
        "result": decision.result,
        "reason": decision.reason,
        "manual": entry != ScanEntry.CODE.value,
        "entry": entry,
        "offline": offline,
        "repeat_of_id": repeat_of.id if repeat_of is not None else None,
        "previous_id": decision.previous.id if decision.previous is not None else None,
        "scanned_at": now,
        "client_scanned_at": client_scanned_at,
        "client_scan_id": client_scan_id,
        **actor_columns(actor),
    }
    # A plain INSERT rather than the unit of work's flush: a third of the cost of a scan.
    inserted = db.session.execute(_INSERT_SCAN, values)
    scan = Scan(id=inserted.inserted_primary_key[0], **values)
    # Hand over the loaded objects so that answering needs no further queries.
    scan.event = event
    scan.session = checkpoint.session
    scan.badge = badge
    scan.registration = registration
    scan.previous = decision.previous
    scan.device = actor if is_device(actor) else None
    scan.actor_user = None if is_device(actor) else actor
    make_transient_to_detached(scan)
    db.session.add(scan)  # persistent, as if just loaded: nothing left to flush
    return scan


def find_client_scan(event: Event, client_scan_id: str) -> Scan | None:
    return db.session.scalar(
        select(Scan).where(Scan.event_id == event.id, Scan.client_scan_id == client_scan_id)
    )


# -- verifying and deciding ------------------------------------------------------------------


def _verify_code(event: Event, code: str) -> tuple[str | None, tokens.BadgeClaims | None]:
    """(refusal reason or None, claims whose signature holds).

    Whether the signing key was revoked is read with the badge (``_load_badge``).
    """
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
    public_key = signing.verifying_key(event.id, claims.key_id_hex)
    if public_key is None or not tokens.verify_signature(parsed, public_key):
        return "invalid_code", None
    return None, claims


def _load_badge(
    event: Event, claims: tokens.BadgeClaims, now: datetime
) -> tuple[str | None, Badge | None]:
    """Lock the badge a verified code names and load it with its holder: (refusal, badge)."""
    badge_id = db.session.scalar(
        _LOCK_BADGE, {"b_event_id": event.id, "b_public_id": claims.badge_public_id, "b_now": now}
    )
    if badge_id is None:
        return "invalid_code", None
    row = db.session.execute(
        _badge_with_holder(), {"badge_id": badge_id, "key_id": claims.key_id_hex}
    ).one()
    badge, key_status = row
    if key_status is None:
        return "invalid_code", None
    if key_status == KeyStatus.REVOKED.value:
        return "revoked_key", None
    return None, badge


def _door_count(checkpoint: Checkpoint) -> int:
    return db.session.scalar(
        select(func.count(func.distinct(Scan.registration_id))).where(
            Scan.session_id == checkpoint.session_id,
            Scan.result == ACCEPTED,
            Scan.repeat_of_id.is_(None),
        )
    )


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
        return _refuse("not_approved")
    session = checkpoint.session
    if session is not None:
        if session.is_cancelled:
            return _refuse("session_cancelled")
        if not permissions.may_attend_session(registration, session):
            return _refuse("not_authorised")
        if session.requires_booking and not _has_booking(registration, session.id):
            return _refuse("not_booked")
    if history is None:
        history = history_of(registration, checkpoint)
    here = history.here
    if here is not None and session is not None:
        return _refuse("already_checked_in", here)
    # The entrance admits once per day of the event (its local day), and again the same
    # day only where the event admits re-entry and staff confirm it.
    if here is not None and _same_local_day(event, here.seen_at, now):
        if not event.admits_reentry:
            return _refuse("already_checked_in", here)
        if not let_in_again:
            return Decision(ALREADY_IN, "already_in", here)
        return Decision(ACCEPTED, "let_in_again", here)
    if session is not None and not session.requires_booking:
        capacity = session.effective_capacity
        if capacity is not None:
            # Serialise the last seats between doors (PostgreSQL; SQLite writers are serial).
            db.session.execute(
                select(type(session).id).where(type(session).id == session.id).with_for_update()
            )
            if _door_count(checkpoint) >= capacity:
                return _refuse("session_full")
    return Decision(ACCEPTED, "checked_in", history.latest)


def _same_local_day(event: Event, first: datetime, second: datetime) -> bool:
    return first.astimezone(event.tz).date() == second.astimezone(event.tz).date()


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


def scan(
    event: Event,
    checkpoint: Checkpoint,
    code: str,
    *,
    actor: Any,
    client_scan_id: str | None = None,
    client_scanned_at: datetime | None = None,
    offline: bool = False,
    let_in_again: bool = False,
    now: datetime | None = None,
) -> Scan:
    """Check a scanned code (or a typed badge number) at a checkpoint and record the scan.

    ``client_scanned_at`` is the scanner's clock; it decides nothing unless ``offline``.
    """
    now = now or utcnow()
    if client_scan_id is not None:
        existing = find_client_scan(event, client_scan_id)
        if existing is not None:
            return existing
    seen = client_scanned_at if offline and client_scanned_at is not None else now
    record = {
        "actor": actor,
        "now": now,
        "client_scan_id": client_scan_id,
        "client_scanned_at": client_scanned_at,
        "offline": offline,
    }
    code = code[: MAX_CODE_LENGTH + 1]
    number = numbers.typed_number(code)
    if number is not None:
        return _scan_number(event, checkpoint, number, seen, let_in_again, record)
    reason, claims = (
        ("invalid_code", None) if len(code) > MAX_CODE_LENGTH else _verify_code(event, code)
    )
    badge = None
    if claims is not None:
        reason, badge = _load_badge(event, claims, now)
    if badge is None:
        return _record(event, checkpoint, _refuse(reason or "invalid_code"), **record)
    registration = badge.registration
    record["badge_version"] = claims.version
    history = history_of(
        registration,
        checkpoint,
        repeat_of=(badge, claims.version, actor, seen),
        readmitting=let_in_again,
    )
    original = history.repeated
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
        decision = decide(
            event, checkpoint, registration, now=seen, history=history, let_in_again=let_in_again
        )
    return _record(event, checkpoint, decision, badge=badge, registration=registration, **record)


def _scan_number(
    event: Event,
    checkpoint: Checkpoint,
    number: str,
    seen: datetime,
    let_in_again: bool,
    record: dict[str, Any],
) -> Scan:
    """A typed badge number: the same rules, a manual entry, and few failures per scanner."""
    record["entry"] = ScanEntry.NUMBER.value
    if numbers.failures_exceeded(event, record["actor"], record["now"]):
        return _record(event, checkpoint, _refuse("too_many_attempts"), **record)
    found = numbers.lock_badges_numbered(event, number, record["now"])
    if len(found) != 1:
        reason = "unknown_number" if not found else "ambiguous_number"
        return _record(event, checkpoint, _refuse(reason), **record)
    # The number names the badge, not a version: the key of its current version must stand.
    badge_id, key_id = found[0]
    badge, key_status = db.session.execute(
        _badge_with_holder(), {"badge_id": badge_id, "key_id": key_id}
    ).one()
    registration = badge.registration
    record |= {"badge": badge, "registration": registration, "badge_version": badge.version}
    if badge.is_revoked:
        decision = _refuse("revoked_badge")
    elif key_status is None or key_status == KeyStatus.REVOKED.value:
        decision = _refuse("revoked_key")
    else:
        decision = decide(event, checkpoint, registration, now=seen, let_in_again=let_in_again)
    return _record(event, checkpoint, decision, **record)


def manual_check_in(
    event: Event,
    checkpoint: Checkpoint,
    registration: Registration,
    *,
    actor: Any,
    let_in_again: bool = False,
) -> Scan:
    """Check a person in by hand (forgotten badge), by the same rules; recorded as manual."""
    now = utcnow()
    badge = db.session.scalar(select(Badge).where(Badge.registration_id == registration.id))
    if badge is not None:
        db.session.execute(update(Badge).where(Badge.id == badge.id).values(last_scanned_at=now))
    decision = decide(event, checkpoint, registration, now=now, let_in_again=let_in_again)
    return _record(
        event,
        checkpoint,
        decision,
        actor=actor,
        now=now,
        badge=badge,
        registration=registration,
        entry=ScanEntry.NAME.value,
    )
