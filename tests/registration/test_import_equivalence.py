"""The importer applies the booking rules in memory, in bulk; the result must be exactly what
the one-by-one services give when the same people book the same sessions in the same order."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from conference.accounts.models import User
from conference.accounts.services import create_user
from conference.agenda.models import AgendaSession
from conference.bulk_insert import SMALL
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db
from conference.feeds.models import CalendarToken
from conference.registration.booking import book_session
from conference.registration.models import (
    AuditEntry,
    Booking,
    Registration,
    RegistrationSearchTerm,
)
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
    terms = db.session.execute(
        select(User.email, RegistrationSearchTerm.term)
        .join(Registration, Registration.id == RegistrationSearchTerm.registration_id)
        .join(User, User.id == Registration.user_id)
    ).all()
    seats = db.session.execute(select(AgendaSession.external_id, AgendaSession.confirmed_count))
    accounts = db.session.execute(
        select(User.email, User.name, User.password_hash, func.count(CalendarToken.id))
        .outerjoin(CalendarToken, CalendarToken.user_id == User.id)
        .group_by(User.id)
    ).all()
    return {
        "bookings": {(e, s): (status, place) for e, s, status, place in bookings},
        "registrations": {e: (status, category) for e, status, category in registrations},
        # What the door's name search finds, the seat counters, password-less accounts each
        # with its calendar address.
        "search terms": set(terms),
        "confirmed counts": dict(seats.all()),
        "approved count": db.session.scalar(select(Event.approved_count)),
        "accounts": {e: (name, hash_, tokens) for e, name, hash_, tokens in accounts},
    }


def test_bulk_import_books_exactly_as_the_services_one_by_one():
    # Enough attendees that every table takes the bulk path (``insert_rows``: COPY on
    # PostgreSQL), not the ordinary insert kept for a few rows.
    workload = build_workload(sessions=20, attendees=SMALL + 20, rooms=2)

    report = import_event(copy.deepcopy(workload))
    db.session.commit()
    bulk = _outcome()
    audit = db.session.execute(select(AuditEntry.action, AuditEntry.to_state)).all()
    assert sorted(audit) == sorted(
        ("imported", status) for status, _ in bulk["registrations"].values()
    )
    assert report.counts["bookings confirmed"] == sum(
        1 for status, _ in bulk["bookings"].values() if status == "confirmed"
    )
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
    assert bulk["search terms"] and all(h is None for _, h, _ in bulk["accounts"].values())
    assert bulk == one_by_one
