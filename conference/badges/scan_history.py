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
from sqlalchemy.orm import joinedload

from conference.badges.checkpoints import Checkpoint, is_device
from conference.badges.models import Badge, EventSigningKey, Scan, ScanResult
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


def _check_ins_of_holder(holder: Any) -> Select:
    return select(Scan.id).where(
        Scan.registration_id == holder,
        Scan.result == ACCEPTED,
        Scan.repeat_of_id.is_(None),
    )


def _at_checkpoint(query: Select, entrance: bool) -> Select:
    if entrance:
        return query.where(Scan.session_id.is_(None))
    return query.where(Scan.session_id == bindparam("session_id"))


def _parts(
    holder: Any, entrance: bool, by_device: bool, with_repeat: bool, readmitting: bool
) -> list[tuple[str, Select]]:
    """The three look-ups as (kind, ordered query of scan ids) for the holder ``holder``."""
    newest_first = (Scan.scanned_at.desc(), Scan.id.desc())
    parts = [
        ("here", _at_checkpoint(_check_ins_of_holder(holder), entrance).order_by(*newest_first)),
        ("latest", _check_ins_of_holder(holder).order_by(*newest_first)),
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
    return parts


@cache
def _statement(entrance: bool, by_device: bool, with_repeat: bool, readmitting: bool) -> Select:
    """One query for the three look-ups, as (scan, kind) rows; one statement per shape."""
    parts = _parts(bindparam("registration_id"), entrance, by_device, with_repeat, readmitting)
    # Each part keeps its own ORDER BY … LIMIT 1 inside a subquery (SQLite requires it).
    found = union_all(
        *(
            select(literal(kind).label("kind"), sub.c.id).select_from(sub)
            for kind, query in parts
            for sub in [query.limit(1).subquery()]
        )
    ).subquery()
    return select(Scan, found.c.kind).join(found, Scan.id == found.c.id)


def select_badge(*columns: Any) -> Select:
    """The badge ``badge_id`` (registration and holder loaded, fresh), the status of the key a
    code names (``key_id``), then ``columns``."""
    key_status = (
        select(EventSigningKey.status)
        .where(
            EventSigningKey.event_id == Badge.event_id,
            EventSigningKey.key_id == bindparam("key_id"),
        )
        .scalar_subquery()
    )
    return (
        select(Badge, key_status, *columns)
        .where(Badge.id == bindparam("badge_id"))
        .options(joinedload(Badge.registration).joinedload(Registration.user))
        .execution_options(populate_existing=True)
    )


@cache
def _with_badge_statement(
    entrance: bool, by_device: bool, with_repeat: bool, readmitting: bool
) -> Select:
    """The badge (with its registration, holder and the status of the key a code names) and
    the ids of the three look-ups, in one row: one round trip fewer than reading them apart.

    Ids, not scans: loading three (mostly absent) scans as entities in the same row costs
    the ORM more than the statement itself; a first check-in has none to load.
    Built on first use: ORM options need every model mapped.
    """
    parts = _parts(Badge.registration_id, entrance, by_device, with_repeat, readmitting)
    newest = (
        query.limit(1).correlate(Badge).scalar_subquery().label(f"{kind}_id")
        for kind, query in parts
    )
    return select_badge(*newest)


def _shape_and_params(
    registration_id: int | None,
    checkpoint: Checkpoint,
    repeat_of: tuple[Badge, int, Any, datetime] | None,
    readmitting: bool,
) -> tuple[tuple[bool, bool, bool, bool], dict[str, Any]]:
    params: dict[str, Any] = {
        "registration_id": registration_id,
        "session_id": checkpoint.session_id,
    }
    window = duplicate_window()
    with_repeat = repeat_of is not None and window > timedelta(0)
    by_device = False
    if with_repeat:
        badge_id, version, actor, seen = repeat_of
        by_device = is_device(actor)
        params |= {
            "badge_id": badge_id,
            "version": version,
            "actor_id": actor.id,
            "window_start": seen - window,
            "window_end": seen + window,
        }
    return (checkpoint.session is None, by_device, with_repeat, readmitting), params


def badge_with_history(
    badge_id: int,
    key_id: str,
    checkpoint: Checkpoint,
    *,
    version: int,
    actor: Any,
    seen: datetime,
    readmitting: bool = False,
) -> tuple[Badge, str | None, History]:
    """The badge with its holder, the status of key ``key_id``, and the holder's ``History``
    for this scan (``history_of`` with ``repeat_of``), from one statement."""
    shape, params = _shape_and_params(
        None, checkpoint, (badge_id, version, actor, seen), readmitting
    )
    params |= {"badge_id": badge_id, "key_id": key_id}
    badge, key_status, *ids = db.session.execute(_with_badge_statement(*shape), params).one()
    history = History()
    wanted = {scan_id for scan_id in ids if scan_id is not None}
    if wanted:  # a repeat, or a holder already in: one more statement
        scans = {s.id: s for s in db.session.scalars(select(Scan).where(Scan.id.in_(wanted)))}
        for kind, scan_id in zip(("here", "latest", "repeated"), ids, strict=False):
            setattr(history, kind, scans.get(scan_id))
    return badge, key_status, history


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
    if repeat_of is not None:
        badge, version, actor, seen = repeat_of
        repeat_of = (badge.id, version, actor, seen)
    shape, params = _shape_and_params(registration.id, checkpoint, repeat_of, readmitting)
    statement = _statement(*shape)
    found = History()
    for scan, kind in db.session.execute(statement, params):
        setattr(found, kind, scan)
    return found
