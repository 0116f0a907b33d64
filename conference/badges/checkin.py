"""Door check-in: verify a scanned code, decide, and record every scan.

``scan`` is the one rule used by the scanner page, the JSON API, offline sync,
the benchmark and the tests. It never commits; the caller does.

A door queue feels every millisecond here, so an accepted scan costs three
statements after the scanner is known: lock the badge, read it with its registration,
key status and the holder's scan history in one query (``scan_history``), insert the
scan. Those statements are in ``scan_records`` and ``scan_history``, built once; the
door rules themselves are in ``door_rules``; this module verifies and runs the steps.

The same function takes the short number printed on the badge, typed by staff
(``numbers``): the badge is found by it and checked by the same rules, logged as a
manual entry, with failed numbers limited per scanner because a number is guessable.

Times: the server's clock decides, and is the time of record. The scanner's clock
is kept as information, and used only for scans it queued offline (they happened
before the server heard of them, and the clock is capped at the server's now).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from conference.badges import numbers, signing, tokens
from conference.badges.checkpoints import Checkpoint
from conference.badges.door_rules import Decision, decide, refuse
from conference.badges.models import (
    Badge,
    KeyStatus,
    Scan,
    ScanEntry,
)
from conference.badges.scan_records import (
    badge_with_holder,
    find_client_scan,
    load_badge,
    record_scan,
)
from conference.db_types import utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import (
    Registration,
)

__all__ = ["find_client_scan", "manual_check_in", "scan"]

# Longer than any badge code: the rest of a pasted blob is not even parsed.
MAX_CODE_LENGTH = 500


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
    badge = history = None
    if claims is not None:
        reason, badge, history = load_badge(
            event, claims, now, checkpoint, actor=actor, seen=seen, readmitting=let_in_again
        )
    if badge is None or history is None:
        return record_scan(event, checkpoint, refuse(reason or "invalid_code"), **record)
    registration = badge.registration
    record["badge_version"] = claims.version
    original = history.repeated
    if original is not None:
        decision = Decision(original.result, original.reason, original.previous)
        return record_scan(
            event,
            checkpoint,
            decision,
            badge=badge,
            registration=registration,
            repeat_of=original,
            **record,
        )
    if claims.version != badge.version or badge.is_revoked:
        decision = refuse(
            "revoked_badge"
            if claims.version < badge.version or badge.is_revoked
            else "invalid_code"
        )
    else:
        decision = decide(
            event, checkpoint, registration, now=seen, history=history, let_in_again=let_in_again
        )
    return record_scan(
        event, checkpoint, decision, badge=badge, registration=registration, **record
    )


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
        return record_scan(event, checkpoint, refuse("too_many_attempts"), **record)
    found = numbers.lock_badges_numbered(event, number, record["now"])
    if len(found) != 1:
        reason = "unknown_number" if not found else "ambiguous_number"
        return record_scan(event, checkpoint, refuse(reason), **record)
    # The number names the badge, not a version: the key of its current version must stand.
    badge_id, key_id = found[0]
    badge, key_status = db.session.execute(
        badge_with_holder(), {"badge_id": badge_id, "key_id": key_id}
    ).one()
    registration = badge.registration
    record |= {"badge": badge, "registration": registration, "badge_version": badge.version}
    if badge.is_revoked:
        decision = refuse("revoked_badge")
    elif key_status is None or key_status == KeyStatus.REVOKED.value:
        decision = refuse("revoked_key")
    else:
        decision = decide(event, checkpoint, registration, now=seen, let_in_again=let_in_again)
    return record_scan(event, checkpoint, decision, **record)


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
    return record_scan(
        event,
        checkpoint,
        decision,
        actor=actor,
        now=now,
        badge=badge,
        registration=registration,
        entry=ScanEntry.NAME.value,
    )
