"""Reads for the delegation pages, each in a constant number of statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload

from conference.agenda.models import AgendaSession
from conference.db_types import utcnow
from conference.delegations.models import Delegation, DelegationContact, Nomination
from conference.delegations.rules import ACCEPTED, EXPIRED, INVITED
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Booking, BookingStatus, Registration


@dataclass
class DelegationRow:
    """A delegation with its numbers: nominations by state (as of now)."""

    delegation: Delegation
    counts: dict[str, int] = field(default_factory=dict)
    accepted_registration_ids: list[int] = field(default_factory=list)

    def count(self, state: str) -> int:
        return self.counts.get(state, 0)


def _state_now(now: datetime):
    """The nomination's state in SQL, an open invitation past its expiry counting as expired."""
    return case(
        (and_(Nomination.state == INVITED, Nomination.expires_at <= now), EXPIRED),
        else_=Nomination.state,
    )


def list_delegations(event: Event, *, only: list[int] | None = None) -> list[DelegationRow]:
    """The event's delegations (or only these ids) with their counts, by name."""
    now = utcnow()
    query = (
        select(Delegation)
        .where(Delegation.event_id == event.id)
        .options(selectinload(Delegation.contacts).selectinload(DelegationContact.user))
        .order_by(Delegation.name)
    )
    if only is not None:
        query = query.where(Delegation.id.in_(only))
    rows = {d.id: DelegationRow(d) for d in db.session.scalars(query)}
    if not rows:
        return []
    state = _state_now(now)
    counts = db.session.execute(
        select(Nomination.delegation_id, state, func.count())
        .where(Nomination.delegation_id.in_(rows))
        .group_by(Nomination.delegation_id, state)
    )
    for delegation_id, name, number in counts:
        rows[delegation_id].counts[name] = number
    accepted = db.session.execute(
        select(Nomination.delegation_id, Nomination.registration_id).where(
            Nomination.delegation_id.in_(rows),
            Nomination.state == ACCEPTED,
            Nomination.registration_id.is_not(None),
        )
    )
    for delegation_id, registration_id in accepted:
        rows[delegation_id].accepted_registration_ids.append(registration_id)
    return list(rows.values())


def event_delegations(event: Event) -> list[Delegation]:
    """The event's delegations by name (a session form's choices)."""
    return list(
        db.session.scalars(
            select(Delegation).where(Delegation.event_id == event.id).order_by(Delegation.name)
        )
    )


def delegations_of_contact(user: Any, event: Event) -> list[Delegation]:
    """The event's delegations this user is a national contact point of."""
    if getattr(user, "id", None) is None:
        return []
    return list(
        db.session.scalars(
            select(Delegation)
            .join(DelegationContact, DelegationContact.delegation_id == Delegation.id)
            .where(Delegation.event_id == event.id, DelegationContact.user_id == user.id)
            .order_by(Delegation.name)
        )
    )


def list_nominations(delegation: Delegation) -> list[Nomination]:
    """The delegation's nominations, newest first, with their registrations."""
    return list(
        db.session.scalars(
            select(Nomination)
            .where(Nomination.delegation_id == delegation.id)
            .options(selectinload(Nomination.registration), selectinload(Nomination.nominated_by))
            .order_by(Nomination.nominated_at.desc(), Nomination.id.desc())
        )
    )


def nomination_in_delegation(delegation: Delegation, nomination_id: int) -> Nomination | None:
    return db.session.scalar(
        select(Nomination).where(
            Nomination.id == nomination_id, Nomination.delegation_id == delegation.id
        )
    )


def bookings_held(nomination: Nomination) -> tuple[int, int]:
    """Seats booked and waiting-list places held by an accepted nominee's registration."""
    if nomination.registration_id is None:
        return 0, 0
    rows = dict(
        db.session.execute(
            select(Booking.status, func.count())
            .where(Booking.registration_id == nomination.registration_id)
            .group_by(Booking.status)
        ).all()
    )
    return (
        rows.get(BookingStatus.CONFIRMED.value, 0),
        rows.get(BookingStatus.WAITLISTED.value, 0),
    )


def sessions_booked(delegation: Delegation) -> list[tuple[AgendaSession, int, int]]:
    """Sessions the delegation's accepted experts booked: (session, seats, waiting), by time."""
    confirmed = func.sum(case((Booking.status == BookingStatus.CONFIRMED.value, 1), else_=0))
    waiting = func.sum(case((Booking.status == BookingStatus.WAITLISTED.value, 1), else_=0))
    rows = db.session.execute(
        select(AgendaSession, confirmed, waiting)
        .join(Booking, Booking.session_id == AgendaSession.id)
        .join(Registration, Registration.id == Booking.registration_id)
        .join(Nomination, Nomination.registration_id == Registration.id)
        .where(
            Nomination.delegation_id == delegation.id,
            Nomination.state == ACCEPTED,
            Booking.status != BookingStatus.CANCELLED.value,
        )
        .group_by(AgendaSession.id)
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    )
    return [(session, int(seats or 0), int(wait or 0)) for session, seats, wait in rows]
