"""The importer applies the booking rules in memory, in bulk; the result must be exactly what
the one-by-one services give when the same people book the same sessions in the same order."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from conference.accounts.models import User
from conference.accounts.services import create_user
from conference.agenda.models import AgendaSession
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db
from conference.registration.booking import book_session
from conference.registration.models import Booking, Registration
from conference.registration.moderation import enrol
from conference.workload.importer import import_event
from tests.conftest import empty_tables
from tests.workload import build_workload

pytestmark = pytest.mark.usefixtures("app")


def _outcome() -> dict:
    """(email, session external id) -> (status, waiting-list place), and each registration's."""
    bookings = db.session.execute(
        select(User.email, AgendaSession.external_id, Booking.status, Booking.waitlist_position)
        .join(Registration, Registration.id == Booking.registration_id)
        .join(User, User.id == Registration.user_id)
        .join(AgendaSession, AgendaSession.id == Booking.session_id)
    ).all()
    registrations = db.session.execute(
        select(User.email, Registration.status, Registration.category).join(
            User, User.id == Registration.user_id
        )
    ).all()
    return {
        "bookings": {(e, s): (status, place) for e, s, status, place in bookings},
        "registrations": {e: (status, category) for e, status, category in registrations},
    }


def test_bulk_import_books_exactly_as_the_services_one_by_one():
    workload = build_workload(sessions=20, attendees=100, rooms=2)

    import_event(copy.deepcopy(workload))
    db.session.commit()
    bulk = _outcome()
    db.session.close()
    empty_tables()

    agenda_only = {**copy.deepcopy(workload), "attendees": []}
    import_event(agenda_only)
    db.session.commit()
    event = db.session.scalar(select(Event))
    sessions = {
        s.external_id: s
        for s in db.session.scalars(select(AgendaSession).where(AgendaSession.event_id == event.id))
    }
    refused = 0
    for attendee in workload["attendees"]:
        user = create_user(
            attendee["email"],
            attendee["name"],
            None,
            organisation=attendee.get("organisation", ""),
            country=attendee.get("country", ""),
            claimed_category=attendee["role"],
        )
        registration = enrol(event, user, category=attendee["role"], verified=True, actor=None)
        for external_id in attendee["sessions"]:
            try:
                book_session(registration, sessions[external_id], actor=None)
            except DomainError:
                refused += 1
    db.session.commit()
    one_by_one = _outcome()

    assert refused > 0  # the workload exercises the refusals, not only the seats
    assert any(status == "waitlisted" for status, _ in bulk["bookings"].values())
    assert bulk == one_by_one
