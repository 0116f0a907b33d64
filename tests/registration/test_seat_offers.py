"""Waiting is not a seat: a freed seat that would clash is offered, held, accepted or passed on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from conference.db_types import utcnow
from conference.errors import BookingError, SeatOfferGone
from conference.extensions import db
from conference.localtime import format_local
from conference.registration import booking as bookings
from conference.registration import offer_replies, offers, services
from conference.registration.models import AuditEntry, Booking
from tests.factories import make_attendee, make_open_event, make_session, make_staff
from tests.registration.helpers import (
    actions_of,
    assert_counters_match_rows,
    deliver_mail,
    drain_mail,
)

pytestmark = pytest.mark.usefixtures("app")

OFFER_LINK = re.compile(r"https?://[^/\s]+(/offers/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def event():
    return make_open_event(mode="automatic")


@pytest.fixture
def world(event):
    """``popular`` (1 seat, held by ``holder``) overlaps ``talk``, which ``waiter`` booked;
    ``waiter`` then ``second`` wait for ``popular``; ``fan`` waits for ``talk`` (1 seat)."""
    popular = make_session(event, capacity=1, title="Popular workshop", minutes=90)
    talk = make_session(
        event,
        capacity=1,
        title="Parallel talk",
        starts_at=popular.starts_at + timedelta(minutes=30),
    )
    holder, waiter, second, fan = (make_attendee(event) for _ in range(4))
    waiter.user.email, second.user.email = "waiter@example.org", "second@example.org"
    bookings.book_session(holder, popular, actor=None)
    bookings.book_session(waiter, talk, actor=None)
    bookings.book_session(waiter, popular, actor=None)  # waiting, although it overlaps
    bookings.book_session(second, popular, actor=None)
    bookings.book_session(fan, talk, actor=None)  # waiting for the talk's seat
    db.session.commit()
    return {
        "popular": popular,
        "talk": talk,
        "holder": holder,
        "waiter": waiter,
        "second": second,
        "fan": fan,
    }


def _status(registration, session) -> str:
    db.session.expire_all()
    return bookings.get_booking(registration, session).status


def _free_the_seat(w) -> Booking:
    bookings.unbook_session(w["holder"], w["popular"], actor=None)
    db.session.commit()
    return bookings.get_booking(w["waiter"], w["popular"])


def _offer_path(smtp_server) -> str:
    deliver_mail()
    [mail] = smtp_server.messages_to("waiter@example.org")
    return OFFER_LINK.search(smtp_server.text_of(mail)).group(1)


def test_promotion_without_a_clash_confirms_as_before(event, smtp_server):
    popular = make_session(event, capacity=1, title="Popular workshop")
    elsewhere = make_session(event, title="Later talk", starts_at=popular.ends_at)
    holder, waiter = make_attendee(event), make_attendee(event)
    waiter.user.email = "waiter@example.org"
    bookings.book_session(holder, popular, actor=None)
    bookings.book_session(waiter, elsewhere, actor=None)
    bookings.book_session(waiter, popular, actor=None)
    db.session.commit()
    drain_mail(smtp_server)

    bookings.unbook_session(holder, popular, actor=None)
    db.session.commit()
    deliver_mail()

    assert _status(waiter, popular) == "confirmed"
    [mail] = smtp_server.messages_to("waiter@example.org")
    assert mail["Subject"] == "You have a seat: Popular workshop"
    assert actions_of(waiter)[-1][:3] == ("booking_promoted", "waitlisted", "confirmed")
    assert_counters_match_rows(event)


def test_promotion_into_an_overlap_holds_the_seat_as_an_offer_with_mail(event, world, smtp_server):
    drain_mail(smtp_server)
    before = utcnow()

    offered = _free_the_seat(world)
    deliver_mail()

    assert offered.status == "offered"
    assert (
        before + timedelta(hours=24) <= offered.offer_expires_at <= utcnow() + timedelta(hours=24)
    )
    assert _status(world["waiter"], world["talk"]) == "confirmed"  # nothing given up yet
    assert _status(world["second"], world["popular"]) == "waitlisted"
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "seat_offered"))
    assert (entry.from_state, entry.to_state, entry.actor_id) == ("waitlisted", "offered", None)
    assert "overlaps “Parallel talk”" in entry.detail
    [mail] = smtp_server.messages_to("waiter@example.org")
    text = smtp_server.text_of(mail)
    assert mail["Subject"] == "A seat is offered to you: Popular workshop"
    deadline = format_local(offered.offer_expires_at, event.tz)
    assert f"held until {deadline} (Europe/Brussels)" in text
    assert "Parallel talk" in text and "Accepting the seat gives up that booking" in text
    assert OFFER_LINK.search(text) and OFFER_LINK.search(smtp_server.html_of(mail))
    assert smtp_server.messages_to("second@example.org") == []
    assert_counters_match_rows(event)


def test_a_held_seat_is_not_given_to_anyone_else(event, world):
    offered = _free_the_seat(world)
    late = make_attendee(event)

    booked = bookings.book_session(late, world["popular"], actor=None)
    promoted = bookings.fill_session_seats(world["popular"], actor=None)
    db.session.commit()

    assert offered.status == "offered"
    assert booked.status == "waitlisted" and promoted == []
    assert db.session.get(type(world["popular"]), world["popular"].id).confirmed_count == 1
    assert_counters_match_rows(event)


def test_the_offer_page_says_what_accepting_gives_up_without_changing_anything(
    event, world, client, smtp_server
):
    drain_mail(smtp_server)
    offered = _free_the_seat(world)

    page = client.get(_offer_path(smtp_server))

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "A seat is offered to you" in html and "Popular workshop" in html
    assert "Accept and give up “Parallel talk”" in html
    assert "Decline and keep my bookings" in html
    assert f"{format_local(offered.offer_expires_at, event.tz)} (Europe/Brussels)" in html
    assert f'name="give_up" value="{world["talk"].id}"' in html
    assert _status(world["waiter"], world["popular"]) == "offered"


def test_accepting_takes_the_seat_and_gives_up_the_clash_to_its_waiting_list(
    event, world, client, smtp_server
):
    drain_mail(smtp_server)
    _free_the_seat(world)
    path = _offer_path(smtp_server)

    answer = client.post(path, data={"accept": "Accept", "give_up": str(world["talk"].id)})
    again = client.post(path, data={"accept": "Accept", "give_up": str(world["talk"].id)})

    assert answer.status_code == 303
    assert _status(world["waiter"], world["popular"]) == "confirmed"
    assert _status(world["waiter"], world["talk"]) == "cancelled"
    assert _status(world["fan"], world["talk"]) == "confirmed"  # the freed talk seat moved on
    assert _status(world["second"], world["popular"]) == "waitlisted"
    assert again.status_code == 410 and "no longer open" in again.get_data(as_text=True)
    actions = [a[:3] for a in actions_of(world["waiter"])]
    assert ("seat_offer_accepted", "offered", "confirmed") in actions
    assert ("unbooked", "confirmed", "cancelled") in actions
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "seat_offer_accepted")
    )
    assert entry.actor_id == world["waiter"].user_id and "Gave up “Parallel talk”" in entry.detail
    assert_counters_match_rows(event)


def test_declining_keeps_the_bookings_and_passes_the_seat_on(event, world, client, smtp_server):
    drain_mail(smtp_server)
    _free_the_seat(world)
    path = _offer_path(smtp_server)

    answer = client.post(path, data={"decline": "Decline"})
    again = client.get(path)

    assert answer.status_code == 303
    assert _status(world["waiter"], world["popular"]) == "cancelled"
    assert _status(world["waiter"], world["talk"]) == "confirmed"
    assert _status(world["second"], world["popular"]) == "confirmed"
    assert again.status_code == 410
    assert ("seat_offer_declined", "offered", "cancelled") in [
        a[:3] for a in actions_of(world["waiter"])
    ]
    deliver_mail()
    [mail] = smtp_server.messages_to("second@example.org")
    assert mail["Subject"] == "You have a seat: Popular workshop"
    assert_counters_match_rows(event)


def test_accepting_after_the_bookings_changed_shows_the_offer_again(event, world, client):
    offered = _free_the_seat(world)
    token = offers.offer_token(offered)
    also = make_session(
        event, title="Another overlap", starts_at=world["popular"].starts_at, minutes=30
    )
    bookings.book_session(world["waiter"], also, actor=None)
    db.session.commit()

    answer = client.post(
        f"/offers/{token}", data={"accept": "Accept", "give_up": str(world["talk"].id)}
    )
    page = client.get(f"/offers/{token}").get_data(as_text=True)

    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/offers/{token}")
    assert _status(world["waiter"], world["popular"]) == "offered"
    assert _status(world["waiter"], world["talk"]) == "confirmed"
    assert _status(world["waiter"], also) == "confirmed"
    assert "Your bookings changed since the offer was shown" in page
    assert "Accept and give up “Another overlap”, “Parallel talk”" in page
    assert_counters_match_rows(event)


def test_an_expired_offer_goes_to_the_next_in_line_once(event, world, smtp_server):
    offered = _free_the_seat(world)
    token = offers.offer_token(offered)
    drain_mail(smtp_server)
    after = offered.offer_expires_at + timedelta(seconds=1)

    early = offer_replies.expire_due_offers(offered.offer_expires_at - timedelta(seconds=1))
    expired = offer_replies.expire_due_offers(after)
    again = offer_replies.expire_due_offers(after)
    deliver_mail()

    assert (early, expired, again) == (0, 1, 0)
    assert _status(world["waiter"], world["popular"]) == "cancelled"
    assert _status(world["waiter"], world["talk"]) == "confirmed"
    assert _status(world["second"], world["popular"]) == "confirmed"
    assert ("seat_offer_expired", "offered", "cancelled", None) in actions_of(world["waiter"])
    [mail] = smtp_server.messages_to("waiter@example.org")
    assert mail["Subject"] == "Your seat offer expired: Popular workshop"
    assert "went to the next person in line" in smtp_server.text_of(mail)
    [promoted] = smtp_server.messages_to("second@example.org")
    assert promoted["Subject"] == "You have a seat: Popular workshop"
    with pytest.raises(SeatOfferGone):
        offers.read_offer_token(token)
    assert_counters_match_rows(event)


def test_an_offer_past_its_deadline_is_refused_before_the_expiry_round(event, world, client):
    offered = _free_the_seat(world)
    token = offers.offer_token(offered)
    offered.offer_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    page = client.get(f"/offers/{token}")
    accept = client.post(f"/offers/{token}", data={"accept": "Accept"})

    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)
    assert accept.status_code == 410
    assert _status(world["waiter"], world["popular"]) == "offered"
    with pytest.raises(SeatOfferGone):
        offer_replies.accept_offer(offered, actor=None)
    assert_counters_match_rows(event)


@pytest.mark.parametrize("token", ["nonsense", "eyJiIjoxLCJuIjoiYWJjIn0.forged"])
def test_a_forged_or_garbled_offer_link_is_refused(client, token):
    answer = client.get(f"/offers/{token}")

    assert answer.status_code == 410
    assert "This link is not valid" in answer.get_data(as_text=True)


def test_an_old_link_does_not_answer_a_newer_offer(event, world):
    offered = _free_the_seat(world)
    old_token = offers.offer_token(offered)
    offer_replies.decline_offer(offered, actor=None)
    db.session.commit()
    bookings.book_session(world["waiter"], world["popular"], actor=None)  # waiting again
    bookings.unbook_session(world["second"], world["popular"], actor=None)
    db.session.commit()
    assert _status(world["waiter"], world["popular"]) == "offered"

    with pytest.raises(SeatOfferGone):
        offers.read_offer_token(old_token)


def test_the_offer_shows_on_my_registration_my_agenda_and_the_session_page(event, world, login):
    offered = _free_the_seat(world)
    client = login(world["waiter"].user)
    deadline = f"{format_local(offered.offer_expires_at, event.tz)} (Europe/Brussels)"
    link = f"/offers/{offers.offer_token(offered)}"

    mine = client.get(f"/events/{event.slug}/registration").get_data(as_text=True)
    agenda = client.get(f"/events/{event.slug}/my-agenda").get_data(as_text=True)
    session_page = client.get(f"/events/{event.slug}/sessions/{world['popular'].id}/").get_data(
        as_text=True
    )

    assert "Seat offered to you" in mine and deadline in mine and link in mine
    assert "Seat offered" in agenda and deadline in agenda and link in agenda
    assert "Accept or decline the seat" in session_page and link in session_page


def test_answering_from_the_registration_page_returns_there(event, world, login):
    offered = _free_the_seat(world)
    client = login(world["waiter"].user)

    answer = client.post(
        f"/offers/{offers.offer_token(offered)}",
        data={"accept": "Accept", "give_up": str(world["talk"].id)},
    )
    page = client.get(answer.headers["Location"]).get_data(as_text=True)

    assert answer.headers["Location"].endswith(f"/events/{event.slug}/registration")
    assert "You have a seat in “Popular workshop”. Given up: “Parallel talk”." in page


def test_an_organiser_giving_a_seat_to_someone_with_a_clash_offers_it(event, world, login):
    organiser = make_staff(event, "organiser")
    world["popular"].capacity = 2
    db.session.commit()
    waiting = bookings.get_booking(world["second"], world["popular"])
    clash = make_session(event, title="Second's talk", starts_at=world["popular"].starts_at)
    bookings.book_session(world["second"], clash, actor=None)
    db.session.commit()

    client = login(organiser)

    answer = client.post(
        f"/events/{event.slug}/manage/sessions/{world['popular'].id}/waitlist",
        data={"booking_id": waiting.id},
        follow_redirects=True,
    )
    detail = client.get(f"/events/{event.slug}/manage/registrations/{world['second'].id}")
    audit = client.get(f"/events/{event.slug}/manage/audit").get_data(as_text=True)

    page = answer.get_data(as_text=True)
    assert "is offered the seat (it overlaps one of their bookings)" in page
    assert "Seats offered (1)" in page
    assert "seat offered, held until" in detail.get_data(as_text=True)
    assert "Offered a seat" in audit
    assert _status(world["second"], world["popular"]) == "offered"
    assert_counters_match_rows(event)


def test_the_offer_lasts_the_configured_hours_or_until_the_session_starts(app, event, world):
    app.config["SEAT_OFFER_HOURS"] = 2
    start = world["popular"].starts_at

    assert offers.offer_deadline(world["popular"], start - timedelta(hours=5)) == start - timedelta(
        hours=3
    )
    assert offers.offer_deadline(world["popular"], start - timedelta(hours=1)) == start
    assert offers.offer_deadline(
        world["popular"], start + timedelta(minutes=5)
    ) == start + timedelta(hours=2, minutes=5)


def test_cancelling_the_registration_gives_a_held_seat_on(event, world):
    _free_the_seat(world)

    services.cancel_registration(world["waiter"], actor=None)
    db.session.commit()

    assert _status(world["waiter"], world["popular"]) == "cancelled"
    assert _status(world["second"], world["popular"]) == "confirmed"
    assert_counters_match_rows(event)


def test_booking_a_session_whose_seat_is_offered_points_to_the_offer(event, world):
    _free_the_seat(world)

    with pytest.raises(BookingError, match="offered to you"):
        bookings.book_session(world["waiter"], world["popular"], actor=None)


def test_the_expiry_command_expires_due_offers(event, world, runner):
    offered = _free_the_seat(world)
    offered.offer_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    result = runner.invoke(args=["expire-seat-offers"])

    assert result.exit_code == 0 and "1 seat offer(s) expired" in result.output
    assert _status(world["second"], world["popular"]) == "confirmed"
    assert_counters_match_rows(event)


def test_a_full_session_that_overlaps_a_seat_may_still_be_waited_for(event, login):
    held = make_session(event, title="Held talk")
    full = make_session(event, capacity=1, title="Full workshop", starts_at=held.starts_at)
    free = make_session(event, title="Free talk", starts_at=held.starts_at)
    bookings.book_session(make_attendee(event), full, actor=None)
    registration = make_attendee(event)
    bookings.book_session(registration, held, actor=None)
    db.session.commit()
    client = login(registration.user)

    wait = client.post(f"/events/{event.slug}/sessions/{full.id}/book", follow_redirects=True)
    clash = client.post(f"/events/{event.slug}/sessions/{free.id}/book")

    assert "number 1 on its waiting list. It overlaps a session you booked" in wait.get_data(
        as_text=True
    )
    assert _status(registration, full) == "waitlisted"
    assert clash.status_code == 409 and "overlaps with “Held talk”" in clash.get_data(as_text=True)
    assert bookings.get_booking(registration, free) is None


def test_an_answer_without_a_button_changes_nothing(event, world, client):
    offered = _free_the_seat(world)

    answer = client.post(f"/offers/{offers.offer_token(offered)}", data={"give_up": "1"})

    assert answer.status_code == 400
    assert _status(world["waiter"], world["popular"]) == "offered"


def test_leaving_an_offered_seat_counts_as_declining(event, world):
    _free_the_seat(world)

    bookings.unbook_session(world["waiter"], world["popular"], actor=world["waiter"].user)
    db.session.commit()

    assert ("seat_offer_declined", "offered", "cancelled") in [
        a[:3] for a in actions_of(world["waiter"])
    ]
    assert _status(world["second"], world["popular"]) == "confirmed"
    assert_counters_match_rows(event)


def test_the_agenda_marks_a_held_seat_as_offered_to_its_holder(event, world, login):
    _free_the_seat(world)

    page = login(world["waiter"].user).get(f"/events/{event.slug}/agenda/?view=list")

    text = page.get_data(as_text=True)
    assert "Seat offered to you" in text
    assert text.count("Seat offered to you") == 1
