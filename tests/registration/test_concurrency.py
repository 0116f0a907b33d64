"""Real concurrency, on SQLite and PostgreSQL: no seat is ever given twice or lost.

Threads each have their own app context (own session, own connection);
processes have their own interpreter and engine. A barrier releases them at
once so they all go for the same last seats.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conference.agenda.models import AgendaSession
from conference.errors import BookingError, DomainError
from conference.extensions import db
from conference.registration import booking as bookings
from conference.registration import services
from conference.registration.models import Booking, Registration
from tests.factories import (
    make_attendee,
    make_open_event,
    make_session,
    make_user,
    register,
    registration_details,
)
from tests.processes import separate_processes
from tests.registration.helpers import (
    assert_counters_match_rows,
    statuses,
    waiting_positions,
)
from tests.registration.workers import book_in_process, run_in_threads

pytestmark = pytest.mark.usefixtures("app")


def _book(registration_id: int, session_id: int) -> str:
    registration = db.session.get(Registration, registration_id)
    session = db.session.get(AgendaSession, session_id)
    return bookings.book_session(registration, session, actor=None).status


def _unbook(registration_id: int, session_id: int) -> str:
    registration = db.session.get(Registration, registration_id)
    session = db.session.get(AgendaSession, session_id)
    return bookings.unbook_session(registration, session, actor=None).status


def _cancel(registration_id: int) -> str:
    registration = db.session.get(Registration, registration_id)
    services.cancel_registration(registration, actor=None)
    return registration.status


def _assert_exactly(session, capacity: int, contenders: int) -> None:
    db.session.expire_all()
    assert statuses(session) == {"confirmed": capacity, "waitlisted": contenders - capacity}
    assert waiting_positions(session) == list(range(1, contenders - capacity + 1))
    assert db.session.get(AgendaSession, session.id).confirmed_count == capacity


@pytest.mark.parametrize("capacity", [1, 3])
def test_threads_racing_for_the_last_seats_get_exactly_capacity(app, capacity):
    event = make_open_event()
    session = make_session(event, capacity=capacity)
    registrations = [make_attendee(event) for _ in range(12)]
    db.session.commit()

    results = run_in_threads(app, _book, [(r.id, session.id) for r in registrations])

    assert sorted(results) == ["confirmed"] * capacity + ["waitlisted"] * (12 - capacity)
    _assert_exactly(session, capacity, 12)
    assert_counters_match_rows(event)


def test_http_requests_racing_for_the_last_seats(app, login):
    event = make_open_event()
    session = make_session(event, capacity=2)
    clients = [login(make_attendee(event).user) for _ in range(10)]
    # Plain values only: ORM objects of this thread's session must not be touched by others.
    url = f"/events/{event.slug}/sessions/{session.id}/book"
    db.session.commit()

    def post(client):
        return client.post(url).status_code

    results = run_in_threads(app, post, [(c,) for c in clients])

    assert results == [303] * 10
    _assert_exactly(session, 2, 10)


def test_processes_racing_for_the_last_seats(app, database_url):
    event = make_open_event()
    session = make_session(event, capacity=2)
    registrations = [make_attendee(event) for _ in range(6)]
    db.session.commit()
    context = separate_processes()
    barrier = context.Barrier(len(registrations))
    queue = context.Queue()

    processes = [
        context.Process(
            target=book_in_process, args=(database_url, r.id, session.id, barrier, queue)
        )
        for r in registrations
    ]
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert sorted(o[1] for o in outcomes) == ["confirmed"] * 2 + ["waitlisted"] * 4, outcomes
    _assert_exactly(session, 2, 6)


def test_threads_racing_for_the_last_event_places(app):
    event = make_open_event(mode="automatic", capacity=3)
    users = [make_user() for _ in range(10)]
    event_id = event.id
    db.session.commit()

    def enrol(user_id):
        from conference.accounts.models import User
        from conference.events.models import Event

        user = db.session.get(User, user_id)
        event = db.session.get(Event, event_id)
        return services.register(event, user, registration_details()).status

    results = run_in_threads(app, enrol, [(u.id,) for u in users])

    assert sorted(results) == ["approved"] * 3 + ["waitlisted"] * 7
    positions = db.session.scalars(
        select(Registration.waitlist_position)
        .where(Registration.status == "waitlisted")
        .order_by(Registration.waitlist_position)
    )
    assert list(positions) == list(range(1, 8))
    assert_counters_match_rows(event)


def test_same_person_double_submitting_gets_one_booking(app):
    event = make_open_event()
    session = make_session(event)
    registration = make_attendee(event)
    db.session.commit()

    results = run_in_threads(app, _book, [(registration.id, session.id)] * 6)

    assert results.count("confirmed") == 1
    assert all(isinstance(r, BookingError) for r in results if r != "confirmed")
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
    assert_counters_match_rows(event)


def test_same_person_booking_two_overlapping_sessions_at_once_gets_one(app):
    event = make_open_event()
    first = make_session(event)
    second = make_session(event, starts_at=first.starts_at)
    registration = make_attendee(event)
    db.session.commit()

    results = run_in_threads(
        app, _book, [(registration.id, first.id), (registration.id, second.id)]
    )

    assert results.count("confirmed") == 1
    [refused] = [r for r in results if r != "confirmed"]
    assert isinstance(refused, DomainError) and "overlaps" in refused.message


@pytest.mark.parametrize("round_", range(3))
def test_unbook_and_book_at_once_neither_lose_nor_double_a_seat(app, round_):
    event = make_open_event()
    session = make_session(event, capacity=1)
    holder, first, second, newcomer = (make_attendee(event) for _ in range(4))
    for r in (holder, first, second):
        bookings.book_session(r, session, actor=None)
    session_id = session.id
    db.session.commit()

    def act(kind, registration_id):
        return (_unbook if kind == "unbook" else _book)(registration_id, session_id)

    results = run_in_threads(app, act, [("unbook", holder.id), ("book", newcomer.id)])

    assert results == ["cancelled", "waitlisted"]
    db.session.expire_all()
    by_registration = {
        b.registration_id: b.status
        for b in db.session.scalars(select(Booking).where(Booking.session_id == session.id))
    }
    assert by_registration == {
        holder.id: "cancelled",
        first.id: "confirmed",
        second.id: "waitlisted",
        newcomer.id: "waitlisted",
    }
    assert bookings.waitlist_rank(bookings.get_booking(second, session)) == 1
    assert_counters_match_rows(event)


def test_cancellations_at_once_promote_the_first_in_line_once_each(app):
    event = make_open_event()
    session = make_session(event, capacity=2)
    holders = [make_attendee(event) for _ in range(2)]
    waiting = [make_attendee(event) for _ in range(4)]
    for r in holders + waiting:
        bookings.book_session(r, session, actor=None)
    session_id = session.id
    db.session.commit()

    results = run_in_threads(
        app,
        lambda kind, rid: _cancel(rid) if kind == "cancel" else _unbook(rid, session_id),
        [("cancel", holders[0].id), ("unbook", holders[1].id), ("unbook", waiting[3].id)],
    )

    assert results == ["cancelled", "cancelled", "cancelled"]
    db.session.expire_all()
    assert [bookings.get_booking(r, session).status for r in waiting] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "cancelled",
    ]
    assert_counters_match_rows(event)


def test_promotion_by_an_organiser_and_an_unbooking_at_once(app):
    event = make_open_event()
    session = make_session(event, capacity=1)
    holder, first, second = (make_attendee(event) for _ in range(3))
    for r in (holder, first, second):
        bookings.book_session(r, session, actor=None)
    session.capacity = 2  # one free seat for the organiser to fill
    session_id, holder_id = session.id, holder.id
    db.session.commit()

    def fill():
        return len(
            bookings.fill_session_seats(db.session.get(AgendaSession, session_id), actor=None)
        )

    results = run_in_threads(
        app,
        lambda kind: fill() if kind == "fill" else _unbook(holder_id, session_id),
        [("fill",), ("unbook",)],
    )

    assert results[1] == "cancelled"
    db.session.expire_all()
    assert [bookings.get_booking(r, session).status for r in (first, second)] == [
        "confirmed",
        "confirmed",
    ]
    assert_counters_match_rows(event)


def test_registration_cancellations_at_once_hand_places_on_in_order(app):
    event = make_open_event(mode="automatic", capacity=2)
    approved = [register(event) for _ in range(2)]
    waiting = [register(event) for _ in range(3)]
    assert [r.status for r in waiting] == ["waitlisted"] * 3

    results = run_in_threads(app, _cancel, [(r.id,) for r in approved])

    assert results == ["cancelled", "cancelled"]
    db.session.expire_all()
    assert [db.session.get(Registration, r.id).status for r in waiting] == [
        "approved",
        "approved",
        "waitlisted",
    ]
    assert_counters_match_rows(event)
