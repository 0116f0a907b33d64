"""Secret tokens that let calendar apps (which cannot log in) read private feeds."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from conference.db_types import UTCDateTime, utcnow
from conference.extensions import db


class FeedKind(StrEnum):
    # Every session the person booked, across events.
    PERSONAL = "personal"
    # Everything of one event, hidden sessions included, for its organisers.
    STAFF = "staff"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarToken(db.Model):
    __tablename__ = "calendar_tokens"
    __table_args__ = (UniqueConstraint("user_id", "kind", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_feed_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
