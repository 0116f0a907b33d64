"""Seat offers under real concurrency, on SQLite and PostgreSQL: one outcome, never a clash.

Threads each have their own app context (own session, own connection) and are released at
once by a barrier (tests/registration/workers.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from conference.agenda.models import AgendaSession
from conference.errors import DomainError
from conference.extensions import db
from conference.registration import booking as bookings
from conference.registration import offer_replies
from conference.registration.models import Booking, Registration
from tests.factories import make_attendee, make_open_event, make_session
from tests.registration.helpers import assert_counters_match_rows, statuses
from tests.registration.workers import run_in_threads

pytestmark = pytest.mark.usefixtures("app")


def _offer(event):
    """``popular`` (1 seat) offered to ``waiter``, who holds the overlapping ``talk``."""
    popular = make_session(event, capacity=1, title="Popular workshop", minutes=90)
    talk = make_session(event, title="Parallel talk", starts_at=popular.starts_at)
    holder, waiter, second = (make_attendee(event) for _ in range(3))
    bookings.book_session(holder, popular, actor=None)
    bookings.book_session(waiter, talk, actor=None)
    bookings.book_session(waiter, popular, actor=None)
    bookings.book_session(second, popular, actor=None)
    bookings.unbook_session(holder, popular, actor=None)
    db.session.commit()
    offered = bookings.get_booking(waiter, popular)
    assert offered.status == "offered"
    return popular, talk, waiter, second, offered


def test_accepting_while_two_workers_expire_the_offer_leaves_one_outcome(app):
    event = make_open_event()
    popular, talk, waiter, second, offered = _offer(event)
    booking_id, deadline = offered.id, offered.offer_expires_at

    def accept():
        booking = db.session.get(Booking, booking_id)
        offer_replies.accept_offer(booking, actor=None, now=deadline - timedelta(seconds=1))
        return "accepted"

    def expire():
        done = offer_replies.expire_offer(booking_id, now=deadline + timedelta(seconds=1))
        return "expired" if done else "nothing"

    results = run_in_threads(
        app, lambda kind: accept() if kind == "accept" else expire(), [("accept",), ("e",), ("e",)]
    )

    outcomes = [r if isinstance(r, str) else "refused" for r in results]
    assert sorted(outcomes) in (
        ["accepted", "nothing", "nothing"],
        ["expired", "nothing", "refused"],
    ), results
    db.session.expire_all()
    assert statuses(popular).get("confirmed", 0) + statuses(popular).get("offered", 0) == 1
    if outcomes[0] == "accepted":
        assert bookings.get_booking(waiter, popular).status == "confirmed"
        assert bookings.get_booking(waiter, talk).status == "cancelled"
    else:
        assert bookings.get_booking(waiter, popular).status == "cancelled"
        assert bookings.get_booking(waiter, talk).status == "confirmed"
        assert bookings.get_booking(second, popular).status == "confirmed"
    assert_counters_match_rows(event)


@pytest.mark.parametrize("round_", range(4))
def test_a_promotion_and_an_overlapping_booking_at_once_never_confirm_a_clash(app, round_):
    event = make_open_event()
    popular = make_session(event, capacity=1, title="Popular workshop")
    parallel = make_session(event, capacity=5, title="Parallel talk", starts_at=popular.starts_at)
    holder, waiter = make_attendee(event), make_attendee(event)
    bookings.book_session(holder, popular, actor=None)
    bookings.book_session(waiter, popular, actor=None)  # waiting
    ids = {
        "holder": holder.id,
        "waiter": waiter.id,
        "popular": popular.id,
        "parallel": parallel.id,
    }
    db.session.commit()

    def act(kind: str) -> str:
        if kind == "unbook":
            registration, session = ids["holder"], ids["popular"]
            change = bookings.unbook_session
        else:
            registration, session = ids["waiter"], ids["parallel"]
            change = bookings.book_session
        try:
            return change(
                db.session.get(Registration, registration),
                db.session.get(AgendaSession, session),
                actor=None,
            ).status
        except DomainError as error:
            return error.code or "refused"

    results = run_in_threads(app, act, [("unbook",), ("book",)])

    assert results[0] == "cancelled", results
    db.session.expire_all()
    in_popular = bookings.get_booking(waiter, popular).status
    in_parallel = bookings.get_booking(waiter, parallel)
    assert (in_popular, getattr(in_parallel, "status", None)) in (
        ("confirmed", None),  # promoted first: the booking of the parallel talk is refused
        ("offered", "confirmed"),  # booked first (or at once): the freed seat is offered
    ), (results, in_popular, in_parallel)
    if in_parallel is None:
        assert results[1] == "overlap"
    assert_counters_match_rows(event)
