"""Column types shared by every capability's models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, always handed back timezone-aware in UTC.

    PostgreSQL stores ``timestamptz``; SQLite has no timezone support, so the
    value is stored as naive UTC and made aware again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Ids and counters are 32-bit INTEGER columns on PostgreSQL: a number outside this range can
# match no row and must be refused before it reaches the database (which would raise).
MAX_DB_INT = 2**31 - 1


def is_db_int(value: object) -> bool:
    """A Python int (not a bool) that fits an INTEGER column."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and -MAX_DB_INT - 1 <= value <= MAX_DB_INT
    )


def utcnow() -> datetime:
    """The current instant, timezone-aware."""
    return datetime.now(UTC)
