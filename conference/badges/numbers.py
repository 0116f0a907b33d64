"""The short number printed on a badge ("Badge 57QEG2PI"), as door staff type it.

The number is the first eight characters of the badge's random base32 id. Typed by
hand it is read forgivingly: case does not matter, spaces and hyphens are dropped,
and the characters people confuse on print are one (O and 0; I, L and 1). Base32
has no 0 or 1, so only I and L truly merge, at the cost of under one bit of the 40.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from conference.badges.checkpoints import is_device
from conference.badges.models import NUMBER_LENGTH, Badge, Scan, ScanEntry
from conference.events.models import Event
from conference.extensions import db

_CONFUSED = str.maketrans({"0": "O", "1": "I", "L": "I"})
_SEPARATORS = re.compile(r"[\s\-_.]")
_TYPED = re.compile(rf"[A-Z2-701]{{{NUMBER_LENGTH}}}")


def printed_number(public_id: str) -> str:
    """The number printed on the badge."""
    return public_id[:NUMBER_LENGTH]


def fold(text: str) -> str:
    """The form stored in ``Badge.number_key`` and compared with what is typed."""
    return text.upper().translate(_CONFUSED)


def number_key(public_id: str) -> str:
    return fold(printed_number(public_id))


def typed_number(text: str) -> str | None:
    """The folded number if ``text`` is a typed badge number, else None."""
    if len(text) > 4 * NUMBER_LENGTH:
        return None
    cleaned = _SEPARATORS.sub("", text).upper()
    if len(cleaned) > NUMBER_LENGTH:
        # Typed with its label, as printed: "Badge 57QEG2PI".
        cleaned = cleaned.removeprefix("BADGE")
    if not _TYPED.fullmatch(cleaned):
        return None
    return fold(cleaned)


# -- looking badges up by number ----------------------------------------------------------------

_FAILED_REASONS = ("unknown_number", "ambiguous_number", "too_many_attempts")


def lock_badges_numbered(event: Event, number: str, now: datetime) -> list[tuple[int, str]]:
    """(id, key id) of the event's badges with this folded number, locked as a scan locks.

    Two badges of one event sharing a number is a chance of about one in 10⁷ at 20,000
    badges; the caller refuses it as ambiguous rather than guess.
    """
    badges = Badge.__table__
    rows = db.session.execute(
        update(badges)
        .where(badges.c.event_id == event.id, badges.c.number_key == number)
        .values(last_scanned_at=now)
        .returning(badges.c.id, badges.c.key_id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def failures_exceeded(event: Event, actor: Any, now: datetime) -> bool:
    """Whether this scanner typed too many numbers that found no badge, lately.

    A number is short enough to guess; a person typing numbers off badges rarely
    misses, so few misses are allowed in the window (SCAN_NUMBER_FAILURES per
    SCAN_NUMBER_WINDOW_SECONDS), and the refusals while blocked count as misses.
    """
    config = current_app.config
    since = now - timedelta(seconds=config["SCAN_NUMBER_WINDOW_SECONDS"])
    scanner = (
        Scan.device_id == actor.id
        if is_device(actor)
        else (Scan.actor_user_id == actor.id) & Scan.device_id.is_(None)
    )
    misses = db.session.scalar(
        select(func.count()).where(
            Scan.event_id == event.id,
            Scan.scanned_at >= since,
            Scan.entry == ScanEntry.NUMBER.value,
            Scan.reason.in_(_FAILED_REASONS),
            scanner,
        )
    )
    return misses >= config["SCAN_NUMBER_FAILURES"]
