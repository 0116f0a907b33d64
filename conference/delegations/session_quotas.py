"""Per-session quotas of a delegation: at most N places in a restricted session for its nominees.

The booking services count each nominee's active booking against the quota with a conditional
UPDATE (``registration.seats.claim_delegation_place``); here organisers set it, with another
(``... SET quota = :q WHERE booked_count <= :q``), so lowering it below what is booked is
refused and a booking racing the change cannot slip under it. Locks: the session's row first
(as a booking takes it), then the quota's.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from conference.agenda.models import AgendaSession
from conference.delegations import rules
from conference.delegations.models import Delegation
from conference.delegations.services import check_organiser
from conference.errors import DelegationError
from conference.extensions import db
from conference.registration import seats
from conference.registration.models import Booking, BookingStatus, DelegationSessionQuota

_ACTIVE = (
    BookingStatus.CONFIRMED.value,
    BookingStatus.WAITLISTED.value,
    BookingStatus.OFFERED.value,
)


def list_session_quotas(delegation: Delegation) -> list[DelegationSessionQuota]:
    """The delegation's session quotas, in programme order, with their sessions."""
    return list(
        db.session.scalars(
            select(DelegationSessionQuota)
            .join(AgendaSession, AgendaSession.id == DelegationSessionQuota.session_id)
            .where(DelegationSessionQuota.delegation_id == delegation.id)
            .options(joinedload(DelegationSessionQuota.session))
            .order_by(AgendaSession.starts_at, AgendaSession.id)
        )
    )


def quota_sessions(delegation: Delegation) -> list[AgendaSession]:
    """The sessions a quota may be set on: the event's restricted ones, in programme order."""
    sessions = db.session.scalars(
        select(AgendaSession)
        .where(AgendaSession.event_id == delegation.event_id)
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    )
    return [s for s in sessions if s.is_restricted]


def _restricted_session(delegation: Delegation, session_id: int | None) -> AgendaSession:
    session = db.session.get(AgendaSession, session_id) if session_id is not None else None
    if session is None or session.event_id != delegation.event_id or not session.is_restricted:
        raise DelegationError(_("Choose a restricted session of this event."), field="session")
    return session


def set_session_quota(
    delegation: Delegation, session_id: int | None, quota: int | None, *, actor: Any
) -> DelegationSessionQuota | None:
    """Cap the places the delegation's nominees hold in a restricted session (None: no cap)."""
    check_organiser(actor, delegation.event)
    session = _restricted_session(delegation, session_id)
    table = DelegationSessionQuota.__table__
    mine = (table.c.delegation_id == delegation.id, table.c.session_id == session.id)
    if quota is None:
        db.session.execute(delete(table).where(*mine))  # its bookings' link goes with it
        return None
    if not 0 <= quota <= rules.MAX_QUOTA:
        raise DelegationError(
            _("The quota is between 0 and %(max)d.", max=rules.MAX_QUOTA), field="quota"
        )
    seats.lock(session)  # no booking of the session meanwhile: the count below stands
    existing = db.session.scalar(select(DelegationSessionQuota).where(*mine))
    if existing is None:
        return _create(delegation, session, quota)
    changed = db.session.execute(
        update(table).where(*mine, table.c.booked_count <= quota).values(quota=quota)
    )
    db.session.refresh(existing)
    if changed.rowcount != 1:
        raise DelegationError(
            rules.session_quota_too_low_message(quota, existing.booked_count), field="quota"
        )
    return existing


def _create(delegation: Delegation, session: AgendaSession, quota: int) -> DelegationSessionQuota:
    """A new quota counts the places the nominees already hold (bookings made before it)."""
    from conference.registration.models import Registration

    held = list(
        db.session.scalars(
            select(Booking.id)
            .join(Registration, Registration.id == Booking.registration_id)
            .where(
                Booking.session_id == session.id,
                Booking.status.in_(_ACTIVE),
                Registration.delegation_id == delegation.id,
            )
        )
    )
    if len(held) > quota:
        raise DelegationError(rules.session_quota_too_low_message(quota, len(held)), field="quota")
    row = DelegationSessionQuota(
        delegation_id=delegation.id, session_id=session.id, quota=quota, booked_count=len(held)
    )
    db.session.add(row)
    db.session.flush()
    if held:
        db.session.execute(
            update(Booking.__table__).where(Booking.id.in_(held)).values(delegation_quota_id=row.id)
        )
    return row
