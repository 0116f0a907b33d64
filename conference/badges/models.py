"""Badges, the event keys that sign them, scanning devices and the scan log."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.db_types import UTCDateTime, utcnow
from conference.extensions import db

if TYPE_CHECKING:
    from conference.accounts.models import User
    from conference.agenda.models import AgendaSession
    from conference.events.models import Event
    from conference.registration.models import Registration

BADGE_ID_BYTES = 16
KEY_ID_BYTES = 4
NUMBER_LENGTH = 8


def new_badge_public_id() -> str:
    """16 random bytes in base32: unguessable, and never a sequence."""
    return base64.b32encode(secrets.token_bytes(BADGE_ID_BYTES)).decode().rstrip("=")


def new_key_id() -> str:
    return secrets.token_hex(KEY_ID_BYTES)


class KeyStatus(StrEnum):
    # Signs new badges; exactly one per event.
    ACTIVE = "active"
    # Signs nothing new, but badges it signed still verify.
    RETIRED = "retired"
    # Badges it signed are refused.
    REVOKED = "revoked"


class EventSigningKey(db.Model):
    """An Ed25519 key pair of one event.

    The public key is stored in clear (it is published to scanners). The private
    key is stored encrypted with AES-GCM under a key derived from the
    application secret (see ``badges.signing``): a database dump alone cannot
    forge badges.
    """

    __tablename__ = "badge_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str] = mapped_column(String(2 * KEY_ID_BYTES), unique=True, default=new_key_id)
    public_key: Mapped[str] = mapped_column(String(64))  # raw 32 bytes, base64url
    encrypted_private_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=KeyStatus.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()


class Badge(db.Model):
    """The badge of one registration; reissuing bumps ``version`` and voids older QR codes."""

    __tablename__ = "badges"
    __table_args__ = (Index("ix_badges_event_number", "event_id", "number_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_badge_public_id)
    # The number printed on the badge (the first characters of ``public_id``), as door staff
    # may type it, folded (``badges.numbers.fold``) so that I, L and 1, and O and 0, are one.
    number_key: Mapped[str] = mapped_column(String(NUMBER_LENGTH), default="", server_default="")
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The key that signed the current version, and the signed code itself.
    key_id: Mapped[str] = mapped_column(String(2 * KEY_ID_BYTES))
    token: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reissued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when an organiser voids the badge without issuing a new one.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Touched by every scan: the row lock that serialises scans of one badge.
    last_scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ScanDevice(db.Model):
    """A scanner (phone, tablet, third-party app) holding an API token for one event.

    Only a SHA-256 hash of the token is stored; the token is shown once.
    """

    __tablename__ = "scan_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, to tell devices apart in lists.
    token_hint: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ScanResult(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    # The holder is already in (entrance, re-entry admitted): staff may let them in again.
    ALREADY_IN = "already_in"


class ScanEntry(StrEnum):
    """How the badge was presented."""

    CODE = "code"  # the signed code: camera, badge reader or pasted
    NUMBER = "number"  # the short number printed on the badge, typed by staff
    NAME = "name"  # found by name (forgotten badge)


class Scan(db.Model):
    """One scan at a checkpoint, accepted or refused: the check-in log and its audit trail.

    ``session_id`` NULL means the event entrance. An accepted scan that is not
    a repeat is a check-in.
    """

    __tablename__ = "badge_scans"
    __table_args__ = (
        UniqueConstraint("event_id", "client_scan_id"),
        Index("ix_badge_scans_event_checkpoint", "event_id", "session_id", "result"),
        Index("ix_badge_scans_registration", "registration_id", "session_id"),
        Index("ix_badge_scans_event_time", "event_id", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    badge_id: Mapped[int | None] = mapped_column(
        ForeignKey("badges.id", ondelete="SET NULL"), index=True
    )
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    # The version of the code scanned (an old version after a reissue is refused).
    badge_version: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(30))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    entry: Mapped[str] = mapped_column(
        String(10), default=ScanEntry.CODE.value, server_default=ScanEntry.CODE.value
    )
    # Queued on the scanner while it had no connection, and uploaded later.
    offline: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The scan this one repeats (same badge, door and scanner within a few seconds).
    repeat_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("badge_scans.id", ondelete="SET NULL")
    )
    # The earlier check-in shown with an "already checked in" refusal.
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("badge_scans.id", ondelete="SET NULL")
    )
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("scan_devices.id", ondelete="SET NULL")
    )
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The scanner's clock when it saw the code (information; the rules use it only offline).
    client_scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    client_scan_id: Mapped[str | None] = mapped_column(String(64))

    event: Mapped[Event] = relationship()
    session: Mapped[AgendaSession | None] = relationship()
    badge: Mapped[Badge | None] = relationship()
    registration: Mapped[Registration | None] = relationship()
    actor_user: Mapped[User | None] = relationship()
    device: Mapped[ScanDevice | None] = relationship()
    previous: Mapped[Scan | None] = relationship(remote_side=[id], foreign_keys=[previous_id])

    @property
    def is_accepted(self) -> bool:
        return self.result == ScanResult.ACCEPTED.value

    @property
    def is_check_in(self) -> bool:
        return self.is_accepted and self.repeat_of_id is None

    @property
    def seen_at(self) -> datetime:
        """When the code was seen: the scanner's time for offline scans, else the server's."""
        if self.offline and self.client_scanned_at is not None:
            return self.client_scanned_at
        return self.scanned_at
