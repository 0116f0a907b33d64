"""Cancelling a registration and giving up a seat ask first, on a page of their own (issue 15).

A POST without the confirmation page's ``confirm`` field shows that page and changes nothing;
the page says what will happen; its form (with a working CSRF token) does the action.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.registration import booking as bookings
from conference.registration.models import AuditEntry, Booking, Registration
from tests.conftest import csrf_token_from
from tests.factories import make_attendee, make_open_event, make_session, register, sign_in
from tests.registration.helpers import statuses

pytestmark = pytest.mark.usefixtures("app")


def _snapshot():
    return (
        tuple(db.session.scalars(select(Registration.status).order_by(Registration.id))),
        tuple(db.session.scalars(select(Booking.status).order_by(Booking.id))),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
    )


def _text(response) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def full_session():
    """An automatic event; a one-seat session held by ``holder`` with ``waiter`` in line."""
    event = make_open_event(mode="automatic")
    session = make_session(event, title="Export controls clinic", capacity=1)
    holder = make_attendee(event, name="Hana Holder")
    waiter = make_attendee(event, name="Walt Waiter")
    bookings.book_session(holder, session, actor=holder.user)
    bookings.book_session(waiter, session, actor=waiter.user)
    db.session.commit()
    return event, session, holder, waiter


@pytest.mark.parametrize("data", [{}, {"confirm": ""}, {"confirm": "no"}, {"next": "/x"}])
def test_cancel_registration_post_without_confirmation_changes_nothing(full_session, login, data):
    event, _, holder, _ = full_session
    before = _snapshot()

    response = login(holder.user).post(f"/events/{event.slug}/registration/cancel", data=data)

    assert response.status_code == 200
    assert "Cancel your registration for" in _text(response)
    db.session.expire_all()
    assert _snapshot() == before


def test_cancel_registration_page_says_what_will_happen(full_session, login):
    event, session, holder, _ = full_session

    response = login(holder.user).get(f"/events/{event.slug}/registration/cancel")
    text = _text(response)

    assert response.status_code == 200
    assert f"Cancel your registration for “{event.title}”?" in text
    assert "your badge no longer lets you in" in text
    assert "Your 1 booked seat (“Export controls clinic”) goes to the people waiting for it" in text
    assert "To come back you would register again" in text
    html = response.get_data(as_text=True)
    assert 'class="button button-danger">Yes, cancel my registration</button>' in html
    assert f'href="/events/{event.slug}/registration">No, keep my registration</a>' in html
    assert '<input type="hidden" name="confirm" value="yes">' in html
    assert session.title in text


def test_cancel_registration_page_of_a_moderated_event_mentions_moderation_again(login):
    event = make_open_event(mode="moderated")
    pending = register(event)

    text = _text(login(pending.user).get(f"/events/{event.slug}/registration/cancel"))

    assert "The organisers will not review your registration any more." in text
    assert "the organisers would review your registration again" in text


def test_cancel_registration_page_of_an_automatic_event_does_not_mention_moderation(
    full_session, login
):
    event, _, holder, _ = full_session
    text = _text(login(holder.user).get(f"/events/{event.slug}/registration/cancel"))
    assert "review your registration again" not in text


def test_cancel_registration_without_an_active_registration_goes_back(login):
    event = make_open_event()
    registration = make_attendee(event)
    client = login(registration.user)
    client.post(f"/events/{event.slug}/registration/cancel", data={"confirm": "yes"})

    again = client.get(f"/events/{event.slug}/registration/cancel")

    assert again.status_code == 302
    assert again.headers["Location"] == f"/events/{event.slug}/registration"


def test_cancel_registration_full_flow_with_the_page_form(full_session, app_factory):
    event, session, holder, waiter = full_session
    csrf_app = app_factory(WTF_CSRF_ENABLED=True)
    with csrf_app.app_context():
        client = sign_in(csrf_app.test_client(), holder.user)
        mine = client.get(f"/events/{event.slug}/registration").get_data(as_text=True)
        assert f'href="/events/{event.slug}/registration/cancel"' in mine
        assert 'class="button button-danger-secondary"' in mine
        page = client.get(f"/events/{event.slug}/registration/cancel").get_data(as_text=True)

        done = client.post(
            f"/events/{event.slug}/registration/cancel",
            data={"csrf_token": csrf_token_from(page), "confirm": "yes"},
        )
        followed = client.get(done.headers["Location"]).get_data(as_text=True)
        db.session.remove()

    db.session.expire_all()
    assert done.status_code == 302
    assert "Your registration is cancelled and your seats are freed." in followed
    assert db.session.get(Registration, holder.id).status == "cancelled"
    assert statuses(session) == {"cancelled": 1, "confirmed": 1}
    assert db.session.scalar(
        select(Booking.status).where(Booking.registration_id == waiter.id)
    ) == ("confirmed")


@pytest.mark.parametrize("data", [{}, {"confirm": "y"}, {"next": "/events"}])
def test_unbook_post_without_confirmation_changes_nothing(full_session, login, data):
    event, session, holder, _ = full_session
    before = _snapshot()

    response = login(holder.user).post(
        f"/events/{event.slug}/sessions/{session.id}/unbook", data=data
    )

    assert response.status_code == 200
    assert "Cancel your seat in “Export controls clinic”?" in _text(response)
    db.session.expire_all()
    assert _snapshot() == before


def test_unbook_page_of_a_seat_says_it_goes_to_the_waiting_list(full_session, login):
    event, session, holder, _ = full_session

    response = login(holder.user).get(
        f"/events/{event.slug}/sessions/{session.id}/unbook?next=/events/{event.slug}/agenda"
    )
    text = _text(response)
    html = response.get_data(as_text=True)

    assert "Your seat goes at once to the first of the 1 person on the waiting list." in text
    assert "If the session fills up, you may not get a seat back" in text
    assert 'class="button button-danger">Yes, cancel my seat</button>' in html
    assert f'href="/events/{event.slug}/agenda">No, keep my seat</a>' in html
    assert f'<input type="hidden" name="next" value="/events/{event.slug}/agenda">' in html


def test_unbook_page_of_a_waiting_place_gives_the_place_in_line(full_session, login):
    event, session, _, waiter = full_session

    text = _text(login(waiter.user).get(f"/events/{event.slug}/sessions/{session.id}/unbook"))

    assert "Leave the waiting list of “Export controls clinic”?" in text
    assert "(you are number 1)" in text
    assert "you go to the end of the line" in text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_unbook_page_never_links_back_off_site(full_session, login, target):
    event, session, holder, _ = full_session

    html = (
        login(holder.user)
        .get(f"/events/{event.slug}/sessions/{session.id}/unbook", query_string={"next": target})
        .get_data(as_text=True)
    )

    assert "evil" not in html
    assert f'href="/events/{event.slug}/registration">No, keep my seat</a>' in html


def test_unbook_page_without_a_booking_says_so(full_session, login):
    event, _, holder, _ = full_session
    other = make_session(event, title="Other")

    response = login(holder.user).get(f"/events/{event.slug}/sessions/{other.id}/unbook")

    assert response.status_code == 409
    assert "You have not booked this session." in response.get_data(as_text=True)


def test_unbook_full_flow_from_the_session_page(full_session, app_factory):
    event, session, holder, waiter = full_session
    csrf_app = app_factory(WTF_CSRF_ENABLED=True)
    path = f"/events/{event.slug}/sessions/{session.id}"
    with csrf_app.app_context():
        client = sign_in(csrf_app.test_client(), holder.user)
        session_page = client.get(f"{path}/").get_data(as_text=True)
        link = f'href="{path}/unbook?next={path}/"'
        assert link in session_page
        assert "Cancel my seat…" in session_page
        page = client.get(f"{path}/unbook", query_string={"next": f"{path}/"})
        assert page.status_code == 200

        done = client.post(
            f"{path}/unbook",
            data={
                "csrf_token": csrf_token_from(page.get_data(as_text=True)),
                "confirm": "yes",
                "next": f"{path}/",
            },
        )
        db.session.remove()

    assert done.status_code == 303 and done.headers["Location"] == f"{path}/"
    assert db.session.scalar(
        select(Booking.status).where(Booking.registration_id == holder.id)
    ) == ("cancelled")
    assert db.session.scalar(
        select(Booking.status).where(Booking.registration_id == waiter.id)
    ) == ("confirmed")
