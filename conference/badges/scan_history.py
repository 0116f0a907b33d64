"""What the scan log says about a badge holder, read in one statement per scan.

For a scan the door needs the holder's latest check-in at this checkpoint, their
latest check-in anywhere at the event, and the scan this one merely repeats (the
same code at the same door by the same scanner within a few seconds). One UNION
reads the three; the statement is built once per shape (building a SQLAlchemy
expression costs about as much as running it on an indexed row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, case, literal, select, union_all

from conference.badges.checkpoints import Checkpoint, is_device
from conference.badges.models import Badge, Scan, ScanResult
from conference.extensions import db
from conference.registration.models import Registration

ACCEPTED = ScanResult.ACCEPTED.value


@dataclass
class History:
    here: Scan | None = None  # the latest check-in at this checkpoint
    latest: Scan | None = None  # the latest check-in anywhere at the event
    repeated: Scan | None = None  # the scan this one merely repeats


def duplicate_window() -> timedelta:
    return timedelta(seconds=current_app.config["SCAN_DUPLICATE_WINDOW_SECONDS"])


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
def _statement(entrance: bool, by_device: bool, with_repeat: bool, readmitting: bool) -> Select:
    """One query for the three look-ups, as (scan, kind) rows; one statement per shape."""
    newest_first = (Scan.scanned_at.desc(), Scan.id.desc())
    parts = [
        ("here", _at_checkpoint(_check_ins_of_holder(), entrance).order_by(*newest_first)),
        ("latest", _check_ins_of_holder().order_by(*newest_first)),
    ]
    if with_repeat:
        # When the scan was seen, by the same clock as ``Scan.seen_at``.
        seen_col = case(
            (Scan.offline & Scan.client_scanned_at.is_not(None), Scan.client_scanned_at),
            else_=Scan.scanned_at,
        )
        seen_type = Scan.scanned_at.type
        repeat = select(Scan.id).where(
            Scan.badge_id == bindparam("badge_id"),
            Scan.badge_version == bindparam("version"),
            Scan.repeat_of_id.is_(None),
            Scan.manual.is_(False),
            seen_col >= bindparam("window_start", type_=seen_type),
            seen_col <= bindparam("window_end", type_=seen_type),
        )
        if readmitting:
            # "Let in again" right after the amber answer repeats only an admission.
            repeat = repeat.where(Scan.result == ACCEPTED)
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


def history_of(
    registration: Registration,
    checkpoint: Checkpoint,
    *,
    repeat_of: tuple[Badge, int, Any, datetime] | None = None,
    readmitting: bool = False,
) -> History:
    """The holder's check-ins here and anywhere, and (for a scan) the scan it would repeat.

    ``repeat_of`` is (badge, version scanned, scanner, when seen).
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
    statement = _statement(checkpoint.session is None, by_device, with_repeat, readmitting)
    found = History()
    for scan, kind in db.session.execute(statement, params):
        setattr(found, kind, scan)
    return found
