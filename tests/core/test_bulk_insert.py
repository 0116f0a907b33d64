"""``insert_rows``: the importer's bulk path (COPY on PostgreSQL, one executemany of plain
tuples on SQLite) stores what an ordinary insert stores, defaults included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from conference.agenda.models import AgendaSession
from conference.bulk_insert import SMALL, insert_rows
from conference.extensions import db
from tests.factories import make_event, make_room

pytestmark = pytest.mark.usefixtures("app")

_COLUMNS = ("external_id", "title", "starts_at", "ends_at", "restricted_to", "capacity")


def _rows(event, room, count: int, prefix: str) -> list[dict]:
    # One instant in another zone: stored as the same UTC instant either way.
    start = datetime(2030, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    return [
        {
            "event_id": event.id,
            "room_id": room.id,
            "external_id": f"{prefix}{i}",
            "title": f"Session {i} – Ünïcode",
            "starts_at": start + timedelta(minutes=i),
            "ends_at": start + timedelta(minutes=i + 30),
            "restricted_to": ["academia"] if i % 2 else [],
            "capacity": None if i % 3 else i + 1,
        }
        for i in range(count)
    ]


def _stored(prefix: str) -> list[tuple]:
    sessions = db.session.scalars(
        select(AgendaSession)
        .where(AgendaSession.external_id.like(f"{prefix}%"))
        .order_by(AgendaSession.id)
    ).all()
    return [
        (
            s.external_id.removeprefix(prefix),
            *(getattr(s, name) for name in _COLUMNS[1:]),
            s.abstract,
            s.kind,
            s.status,
            s.revision,
            s.confirmed_count,
            s.translations,
            s.chatham_house,
            s.created_at is not None,
            len(s.uid) > 10,
        )
        for s in sessions
    ]


@pytest.mark.parametrize("count", [SMALL - 1, SMALL + 50])
def test_insert_rows_stores_what_an_ordinary_insert_stores(count):
    event = make_event()
    room = make_room(event)
    db.session.commit()

    db.session.execute(insert(AgendaSession.__table__), _rows(event, room, count, "core-"))
    insert_rows(
        db.session.connection(), AgendaSession.__table__, _rows(event, room, count, "bulk-")
    )
    db.session.commit()

    bulk, core = _stored("bulk-"), _stored("core-")
    assert len(bulk) == count
    assert bulk == core
    first = db.session.scalar(select(AgendaSession).where(AgendaSession.external_id == "bulk-0"))
    assert first.starts_at == datetime(2030, 5, 1, 7, 0, tzinfo=UTC)
    # Callable defaults are called for each row: every session has its own calendar UID.
    uids = db.session.scalars(select(AgendaSession.uid)).all()
    assert len(set(uids)) == 2 * count


def test_insert_rows_of_nothing_writes_nothing():
    insert_rows(db.session.connection(), AgendaSession.__table__, [])

    assert db.session.scalars(select(AgendaSession)).all() == []
