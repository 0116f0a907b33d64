"""Registrations of people for events, with their claimed and verified category."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.db_types import UTCDateTime, utcnow
from conference.extensions import db

if TYPE_CHECKING:
    from conference.accounts.models import User
    from conference.agenda.models import AgendaSession
    from conference.events.models import Event


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


INACTIVE_STATUSES = frozenset(
    {RegistrationStatus.REJECTED.value, RegistrationStatus.CANCELLED.value}
)


def N_(text: str) -> str:
    """Mark ``text`` for the catalogues without translating it (it is translated where shown)."""
    return text


# In English (merge values and other plain-text uses); registration_status_label translates.
REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.PENDING.value: N_("Pending approval"),
    RegistrationStatus.APPROVED.value: N_("Approved"),
    RegistrationStatus.REJECTED.value: N_("Rejected"),
    RegistrationStatus.WAITLISTED.value: N_("On the waiting list (event full)"),
    RegistrationStatus.CANCELLED.value: N_("Cancelled"),
}


def registration_status_label(status: str) -> str:
    """A registration state in words, in the current language."""
    label = REGISTRATION_STATUS_LABELS.get(status)
    return gettext(label) if label else status


def registration_status_choices() -> list[tuple[str, LazyString]]:
    """(state, label) pairs for select fields, translated when shown."""
    return [(status, lazy_gettext(label)) for status, label in REGISTRATION_STATUS_LABELS.items()]


class Registration(db.Model):
    """One person's registration for one event."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_registrations_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default=RegistrationStatus.PENDING.value)
    category: Mapped[str] = mapped_column(String(40))
    category_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    category_verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # Set when an organiser declines the claimed category, with the reason shown to the attendee.
    category_refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    category_refusal_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What the verification rests on ("nominated by Belgium, NCP Ann Peeters, on 2027-03-01",
    # "checked by organiser ..."), and when it stops counting (None: for the whole event).
    category_verification_basis: Mapped[str] = mapped_column(Text, default="", server_default="")
    category_verification_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The delegation whose accepted nominee this is (issue 17), kept by the delegation services
    # with the nomination: invitation-only sessions admit by it without a query.
    delegation_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegations.id", ondelete="SET NULL"), index=True
    )
    organisation: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    accessibility_needs: Mapped[str] = mapped_column(Text, default="", server_default="")
    dietary_needs: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The version of the event's privacy notice the attendee agreed to, and when.
    privacy_consent_version: Mapped[str | None] = mapped_column(String(40))
    privacy_consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Opt-in to the CERIS mailing list: separate from the registration, never assumed.
    mailing_list_opt_in: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Shown to the attendee when an organiser rejects the registration.
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Order in the event's waiting list (event full): lower goes first.
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    category_verified_by: Mapped[User | None] = relationship(foreign_keys=[category_verified_by_id])
    bookings: Mapped[list[Booking]] = relationship(
        back_populates="registration", order_by="Booking.id", passive_deletes=True
    )

    @property
    def category_verified(self) -> bool:
        """Verified, and the verification has not expired."""
        if self.category_verified_at is None:
            return False
        expires = self.category_verification_expires_at
        return expires is None or expires > utcnow()

    @classmethod
    def category_verified_clause(cls, now: datetime | None = None) -> ColumnElement[bool]:
        """``category_verified`` in SQL: verified, and the verification has not expired."""
        now = now or utcnow()
        return and_(
            cls.category_verified_at.is_not(None),
            or_(
                cls.category_verification_expires_at.is_(None),
                cls.category_verification_expires_at > now,
            ),
        )

    @property
    def category_verification_expired(self) -> bool:
        """Verified once, but the verification's expiry has passed."""
        expires = self.category_verification_expires_at
        return self.category_verified_at is not None and expires is not None and expires <= utcnow()

    @property
    def category_refused(self) -> bool:
        return self.category_refused_at is not None and not self.category_verified

    @property
    def category_claim_state(self) -> str:
        """The claim as the attendee sees it: "verified", "refused" or "claimed" (waiting)."""
        if self.category_verified:
            return "verified"
        return "refused" if self.category_refused else "claimed"

    @property
    def is_approved(self) -> bool:
        return self.status == RegistrationStatus.APPROVED.value

    @property
    def is_active(self) -> bool:
        """Still in play: not rejected and not cancelled."""
        return self.status not in INACTIVE_STATUSES


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    # A seat held for a waiting person whose bookings overlap the session: theirs if they
    # accept before ``offer_expires_at``, else the next in line's (``offer_replies``).
    OFFERED = "offered"
    CANCELLED = "cancelled"


