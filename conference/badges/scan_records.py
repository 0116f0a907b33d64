"""The statements of the scan path, built once: lock and load the badge, record the scan, and the
counts the door rules need. A door queue feels every millisecond: building a SQLAlchemy
expression costs about as much as running it on an indexed row.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.orm import make_transient_to_detached

from conference.badges import tokens
from conference.badges.checkpoints import Checkpoint, actor_columns, is_device
from conference.badges.models import Badge, KeyStatus, Scan, ScanEntry, ScanResult
from conference.badges.scan_history import History, badge_with_history, select_badge
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Booking, BookingStatus, Registration

if TYPE_CHECKING:
    from conference.badges.door_rules import Decision

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
def badge_with_holder() -> Select:
    """The badge, its registration and holder, and the status of the key a code names.

    Built on first use: ORM options need every model mapped.
    """
    return select_badge()


_INSERT_SCAN = insert(_scans)
_SCAN_MANAGER = Scan.__mapper__.class_manager


def record_scan(
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
    inserted = db.session.connection().execute(_INSERT_SCAN, values)
    # The object is filled as the ORM's loader fills a row's (its __dict__, with the loaded
    # objects the answer needs): setting 25 instrumented attributes one by one cost more
    # than the insert. Scan's relationships have no backrefs to keep in step.
    scan = _SCAN_MANAGER.new_instance()
    scan.__dict__.update(
        values,
        id=inserted.inserted_primary_key[0],
        event=event,
        session=checkpoint.session,
        badge=badge,
        registration=registration,
        previous=decision.previous,
        device=actor if is_device(actor) else None,
        actor_user=None if is_device(actor) else actor,
    )
    make_transient_to_detached(scan)
    db.session.add(scan)  # persistent, as if just loaded: nothing left to flush
    return scan


def find_client_scan(event: Event, client_scan_id: str) -> Scan | None:
    return db.session.scalar(
        select(Scan).where(Scan.event_id == event.id, Scan.client_scan_id == client_scan_id)
    )


def load_badge(
    event: Event,
    claims: tokens.BadgeClaims,
    now: datetime,
    checkpoint: Checkpoint,
    *,
    actor: Any,
    seen: datetime,
    readmitting: bool = False,
) -> tuple[str | None, Badge | None, History | None]:
    """Lock the badge a verified code names and load it with its holder and their scan
    history (``scan_history.badge_with_history``): (refusal, badge, history)."""
    # Core statements go to the session's connection: the session's own execute costs
    # as much again as the statement on an indexed row.
    connection = db.session.connection()
    badge_id = connection.execute(
        _LOCK_BADGE, {"b_event_id": event.id, "b_public_id": claims.badge_public_id, "b_now": now}
    ).scalar()
    if badge_id is None:
        return "invalid_code", None, None
    badge, key_status, history = badge_with_history(
        badge_id,
        claims.key_id_hex,
        checkpoint,
        version=claims.version,
        actor=actor,
        seen=seen,
        readmitting=readmitting,
    )
    if key_status is None:
        return "invalid_code", None, None
    if key_status == KeyStatus.REVOKED.value:
        return "revoked_key", None, None
    return None, badge, history


def door_count(checkpoint: Checkpoint) -> int:
    return db.session.scalar(
        select(func.count(func.distinct(Scan.registration_id))).where(
            Scan.session_id == checkpoint.session_id,
            Scan.result == ScanResult.ACCEPTED.value,
            Scan.repeat_of_id.is_(None),
        )
    )


def has_booking(registration: Registration, session_id: int) -> bool:
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


def lock_session(session: Any) -> None:
    """Serialise the last seats of a session between doors (PostgreSQL; SQLite writers are serial)."""
    db.session.execute(
        select(type(session).id).where(type(session).id == session.id).with_for_update()
    )
