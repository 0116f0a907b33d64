"""Delegations: Member States and other bodies nominating their experts within a seat quota."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.categories import StakeholderCategory
from conference.db_types import UTCDateTime, utcnow
from conference.extensions import db

if TYPE_CHECKING:
    from conference.accounts.models import User
    from conference.events.models import Event
    from conference.registration.models import Registration

# The per-session quota of a delegation lives with the bookings it counts
# (``registration.models.DelegationSessionQuota``).


class DelegationKind(StrEnum):
    MEMBER_STATE = "member_state"
    EU_BODY = "eu_body"
    ASSOCIATED_COUNTRY = "associated_country"

    @property
    def label(self) -> str:
        return {
            DelegationKind.MEMBER_STATE: _l("Member State"),
            DelegationKind.EU_BODY: _l("EU institution, body or agency"),
            DelegationKind.ASSOCIATED_COUNTRY: _l("Associated country"),
        }[self]


class NominationState(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Delegation(db.Model):
    """One delegation at one event, with its seat quota.

    ``accepted_count`` is kept by the delegation services with conditional UPDATEs
    (``... WHERE accepted_count < quota``), so concurrent acceptances never exceed ``quota``.
    """

    __tablename__ = "delegations"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24), default=DelegationKind.MEMBER_STATE.value)
    country: Mapped[str] = mapped_column(String(2), default="")
    # The category accepted nominees hold, verified by the nomination.
    category: Mapped[str] = mapped_column(
        String(40), default=StakeholderCategory.MEMBER_STATE_EXPERT.value
    )
    quota: Mapped[int] = mapped_column(Integer, default=0)
    accepted_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    contacts: Mapped[list[DelegationContact]] = relationship(
        back_populates="delegation", cascade="all, delete-orphan", order_by="DelegationContact.id"
    )

    @property
    def kind_label(self) -> str:
        return str(DelegationKind(self.kind).label)

    @property
    def seats_left(self) -> int:
        return max(0, self.quota - self.accepted_count)


class DelegationContact(db.Model):
    """A national contact point (NCP): the role of nominating for one delegation."""

    __tablename__ = "delegation_contacts"
    __table_args__ = (UniqueConstraint("delegation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        ForeignKey("delegations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    delegation: Mapped[Delegation] = relationship(back_populates="contacts")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Nomination(db.Model):
    """An invitation to one expert, locked to their email address; single-use and expiring.

    Only the SHA-256 of the invitation's secret is kept; a resend makes a new secret.
    """

    __tablename__ = "nominations"
    __table_args__ = (Index("ix_nominations_event_email", "event_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    delegation_id: Mapped[int] = mapped_column(
        ForeignKey("delegations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    # Lower-cased; the account that accepts must hold exactly this address, confirmed.
    email: Mapped[str] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(12), default=NominationState.INVITED.value)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )

    delegation: Mapped[Delegation] = relationship()
    event: Mapped[Event] = relationship()
    nominated_by: Mapped[User | None] = relationship(foreign_keys=[nominated_by_id])
    registration: Mapped[Registration | None] = relationship()

    def state_at(self, now: datetime) -> str:
        """The state as of ``now``: an open invitation past its expiry counts as expired."""
        if self.state == NominationState.INVITED.value and self.expires_at <= now:
            return NominationState.EXPIRED.value
        return self.state

    @property
    def current_state(self) -> str:
        return self.state_at(utcnow())