# Statuses that hold a seat, i.e. that ``sessions.confirmed_count`` counts.
SEAT_HOLDING_STATUSES = frozenset({BookingStatus.CONFIRMED.value, BookingStatus.OFFERED.value})


# Search terms compare code point by code point: prefix ranges must not meet a locale's rules.
SEARCH_TERM_TYPE = String(64).with_variant(String(64, collation="C"), "postgresql")


class RegistrationSearchTerm(db.Model):
    """One folded word of a registrant's name or organisation (``registration.search``)."""

    __tablename__ = "registration_search_terms"
    # The holder's name and the registration id in the index: a search reads the index alone
    # and keeps the first matches in name order before any other table is read.
    __table_args__ = (
        Index(
            "ix_registration_search_terms_event_term",
            "event_id",
            "term",
            "sort_name",
            "registration_id",
        ),
    )

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(SEARCH_TERM_TYPE, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # A copy of the holder's ``User.name`` (same type, same collation), rewritten with the
    # terms whenever the name changes: search results are listed by name.
    sort_name: Mapped[str] = mapped_column(String(200), server_default="")


class Booking(db.Model):
    """A registrant's seat (or place in the waiting list) in one session."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("registration_id", "session_id"),
        Index("ix_bookings_session_status", "session_id", "status"),
        Index("ix_bookings_status_offer_expires_at", "status", "offer_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default=BookingStatus.CONFIRMED.value)
    # Order in the waiting list: lower goes first.
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    # An open seat offer: until when it holds, and the secret its one-click link is signed
    # over (cleared when the offer is answered or expires, which spends the link).
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offer_nonce: Mapped[str | None] = mapped_column(String(32))
    # The delegation's session quota this booking counts against (issue 17): its seat goes
    # back to that quota when the booking is cancelled, whatever the registration is by then.
    delegation_quota_id: Mapped[int | None] = mapped_column(
        ForeignKey("delegation_session_quotas.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="bookings")
    session: Mapped[AgendaSession] = relationship()

    @property
    def is_confirmed(self) -> bool:
        return self.status == BookingStatus.CONFIRMED.value

    @property
    def is_waitlisted(self) -> bool:
        return self.status == BookingStatus.WAITLISTED.value

    @property
    def is_offered(self) -> bool:
        return self.status == BookingStatus.OFFERED.value


class AuditEntry(db.Model):
    """One recorded change to a registration or a booking: what, from, to, who, when.

    Rows outlive the people they mention: a deleted account is anonymised, not
    removed, so ``registration`` and ``actor`` still resolve (to "Deleted user").
    """

    __tablename__ = "registration_audit"
    __table_args__ = (Index("ix_registration_audit_event_at", "event_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    # None: the system (an import, an automatic approval or promotion).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    detail: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped[Registration | None] = relationship()
    session: Mapped[AgendaSession | None] = relationship()
    actor: Mapped[User | None] = relationship()


class DelegationSessionQuota(db.Model):
    """At most ``quota`` places in one session for one delegation's accepted nominees.

    ``booked_count`` counts their active bookings (seats, offers and waiting-list places, so
    that a promotion never needs a quota seat) and is kept by the booking services with
    conditional UPDATEs (``... WHERE booked_count < quota``), like a session's seats. The
    delegation services set ``quota`` (``... WHERE booked_count <= :quota``).
    """

    __tablename__ = "delegation_session_quotas"
    __table_args__ = (UniqueConstraint("delegation_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    quota: Mapped[int] = mapped_column(Integer)
    booked_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    session: Mapped[AgendaSession] = relationship()

    @property
    def seats_left(self) -> int:
        return max(0, self.quota - self.booked_count)
