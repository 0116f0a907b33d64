"""Change sets: the session changes of one event not yet announced, claimed by one sender.

Organisers' saves add ``SessionChange`` rows (conference/agenda/changelog.py). An event's
rows are due once nothing changed for CHANGE_NOTICE_DELAY_MINUTES (an organiser moving
ten sessions one after the other makes one change set), or once the oldest waited
CHANGE_NOTICE_MAX_WAIT_MINUTES. A sender claims them with a conditional UPDATE (behind
``FOR UPDATE SKIP LOCKED`` on PostgreSQL) in the transaction that queues the mail, so
two senders never announce the same rows and a sender that fails announces nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from conference.agenda.models import AgendaSession, SessionChange
from conference.extensions import db


@dataclass(frozen=True)
class ClaimedSet:
    """One event's claimed change set: each changed session with its oldest record."""

    event_id: int
    key: str
    # session id -> how it was before the set's first change.
    was: dict[int, SessionChange]
    sessions: list[AgendaSession]


def due_event_ids(now: datetime, *, delay: timedelta, max_wait: timedelta) -> list[int]:
    """Events with unannounced changes that are quiet for ``delay`` or waited ``max_wait``."""
    pending = SessionChange.announced_at.is_(None)
    rows = db.session.execute(
        select(SessionChange.event_id)
        .where(pending)
        .group_by(SessionChange.event_id)
        .having(
            or_(
                func.max(SessionChange.changed_at) <= now - delay,
                func.min(SessionChange.changed_at) <= now - max_wait,
            )
        )
        .order_by(SessionChange.event_id)
    )
    return [event_id for (event_id,) in rows]


def claim_change_set(event_id: int, now: datetime) -> ClaimedSet | None:
    """Claim the event's unannounced changes made up to ``now``; None if another sender has.

    Does not commit: the caller queues the mail and commits both at once.
    """
    key = uuid.uuid4().hex
    conditions = [
        SessionChange.event_id == event_id,
        SessionChange.announced_at.is_(None),
        SessionChange.changed_at <= now,
    ]
    candidates = select(SessionChange.id).where(*conditions)
    if db.session.get_bind().dialect.name == "postgresql":
        # Pass rows another sender is claiming instead of waiting for its transaction.
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(candidates))
    if not ids:
        return None
    # The conditions again: on SQLite a concurrent sender may have claimed them since.
    claimed = db.session.execute(
        update(SessionChange)
        .where(SessionChange.id.in_(ids), *conditions)
        .values(announced_key=key, announced_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 0:
        return None
    rows = db.session.scalars(
        select(SessionChange)
        .where(SessionChange.announced_key == key)
        .order_by(SessionChange.session_id, SessionChange.id)
    )
    was: dict[int, SessionChange] = {}
    for row in rows:
        was.setdefault(row.session_id, row)
    sessions = list(
        db.session.scalars(
            select(AgendaSession)
            .where(AgendaSession.id.in_(list(was)))
            .options(joinedload(AgendaSession.room), joinedload(AgendaSession.event))
            .order_by(AgendaSession.starts_at, AgendaSession.id)
        )
    )
    return ClaimedSet(event_id, key, was, sessions)


@dataclass(frozen=True)
class PendingNotices:
    """An event's changes not yet announced, as its organisers' changelog sums them up."""

    sessions: int
    # When the round will announce them, if nothing else changes meanwhile.
    due_at: datetime


def pending_notices(
    event_id: int, *, delay: timedelta, max_wait: timedelta
) -> PendingNotices | None:
    """How many sessions wait for their notice and when it goes out; None if none wait."""
    sessions, first, last = db.session.execute(
        select(
            func.count(func.distinct(SessionChange.session_id)),
            func.min(SessionChange.changed_at),
            func.max(SessionChange.changed_at),
        ).where(SessionChange.event_id == event_id, SessionChange.announced_at.is_(None))
    ).one()
    if not sessions:
        return None
    return PendingNotices(sessions, min(last + delay, first + max_wait))
