"""Events and the people who run them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.db_types import UTCDateTime, utcnow
from conference.extensions import db

if TYPE_CHECKING:
    from conference.accounts.models import User


class EventKind(StrEnum):
    FLAGSHIP = "flagship"
    THEMATIC = "thematic"

    @property
    def label(self) -> str:
        return {
            EventKind.FLAGSHIP: _l("Flagship conference"),
            EventKind.THEMATIC: _l("CERIS thematic event"),
        }[self]


class RegistrationMode(StrEnum):
    AUTOMATIC = "automatic"
    MODERATED = "moderated"


class StaffRole(StrEnum):
    ORGANISER = "organiser"
    DOOR_STAFF = "door_staff"

    @property
    def label(self) -> str:
        return {StaffRole.ORGANISER: _l("Organiser"), StaffRole.DOOR_STAFF: _l("Door staff")}[self]


# Months personal data is kept after an event ends, unless the event says otherwise.
DEFAULT_RETENTION_MONTHS = 12


class EventSeries(db.Model):
    """A run of editions: the biennial flagship conference, the yearly thematic events."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<EventSeries {self.slug}>"


class Event(db.Model):
    """A flagship conference or a thematic event, with its own timezone and agenda."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=EventKind.THEMATIC.value)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_mode: Mapped[str] = mapped_column(
        String(20), default=RegistrationMode.MODERATED.value
    )
    capacity: Mapped[int | None] = mapped_column(Integer)
    # Approved registrations, kept by the registration services with conditional
    # UPDATEs so that concurrent approvals can never exceed ``capacity``.
    approved_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    privacy_notice_url: Mapped[str] = mapped_column(String(500), default="")
    privacy_notice_version: Mapped[str] = mapped_column(String(40), default="1")
    # Whether the entrance lets in again someone already in today; None: the default
    # (yes for events of several days, no for a one-day event).
    entrance_readmits: Mapped[bool | None] = mapped_column(Boolean)
    # The organisers accept the identity provider's second factor (its `amr`, see
    # accounts/oidc.py) for this event's staff roles, as well as the account's own TOTP.
    trusts_provider_second_factor: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # The language of the event's own texts, and of its pages for a visitor who chose none.
    default_language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    # The title and description in the other languages: {"fr": {"title": ..., "description": ...}}.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on every change to the agenda, so caches of feeds and pages keyed
    # on it are never stale.
    agenda_version: Mapped[int] = mapped_column(Integer, default=1)
    agenda_updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_series.id", ondelete="SET NULL"), index=True
    )
    # The edition this one was cloned from (events.cloning), for the summary page.
    cloned_from_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    # Personal data of registrants is erased this many months after the last day
    # (registration.retention); organisers are warned before, once.
    retention_months: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_RETENTION_MONTHS, server_default=str(DEFAULT_RETENTION_MONTHS)
    )
    retention_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    series: Mapped[EventSeries | None] = relationship()
    cloned_from: Mapped[Event | None] = relationship(remote_side=[id])
    staff: Mapped[list[EventStaff]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def admits_reentry(self) -> bool:
        if self.entrance_readmits is not None:
            return self.entrance_readmits
        return self.end_date > self.start_date

    @property
    def kind_label(self) -> str:
        return EventKind(self.kind).label

    @property
    def days(self) -> list[date]:
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + timedelta(days=i) for i in range(count)]

    @property
    def is_past(self) -> bool:
        """Finished: the last day is over in the event's own timezone."""
        return utcnow().astimezone(self.tz).date() > self.end_date

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class EventStaff(db.Model):
    """A per-event role: organiser or door staff."""

    __tablename__ = "event_staff"
    __table_args__ = (UniqueConstraint("event_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship(back_populates="staff")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
