"""Door check-in: verify a scanned code, decide, and record every scan.

``scan`` is the one rule used by the scanner page, the JSON API, offline sync,
the benchmark and the tests. It never commits; the caller does.

A door queue feels every millisecond here, so an accepted scan costs four
statements after the scanner is known: lock the badge, read it with its
registration and key status, read the holder's scan history in one query,
insert the scan. The statements of this path are built once (building a
SQLAlchemy expression costs about as much as running it on an indexed row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, func, insert, literal, select, union_all, update
from sqlalchemy.orm import joinedload, make_transient_to_detached

from conference import permissions
from conference.badges import signing, tokens
from conference.badges.checkpoints import Checkpoint, actor_columns, is_device
from conference.badges.models import Badge, EventSigningKey, KeyStatus, Scan, ScanResult
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


@dataclass
class History:
    """What the scan log says about a holder, read in one query."""

    here: Scan | None = None  # the latest check-in at this checkpoint
    latest: Scan | None = None  # the latest check-in anywhere at the event
    repeated: Scan | None = None  # the scan this one merely repeats


def _refuse(reason: str, previous: Scan | None = None) -> Decision:
    return Decision(REFUSED, reason, previous)


def duplicate_window() -> timedelta:
    return timedelta(seconds=current_app.config["SCAN_DUPLICATE_WINDOW_SECONDS"])


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


def _check_ins_of_holder() -> Select:
    return select(Scan.id).where(
        Scan.registration_id == bindparam("registration_id"),
        Scan.result == ACCEPTED,
        Scan.repeat_of_id.is_(None),
    )


def _at_checkpoint(query: Select, entrance: bool) -> Select:
    if entrance:
        return query.where(Scan.session_id.is_(None))
    return query.where(Scan.session_id == bindparam("session_id"))


@cache
def _history_statement(entrance: bool, by_device: bool, with_repeat: bool) -> Select:
    """One query for the three look-ups, as (scan, kind) rows; one statement per shape."""
    newest_first = (Scan.scanned_at.desc(), Scan.id.desc())
    parts = [
        ("here", _at_checkpoint(_check_ins_of_holder(), entrance).order_by(*newest_first)),
        ("latest", _check_ins_of_holder().order_by(*newest_first)),
    ]
    if with_repeat:
        seen_col = func.coalesce(Scan.client_scanned_at, Scan.scanned_at)
        seen_type = Scan.scanned_at.type
        repeat = select(Scan.id).where(
            Scan.badge_id == bindparam("badge_id"),
            Scan.badge_version == bindparam("version"),
            Scan.repeat_of_id.is_(None),
            Scan.manual.is_(False),
            seen_col >= bindparam("window_start", type_=seen_type),
            seen_col <= bindparam("window_end", type_=seen_type),
        )
        if by_device:
            repeat = repeat.where(Scan.device_id == bindparam("actor_id"))
        else:
            repeat = repeat.where(
                Scan.actor_user_id == bindparam("actor_id"), Scan.device_id.is_(None)
            )
        parts.append(("repeated", _at_checkpoint(repeat, entrance).order_by(Scan.id.desc())))
    # Each part keeps its own ORDER BY … LIMIT 1 inside a subquery (SQLite requires it).
    found = union_all(
        *(
            select(literal(kind).label("kind"), sub.c.id).select_from(sub)
            for kind, query in parts
            for sub in [query.limit(1).subquery()]
        )
    ).subquery()
    return select(Scan, found.c.kind).join(found, Scan.id == found.c.id)


def _history(
    registration: Registration,
    checkpoint: Checkpoint,
    *,
    repeat_of: tuple[Badge, int, Any, datetime] | None = None,
) -> History:
    """The holder's check-ins here and anywhere, and (for a scan) the scan it would repeat.

    ``repeat_of`` is (badge, version scanned, scanner, when seen): a repeat is the same
    code at the same door by the same scanner within the duplicate window.
    """
    params: dict[str, Any] = {
        "registration_id": registration.id,
        "session_id": checkpoint.session_id,
    }
    window = duplicate_window()
    with_repeat = repeat_of is not None and window > timedelta(0)
    by_device = False
    if with_repeat:
        badge, version, actor, seen = repeat_of
        by_device = is_device(actor)
        params |= {
            "badge_id": badge.id,
            "version": version,
            "actor_id": actor.id,
            "window_start": seen - window,
            "window_end": seen + window,
        }
    statement = _history_statement(checkpoint.session is None, by_device, with_repeat)
    history = History()
    for scan, kind in db.session.execute(statement, params):
        setattr(history, kind, scan)
    return history


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
    manual: bool = False,
    repeat_of: Scan | None = None,
    client_scan_id: str | None = None,
    client_scanned_at: datetime | None = None,
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
        "manual": manual,
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
    if history is None:
        history = _history(registration, checkpoint)
    here = history.here
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
    return Decision(ACCEPTED, "checked_in", history.latest)


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
        reason, badge = _load_badge(event, claims, now)
    if badge is None:
        return _record(event, checkpoint, _refuse(reason or "invalid_code"), **record)
    registration = badge.registration
    record["badge_version"] = claims.version
    seen = client_scanned_at or now
    history = _history(registration, checkpoint, repeat_of=(badge, claims.version, actor, seen))
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
        decision = decide(event, checkpoint, registration, now=seen, history=history)
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
