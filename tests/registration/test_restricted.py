"""Restricted sessions: the category × verified × restricted-or-open matrix, and the booking panel."""

from __future__ import annotations

import re

import pytest
from flask import g, render_template_string
from flask_login import login_user

from conference import permissions
from conference.agenda.services import cancel_session
from conference.categories import StakeholderCategory
from conference.errors import BookingForbidden
from conference.extensions import db
from conference.registration import booking as bookings
from conference.registration.panel import booking_panel
from tests.factories import make_attendee, make_open_event, make_session, make_user, register

pytestmark = pytest.mark.usefixtures("app")

CATEGORIES = [c.value for c in StakeholderCategory]
SESSION_KINDS = {
    "open": [],
    "experts only": ["member_state_expert"],
    "practitioners and experts": ["practitioner", "member_state_expert"],
}


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("verified", [True, False], ids=["verified", "unverified"])
@pytest.mark.parametrize("kind", list(SESSION_KINDS))
def test_restricted_session_matrix(login, category, verified, kind):
    event = make_open_event()
    restricted_to = SESSION_KINDS[kind]
    session = make_session(event, restricted_to=restricted_to, visibility="listed")
    registration = make_attendee(event, category=category, verified=verified)
    admitted = not restricted_to or (verified and category in restricted_to)

    response = login(registration.user).post(f"/events/{event.slug}/sessions/{session.id}/book")

    booking = bookings.get_booking(registration, session)
    if admitted:
        assert response.status_code == 303
        assert booking is not None and booking.status == "confirmed"
        return
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert booking is None
    assert "Open to verified" in page
    if restricted_to == ["member_state_expert"]:
        assert "Open to verified Member State experts." in page
    else:
        assert "Open to verified practitioners and Member State experts." in page
    if category in restricted_to:  # claimed but not verified yet
        assert "is awaiting verification by the organisers" in page
    else:
        assert "awaiting verification" not in page
    assert session.title not in page


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "unverified"])
def test_hidden_restricted_session_is_404_unless_admitted(login, verified):
    event = make_open_event()
    session = make_session(event, restricted_to=["member_state_expert"], visibility="hidden")
    registration = make_attendee(event, category="member_state_expert", verified=verified)

    response = login(registration.user).post(f"/events/{event.slug}/sessions/{session.id}/book")

    assert response.status_code == (303 if verified else 404)


def test_the_service_refuses_unverified_experts_whoever_calls_it():
    event = make_open_event()
    session = make_session(event, restricted_to=["member_state_expert"])
    registration = make_attendee(event, category="member_state_expert", verified=False)

    with pytest.raises(BookingForbidden) as refused:
        bookings.book_session(registration, session, actor=None)

    assert refused.value.code == "verification_pending"
    assert refused.value.status_code == 403


def _panel(app, user, event, session) -> str:
    with app.test_request_context(f"/events/{event.slug}/sessions/{session.id}/"):
        g.pop("_login_user", None)
        if user is not None:
            login_user(user)
        registration = permissions.registration_for(user, event) if user else None
        html = render_template_string(
            '{% include "registration/_booking_panel.html" %}',
            event=event,
            session=session,
            registration=registration,
            # What the session page's view composes for the partial.
            panel=booking_panel(user, event, session, registration),
        )
        g.pop("_login_user", None)
        return html


def test_panel_for_visitors_and_unregistered_people(app):
    event = make_open_event()
    session = make_session(event)

    anonymous = _panel(app, None, event, session)
    unregistered = _panel(app, make_user(), event, session)

    assert "Log in to book this session." in anonymous and "/account/login?next=" in anonymous
    assert "Register for the event before booking sessions." in unregistered
    assert f'href="/events/{event.slug}/register">Register for the event</a>' in unregistered
    assert "Book a seat" not in unregistered


def test_panel_says_registration_is_pending(app):
    event = make_open_event(mode="moderated")
    session = make_session(event)
    registration = register(event)

    html = _panel(app, registration.user, event, session)

    assert "awaiting approval by the organisers" in html
    assert "Book a seat" not in html


def test_panel_explains_restriction_and_pending_verification(app):
    event = make_open_event()
    session = make_session(event, restricted_to=["member_state_expert"], title="Threat briefing")
    claimed = make_attendee(event, category="member_state_expert", verified=False)
    other = make_attendee(event, category="academia", verified=True)

    claimed_html = _panel(app, claimed.user, event, session)
    other_html = _panel(app, other.user, event, session)

    assert "Open to verified Member State experts." in claimed_html
    assert "Your category (Member State expert) is awaiting verification" in claimed_html
    assert "Open to verified Member State experts." in other_html
    assert "awaiting verification" not in other_html
    for html in (claimed_html, other_html):
        assert "Book a seat" not in html and "seats left" not in html
        assert "Threat briefing" not in html


def test_panel_offers_booking_waiting_list_and_unbooking(app):
    event = make_open_event()
    session = make_session(event, capacity=1)
    holder, waiting, newcomer = (make_attendee(event) for _ in range(3))

    before = _panel(app, holder.user, event, session)
    bookings.book_session(holder, session, actor=None)
    bookings.book_session(waiting, session, actor=None)
    db.session.commit()

    assert "1 seat left." in before and "Book a seat" in before
    action = re.search(r'action="([^"]+)"', before).group(1)
    assert action == f"/events/{event.slug}/sessions/{session.id}/book"
    assert 'name="csrf_token"' in before
    holder_html = _panel(app, holder.user, event, session)
    assert "You have a seat" in holder_html and "Cancel my seat" in holder_html
    assert f"/events/{event.slug}/sessions/{session.id}/unbook" in holder_html
    waiting_html = _panel(app, waiting.user, event, session)
    assert "You are number 1 on its waiting list" in waiting_html
    assert "Leave the waiting list" in waiting_html
    newcomer_html = _panel(app, newcomer.user, event, session)
    assert "The session is full" in newcomer_html and "Join the waiting list" in newcomer_html


def test_panel_for_a_cancelled_session(app):
    event = make_open_event()
    session = make_session(event)
    cancel_session(session)
    db.session.commit()
    registration = make_attendee(event)

    html = _panel(app, registration.user, event, session)

    assert "This session is cancelled." in html and "Book a seat" not in html


def test_panel_when_registration_is_closed(app):
    from datetime import timedelta

    from conference.db_types import utcnow

    event = make_open_event()
    session = make_session(event)
    event.registration_closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()

    html = _panel(app, make_user(), event, session)

    assert "Registration for this event is closed." in html
    assert "Register for the event</a>" not in html
