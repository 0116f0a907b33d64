"""Booking and unbooking sessions: seats, waiting lists, overlaps, refusals, tampering."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conference.errors import BookingError, PermissionDenied
from conference.extensions import db
from conference.registration import booking as bookings
from conference.registration import moderation, services
from conference.registration.models import Booking
from tests.factories import (
    make_attendee,
    make_event,
    make_open_event,
    make_session,
    make_staff,
    make_user,
    register,
)
from tests.pages import page_body
from tests.registration.helpers import (
    actions_of,
    assert_counters_match_rows,
    deliver_mail,
    drain_mail,
    statuses,
    waiting_positions,
)

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def event():
    return make_open_event(mode="automatic")


def _bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def test_booking_takes_a_seat_and_unbooking_gives_it_back(event, login):
    session = make_session(event, capacity=10)
    registration = make_attendee(event)
    client = login(registration.user)

    booked = client.post(
        f"/events/{event.slug}/sessions/{session.id}/book", data={"next": "/somewhere"}
    )
    db.session.expire_all()
    seats_after_booking = session.confirmed_count
    unbooked = client.post(
        f"/events/{event.slug}/sessions/{session.id}/unbook", data={"confirm": "yes"}
    )

    assert booked.status_code == 303 and booked.headers["Location"] == "/somewhere"
    assert seats_after_booking == 1
    assert unbooked.status_code == 303
    assert unbooked.headers["Location"].endswith(f"/events/{event.slug}/registration")
    db.session.expire_all()
    assert session.confirmed_count == 0
    assert statuses(session) == {"cancelled": 1}
    assert [a[0] for a in actions_of(registration)][-2:] == ["booked", "unbooked"]


def test_booking_again_after_unbooking_reuses_the_row(event):
    session = make_session(event)
    registration = make_attendee(event)
    bookings.book_session(registration, session, actor=None)
    bookings.unbook_session(registration, session, actor=None)

    again = bookings.book_session(registration, session, actor=None)
    db.session.commit()

    assert again.status == "confirmed" and _bookings() == 1


def test_booking_twice_is_refused(event):
    session = make_session(event)
    registration = make_attendee(event)
    bookings.book_session(registration, session, actor=None)

    with pytest.raises(BookingError, match="already have a seat"):
        bookings.book_session(registration, session, actor=None)


def test_full_session_waitlists_in_order_and_promotes_the_first_with_mail(event, smtp_server):
    session = make_session(event, capacity=1, title="Export control primer")
    holder, first, second = (make_attendee(event) for _ in range(3))
    first.user.email = "first@example.org"
    db.session.commit()
    assert bookings.book_session(holder, session, actor=None).status == "confirmed"
    b1 = bookings.book_session(first, session, actor=None)
    b2 = bookings.book_session(second, session, actor=None)
    db.session.commit()
    assert (b1.status, b2.status) == ("waitlisted", "waitlisted")
    assert (bookings.waitlist_rank(b1), bookings.waitlist_rank(b2)) == (1, 2)
    drain_mail(smtp_server)

    bookings.unbook_session(holder, session, actor=holder.user)
    db.session.commit()
    deliver_mail()

    db.session.expire_all()
    assert (b1.status, b2.status) == ("confirmed", "waitlisted")
    assert bookings.waitlist_rank(b2) == 1
    [mail] = smtp_server.messages_to("first@example.org")
    assert mail["Subject"] == "You have a seat: Export control primer"
    assert "moved from the waiting list to a confirmed seat" in smtp_server.text_of(mail)
    assert "Export control primer" in smtp_server.html_of(mail)
    assert actions_of(first)[-1][:3] == ("booking_promoted", "waitlisted", "confirmed")
    assert_counters_match_rows(event)


def test_leaving_the_waiting_list_keeps_the_order_of_the_others(event):
    session = make_session(event, capacity=1)
    regs = [make_attendee(event) for _ in range(4)]
    for r in regs:
        bookings.book_session(r, session, actor=None)
    bookings.unbook_session(regs[2], session, actor=None)
    db.session.commit()

    waiting = bookings.waiting_list(session)

    assert [b.registration_id for b in waiting] == [regs[1].id, regs[3].id]
    assert [bookings.waitlist_rank(b) for b in waiting] == [1, 2]
    assert waiting_positions(session) == [1, 3]


def test_organiser_promotes_any_waiting_booking_when_a_seat_is_free(event, login):
    organiser = make_staff(event, "organiser")
    session = make_session(event, capacity=1)
    regs = [make_attendee(event) for _ in range(3)]
    for r in regs:
        bookings.book_session(r, session, actor=None)
    db.session.commit()
    last = bookings.get_booking(regs[2], session)
    client = login(organiser)

    full = client.post(
        f"/events/{event.slug}/manage/sessions/{session.id}/waitlist", data={"booking_id": last.id}
    )
    session.capacity = 2
    db.session.commit()
    page = client.get(f"/events/{event.slug}/manage/sessions/{session.id}/waitlist")
    promoted = client.post(
        f"/events/{event.slug}/manage/sessions/{session.id}/waitlist", data={"booking_id": last.id}
    )

    assert full.status_code == 409 and "The session is full" in full.get_data(as_text=True)
    assert page.status_code == 200 and "Waiting list (2)" in page.get_data(as_text=True)
    assert promoted.status_code == 303
    db.session.expire_all()
    assert bookings.get_booking(regs[2], session).status == "confirmed"
    assert bookings.get_booking(regs[1], session).status == "waitlisted"
    assert actions_of(regs[2])[-1][3] == organiser.id
    assert_counters_match_rows(event)


def test_fill_free_seats_promotes_in_order(event, login):
    organiser = make_staff(event, "organiser")
    session = make_session(event, capacity=1)
    regs = [make_attendee(event) for _ in range(4)]
    for r in regs:
        bookings.book_session(r, session, actor=None)
    session.capacity = 3
    db.session.commit()

    response = login(organiser).post(f"/events/{event.slug}/manage/sessions/{session.id}/waitlist")

    assert response.status_code == 303
    db.session.expire_all()
    assert [bookings.get_booking(r, session).status for r in regs] == [
        "confirmed",
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    assert_counters_match_rows(event)


def test_overlap_with_an_own_booking_is_refused_naming_the_session(event, login):
    start = make_session(event).starts_at
    first = make_session(event, title="Due diligence panel", starts_at=start, minutes=90)
    second = make_session(event, title="Overlapping talk", starts_at=start + timedelta(minutes=60))
    after = make_session(event, title="Right after", starts_at=start + timedelta(minutes=90))
    registration = make_attendee(event)
    bookings.book_session(registration, first, actor=None)
    db.session.commit()
    client = login(registration.user)

    clash = client.post(f"/events/{event.slug}/sessions/{second.id}/book")
    adjacent = client.post(f"/events/{event.slug}/sessions/{after.id}/book")

    page = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "overlaps with “Due diligence panel”" in page
    assert adjacent.status_code == 303  # back-to-back is not an overlap
    assert bookings.get_booking(registration, second) is None


def test_a_waiting_list_place_does_not_block_booking_at_the_same_time(event, login):
    full = make_session(event, capacity=1, title="Popular workshop")
    other = make_session(event, title="Parallel talk", starts_at=full.starts_at)
    bookings.book_session(make_attendee(event), full, actor=None)
    registration = make_attendee(event)
    bookings.book_session(registration, full, actor=None)  # waiting
    db.session.commit()

    answer = login(registration.user).post(f"/events/{event.slug}/sessions/{other.id}/book")

    assert answer.status_code == 303
    db.session.expire_all()
    assert bookings.get_booking(registration, other).status == "confirmed"
    assert bookings.get_booking(registration, full).status == "waitlisted"
    assert_counters_match_rows(event)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("pending", "awaiting approval"),
        ("waitlisted", "waiting list"),
        ("rejected", "not accepted"),
        ("cancelled", "is cancelled"),
    ],
)
def test_booking_without_an_approved_registration_is_forbidden(login, status, message):
    event = make_open_event(mode="moderated", capacity=1)
    organiser = make_staff(event, "organiser")
    session = make_session(event)
    make_attendee(event)  # fills the event
    registration = register(event)
    if status == "waitlisted":
        moderation.approve(registration, actor=organiser)
    elif status == "rejected":
        moderation.reject(registration, actor=organiser)
    elif status == "cancelled":
        services.cancel_registration(registration, actor=None)
    db.session.commit()
    assert registration.status == status

    response = login(registration.user).post(f"/events/{event.slug}/sessions/{session.id}/book")

    assert response.status_code == 403
    assert message in response.get_data(as_text=True)
    assert bookings.get_booking(registration, session) is None


def test_booking_without_registration_is_forbidden(event, login):
    session = make_session(event)

    response = login(make_user()).post(f"/events/{event.slug}/sessions/{session.id}/book")

    assert response.status_code == 403
    assert "Register for the event before booking" in response.get_data(as_text=True)
    assert _bookings() == 0


def test_booking_after_registration_closed_is_forbidden_but_unbooking_works(login):
    event = make_open_event()
    session = make_session(event)
    other = make_session(event, starts_at=session.ends_at)
    registration = make_attendee(event)
    bookings.book_session(registration, session, actor=None)
    from conference.db_types import utcnow

    event.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = login(registration.user)

    book = client.post(f"/events/{event.slug}/sessions/{other.id}/book")
    unbook = client.post(
        f"/events/{event.slug}/sessions/{session.id}/unbook", data={"confirm": "yes"}
    )

    assert book.status_code == 403 and "Booking is closed" in book.get_data(as_text=True)
    assert unbook.status_code == 303
    assert bookings.get_booking(registration, other) is None


def test_cancelled_or_started_sessions_cannot_be_booked(event):
    from conference.agenda.services import cancel_session
    from conference.db_types import utcnow

    cancelled = make_session(event)
    cancel_session(cancelled)
    registration = make_attendee(event)

    with pytest.raises(BookingError, match="cancelled"):
        bookings.book_session(registration, cancelled, actor=None)
    started = make_session(event)
    event.registration_closes_at = None  # booking stays open until the sessions start
    with pytest.raises(BookingError, match="already started"):
        bookings.book_session(
            registration, started, actor=None, now=started.starts_at + timedelta(minutes=1)
        )
    assert utcnow() < started.starts_at


def test_unbooking_what_was_not_booked_is_a_409(event, login):
    session = make_session(event)
    registration = make_attendee(event)

    response = login(registration.user).post(
        f"/events/{event.slug}/sessions/{session.id}/unbook", data={"confirm": "yes"}
    )

    assert response.status_code == 409
    assert "You have not booked this session." in response.get_data(as_text=True)


def test_tampered_session_ids_answer_404(event, login):
    other_event = make_open_event()
    foreign = make_session(other_event)
    hidden = make_session(event, restricted_to=["member_state_expert"], visibility="hidden")
    registration = make_attendee(event)
    client = login(registration.user)

    responses = [
        client.post(f"/events/{event.slug}/sessions/{foreign.id}/book"),
        client.post(f"/events/{event.slug}/sessions/999999/book"),
        client.post(f"/events/{event.slug}/sessions/{hidden.id}/book"),
        client.post(f"/events/{event.slug}/sessions/{hidden.id}/unbook", data={"confirm": "yes"}),
        client.post(f"/events/nope/sessions/{foreign.id}/book"),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    bodies = {page_body(r) for r in responses[1:4]}
    assert len(bodies) == 1  # a hidden session looks exactly like a missing one
    assert _bookings() == 0


def test_draft_event_sessions_are_404(login):
    event = make_event(published=False)
    session = make_session(event)

    response = login(make_user()).post(f"/events/{event.slug}/sessions/{session.id}/book")

    assert response.status_code == 404


def test_someone_else_cannot_book_on_a_registration(event):
    registration = make_attendee(event)
    session = make_session(event)

    with pytest.raises(PermissionDenied):
        bookings.book_session(registration, session, actor=make_user())


def test_cancelling_a_registration_frees_every_seat_and_promotes(event, login, smtp_server):
    s1, s2 = make_session(event, capacity=1), make_session(event, capacity=1, starts_at=None)
    s2.starts_at = s1.ends_at
    s2.ends_at = s1.ends_at + timedelta(hours=1)
    db.session.commit()
    holder = make_attendee(event)
    waiting = make_attendee(event)
    waiting.user.email = "waiting@example.org"
    db.session.commit()
    for s in (s1, s2):
        bookings.book_session(holder, s, actor=None)
        bookings.book_session(waiting, s, actor=None)
    db.session.commit()
    drain_mail(smtp_server)

    response = login(holder.user).post(
        f"/events/{event.slug}/registration/cancel", data={"confirm": "yes"}
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert [bookings.get_booking(waiting, s).status for s in (s1, s2)] == ["confirmed", "confirmed"]
    assert len(smtp_server.messages_to("waiting@example.org")) == 2
    assert_counters_match_rows(event)


def test_unverifying_cancels_bookings_in_sessions_no_longer_open(event):
    organiser = make_staff(event, "organiser")
    restricted = make_session(event, restricted_to=["member_state_expert"], capacity=1)
    open_one = make_session(event, starts_at=restricted.ends_at)
    expert = make_attendee(event, category="member_state_expert", verified=True)
    other_expert = make_attendee(event, category="member_state_expert", verified=True)
    bookings.book_session(expert, restricted, actor=None)
    bookings.book_session(other_expert, restricted, actor=None)  # waiting
    bookings.book_session(expert, open_one, actor=None)
    db.session.commit()

    moderation.unverify_category(expert, actor=organiser)
    db.session.commit()

    db.session.expire_all()
    assert bookings.get_booking(expert, restricted).status == "cancelled"
    assert bookings.get_booking(expert, open_one).status == "confirmed"
    assert bookings.get_booking(other_expert, restricted).status == "confirmed"
    assert_counters_match_rows(event)


def test_my_registration_page_lists_bookings_and_waiting_positions(event, login):
    full = make_session(event, capacity=1, title="Popular workshop")
    other = make_session(event, title="Quiet talk", starts_at=full.ends_at)
    make_attendee_first = make_attendee(event)
    bookings.book_session(make_attendee_first, full, actor=None)
    registration = make_attendee(event)
    bookings.book_session(registration, full, actor=None)
    bookings.book_session(registration, other, actor=None)
    db.session.commit()

    page = login(registration.user).get(f"/events/{event.slug}/registration").get_data(as_text=True)

    assert "Popular workshop" in page and "Waiting list: number 1" in page
    assert "Quiet talk" in page and "Seat booked" in page
    assert "Cancel my registration" in page
    assert "/account/data-export" in page and "/account/delete" in page


def test_organiser_seat_overview_lists_sessions_with_counts(event, login):
    organiser = make_staff(event, "organiser")
    session = make_session(event, capacity=2, title="Briefing")
    bookings.book_session(make_attendee(event), session, actor=None)
    db.session.commit()

    page = login(organiser).get(f"/events/{event.slug}/manage/bookings").get_data(as_text=True)

    assert "Briefing" in page and "1 / 2" in page
