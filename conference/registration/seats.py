"""Row locks and seat counters: what keeps concurrent bookings from overfilling anything.

Every change of a registration or a booking takes its locks in one order, so
two transactions never wait for each other in a circle:

    event  ->  own registration(s) (ascending id)  ->  sessions (ascending id)

and only then touches bookings and other people's registrations. A lock is a
no-op UPDATE of the row: on PostgreSQL it holds the row lock until commit (and
a later statement, under READ COMMITTED, sees everything committed before);
on SQLite the first write of a transaction takes the database's write lock, so
the rest of the transaction runs alone and never hits SQLITE_BUSY_SNAPSHOT.

Seats themselves are claimed with conditional UPDATEs of a counter
(``... SET confirmed_count = confirmed_count + 1 WHERE confirmed_count < capacity``)
whose row count says whether a seat was free: never check-then-insert.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_, select, update

from conference.agenda.models import AgendaSession, Room
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import DelegationSessionQuota, Registration

# A column each lockable table can set to itself.
_LOCK_COLUMN = {
    Event: "approved_count",
    Registration: "status",
    AgendaSession: "confirmed_count",
}


def lock_ids(model: type, ids: Iterable[int]) -> None:
    """Hold the write locks of these rows until commit, taken in ascending id order."""
    table = model.__table__
    column = table.c[_LOCK_COLUMN[model]]
    for row_id in sorted(set(ids)):
        db.session.execute(update(table).where(table.c.id == row_id).values({column: column}))


def lock(obj: Any) -> Any:
    """Lock ``obj``'s row until commit and reload it as it is now."""
    lock_ids(type(obj), [obj.id])
    db.session.refresh(obj)
    return obj


def try_lock(obj: Any) -> bool:
    """Lock ``obj``'s row unless another transaction holds it; never waits.

    For the one step that goes against the lock order: a promotion holds a session's lock
    and must hold the waiting person's registration to confirm a seat without a clash.
    PostgreSQL skips a row someone else holds (``FOR UPDATE SKIP LOCKED``), so two
    transactions never wait for each other in a circle; on SQLite the caller's earlier
    write already holds the database's write lock, so nobody else holds any row.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    table = type(obj).__table__
    got = db.session.scalar(
        select(table.c.id).where(table.c.id == obj.id).with_for_update(skip_locked=True)
    )
    return got is not None


def fresh(statement):
    """A select whose ORM results overwrite stale copies already in the session."""
    return statement.execution_options(populate_existing=True)


def _session_capacity():
    """``agenda.rules.effective_capacity`` in SQL, for the conditional seat updates."""
    sessions = AgendaSession.__table__
    rooms = Room.__table__
    room_capacity = (
        select(rooms.c.capacity).where(rooms.c.id == sessions.c.room_id).scalar_subquery()
    )
    return func.coalesce(sessions.c.capacity, room_capacity)


def claim_session_seat(session: AgendaSession) -> bool:
    """Take one seat if one is free; False when the session is full."""
    table = AgendaSession.__table__
    capacity = _session_capacity()
    result = db.session.execute(
        update(table)
        .where(
            table.c.id == session.id, or_(capacity.is_(None), table.c.confirmed_count < capacity)
        )
        .values(confirmed_count=table.c.confirmed_count + 1)
    )
    db.session.expire(session, ["confirmed_count"])
    return result.rowcount == 1


def release_session_seat(session: AgendaSession) -> None:
    """Give one seat back."""
    table = AgendaSession.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == session.id, table.c.confirmed_count > 0)
        .values(confirmed_count=table.c.confirmed_count - 1)
    )
    db.session.expire(session, ["confirmed_count"])


def claim_delegation_place(registration: Registration, session: AgendaSession) -> int | None:
    """Count a booking against the session quota of the registration's delegation, if any.

    Returns the quota's id (None when there is no quota to count against); raises
    ``DelegationQuotaFull`` when every place of it is taken. One conditional UPDATE.
    """
    delegation_id = registration.delegation_id if registration.is_approved else None
    if delegation_id is None:
        return None
    table = DelegationSessionQuota.__table__
    mine = (table.c.delegation_id == delegation_id, table.c.session_id == session.id)
    claimed = db.session.execute(
        update(table)
        .where(*mine, table.c.booked_count < table.c.quota)
        .values(booked_count=table.c.booked_count + 1)
        .returning(table.c.id)
    ).scalar()
    if claimed is not None:
        return claimed
    quota = db.session.scalar(select(table.c.quota).where(*mine))
    if quota is None:
        return None
    raise DelegationQuotaFull(quota)


def release_delegation_place(quota_id: int | None) -> None:
    """Give a cancelled booking's place back to the quota it counted against."""
    if quota_id is None:
        return
    table = DelegationSessionQuota.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == quota_id, table.c.booked_count > 0)
        .values(booked_count=table.c.booked_count - 1)
    )


class DelegationQuotaFull(Exception):
    """Every place of a delegation's quota in a session is taken (``quota`` of them)."""

    def __init__(self, quota: int):
        super().__init__(quota)
        self.quota = quota


def claim_event_place(event: Event) -> bool:
    """Take one place among the event's approved registrations; False when it is full."""
    table = Event.__table__
    result = db.session.execute(
        update(table)
        .where(
            table.c.id == event.id,
            or_(table.c.capacity.is_(None), table.c.approved_count < table.c.capacity),
        )
        .values(approved_count=table.c.approved_count + 1)
    )
    db.session.expire(event, ["approved_count"])
    return result.rowcount == 1


def release_event_place(event: Event) -> None:
    """Give one place back."""
    table = Event.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == event.id, table.c.approved_count > 0)
        .values(approved_count=table.c.approved_count - 1)
    )
    db.session.expire(event, ["approved_count"])


def session_capacity(session: AgendaSession) -> int | None:
    """Seats in the session: its own limit, else its room's, else none."""
    return session.effective_capacity
