"""Assertions shared by the registration tests."""

from __future__ import annotations

from sqlalchemy import func, select

from conference.agenda.models import AgendaSession
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import AuditEntry, Booking, Registration


def confirmed_in(session: AgendaSession) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == session.id, Booking.status == "confirmed")
    )


def held_in(session: AgendaSession) -> int:
    """Seats the rows hold: confirmed bookings and open offers."""
    return db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == session.id, Booking.status.in_(["confirmed", "offered"]))
    )


def statuses(session: AgendaSession) -> dict[str, int]:
    rows = db.session.execute(
        select(Booking.status, func.count())
        .where(Booking.session_id == session.id)
        .group_by(Booking.status)
    )
    return dict(rows.all())


def waiting_positions(session: AgendaSession) -> list[int]:
    return list(
        db.session.scalars(
            select(Booking.waitlist_position)
            .where(Booking.session_id == session.id, Booking.status == "waitlisted")
            .order_by(Booking.waitlist_position)
        )
    )


def assert_counters_match_rows(event: Event) -> None:
    """The seat counters equal what the booking and registration rows say."""
    db.session.expire_all()
    approved = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == "approved")
    )
    assert db.session.get(Event, event.id).approved_count == approved
    for session in db.session.scalars(
        select(AgendaSession).where(AgendaSession.event_id == event.id)
    ):
        assert session.confirmed_count == held_in(session), session.title
        capacity = session.effective_capacity
        assert capacity is None or session.confirmed_count <= capacity


def actions_of(registration: Registration) -> list[tuple[str, str | None, str | None, int | None]]:
    return [
        (e.action, e.from_state, e.to_state, e.actor_id)
        for e in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.registration_id == registration.id)
            .order_by(AuditEntry.id)
        )
    ]


def drain_mail(smtp_server) -> None:
    """Deliver what is queued so far and forget it, so a test sees only later mail."""
    from conference.mail.services import deliver_outbox

    deliver_outbox(include_not_due=True)
    smtp_server.clear()


def deliver_mail() -> None:
    from conference.mail.services import deliver_outbox

    deliver_outbox(include_not_due=True)
