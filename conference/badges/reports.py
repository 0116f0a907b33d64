"""The organisers' view of check-in: counts per checkpoint, who is in, the scan log."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from conference.badges.answers import message_for
from conference.badges.checkpoints import Checkpoint, actor_label, checkpoint_label
from conference.badges.checkpoints import list_checkpoints as _checkpoints
from conference.badges.models import Scan, ScanEntry, ScanResult
from conference.categories import category_label
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Registration

ACCEPTED = ScanResult.ACCEPTED.value
REFUSED = ScanResult.REFUSED.value


def checkpoint_counts(event: Event, actor: Any) -> list[dict[str, Any]]:
    """Per checkpoint: people checked in, refusals, and the capacity where there is one."""
    people = dict(
        db.session.execute(
            select(Scan.session_id, func.count(func.distinct(Scan.registration_id)))
            .where(Scan.event_id == event.id, Scan.result == ACCEPTED, Scan.repeat_of_id.is_(None))
            .group_by(Scan.session_id)
        ).all()
    )
    refusals = dict(
        db.session.execute(
            select(Scan.session_id, func.count())
            .where(Scan.event_id == event.id, Scan.result == REFUSED, Scan.repeat_of_id.is_(None))
            .group_by(Scan.session_id)
        ).all()
    )
    rows = []
    for checkpoint in _checkpoints(event):
        key = checkpoint.session_id
        rows.append(
            {
                "checkpoint": checkpoint.key,
                "label": checkpoint_label(checkpoint, actor),
                "checked_in": people.get(key, 0),
                "refused": refusals.get(key, 0),
                "capacity": checkpoint.session.effective_capacity if checkpoint.session else None,
            }
        )
    return rows


def checked_in_at_entrance(event: Event, registration_ids: list[int]) -> set[int]:
    """Which of these registrations have been checked in at the event's entrance (delegations)."""
    if not registration_ids:
        return set()
    return set(
        db.session.scalars(
            select(Scan.registration_id).where(
                Scan.event_id == event.id,
                Scan.session_id.is_(None),
                Scan.result == ACCEPTED,
                Scan.registration_id.in_(registration_ids),
            )
        )
    )


def who_is_in(event: Event) -> list[dict[str, Any]]:
    """Everyone checked in at the entrance, with their first and latest entry."""
    rows = db.session.execute(
        select(Registration, func.min(Scan.scanned_at), func.max(Scan.scanned_at))
        .join(Scan, Scan.registration_id == Registration.id)
        .options(joinedload(Registration.user))
        .where(
            Scan.event_id == event.id,
            Scan.session_id.is_(None),
            Scan.result == ACCEPTED,
            Scan.repeat_of_id.is_(None),
        )
        .group_by(Registration.id)
    ).all()
    people = [
        {
            "registration": registration,
            "name": registration.user.name,
            "organisation": registration.organisation or registration.user.organisation,
            "category_label": category_label(registration.category),
            "first": first,
            "last": last,
        }
        for registration, first, last in rows
    ]
    return sorted(people, key=lambda row: row["name"].casefold())


def scan_log(event: Event, *, refused_only: bool = False, limit: int | None = 200) -> list[Scan]:
    """The latest scans first, with everything the log shows."""
    query = (
        select(Scan)
        .options(
            joinedload(Scan.registration).joinedload(Registration.user),
            joinedload(Scan.session),
            joinedload(Scan.actor_user),
            joinedload(Scan.device),
            joinedload(Scan.badge),
            joinedload(Scan.previous),
        )
        .where(Scan.event_id == event.id)
        .order_by(Scan.scanned_at.desc(), Scan.id.desc())
    )
    if refused_only:
        query = query.where(Scan.result == REFUSED)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


RESULT_LABELS = {ACCEPTED: _l("Accepted"), REFUSED: _l("Refused"), "already_in": _l("Already in")}
KIND_LABELS = {
    "number": _l("typed badge number"),
    "name": _l("found by name"),
    "repeat": _l("same scan again"),
    "offline": _l("offline, sent later"),
    "online": _l("online"),
}


def scan_kind(scan: Scan) -> str:
    """How the scan reached the server, for the log: a scan online, offline, or by hand."""
    if scan.entry != ScanEntry.CODE.value:
        return scan.entry
    if scan.repeat_of_id:
        return "repeat"
    return "offline" if scan.offline else "online"


def scan_log_rows(event: Event, scans: list[Scan], actor: Any) -> list[dict[str, str]]:
    """The log as plain rows (page and CSV share them)."""
    tz = event.tz
    rows = []
    for scan in scans:
        registration = scan.registration
        rows.append(
            {
                "time": scan.scanned_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                "seen_at": scan.seen_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                # The scanner's clock, as information (it may be wrong).
                "device_time": scan.client_scanned_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
                if scan.client_scanned_at is not None
                else "",
                "checkpoint": checkpoint_label(Checkpoint(event, scan.session), actor),
                "result": scan.result,
                "result_label": str(RESULT_LABELS.get(scan.result, scan.result)),
                "reason": scan.reason,
                "message": message_for(scan),
                "name": registration.user.name if registration is not None else "",
                "organisation": registration.organisation if registration is not None else "",
                "badge": scan.badge.public_id if scan.badge is not None else "",
                "by": actor_label(scan.actor_user, scan.device),
                "kind": scan_kind(scan),
                "kind_label": str(KIND_LABELS[scan_kind(scan)]),
            }
        )
    return rows
