"""Every registration POST needs the CSRF token; the token from the page works."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.registration.models import AuditEntry, Booking, Registration
from tests.conftest import csrf_token_from
from tests.factories import (
    PASSWORD,
    make_attendee,
    make_open_event,
    make_session,
    make_staff,
    make_user,
    register,
    sign_in,
)


@pytest.fixture
def csrf_app(app_factory):
    application = app_factory(WTF_CSRF_ENABLED=True)
    with application.app_context():
        yield application
        db.session.remove()


def _client(app, user):
    return sign_in(app.test_client(), user)


def _snapshot():
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Registration, Booking, AuditEntry)
    )


@pytest.mark.parametrize(
    "path",
    [
        "/events/{slug}/register",
        "/events/{slug}/registration/cancel",
        "/events/{slug}/sessions/{session}/book",
        "/events/{slug}/sessions/{session}/unbook",
        "/events/{slug}/manage/registrations/bulk",
        "/events/{slug}/manage/registrations/{registration}/approve",
        "/events/{slug}/manage/registrations/{registration}/reject",
        "/events/{slug}/manage/registrations/promote",
        "/events/{slug}/manage/sessions/{session}/waitlist",
        "/account/delete",
    ],
)
def test_posts_without_a_token_are_refused_and_change_nothing(app, csrf_app, path):
    event = make_open_event(mode="moderated")
    organiser = make_staff(event, "organiser")
    session = make_session(event)
    registration = register(event, organiser)
    before = _snapshot()

    response = _client(csrf_app, organiser).post(
        path.format(slug=event.slug, session=session.id, registration=registration.id),
        data={"ids": [registration.id], "action": "approve", "password": PASSWORD, "confirm": "y"},
    )

    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert _snapshot() == before
    assert db.session.get(Registration, registration.id).status == "pending"


def test_the_register_form_and_my_registration_page_carry_working_tokens(app, csrf_app):
    event = make_open_event()
    session = make_session(event)
    user = make_user()
    client = _client(csrf_app, user)
    form_page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)

    registered = client.post(
        f"/events/{event.slug}/register",
        data={
            "csrf_token": csrf_token_from(form_page),
            "category": "academia",
            "organisation": "Uni",
            "country": "BE",
            "privacy_consent": "y",
        },
    )
    booked = client.post(
        f"/events/{event.slug}/sessions/{session.id}/book",
        data={"csrf_token": csrf_token_from(form_page)},
    )
    mine = client.get(f"/events/{event.slug}/registration").get_data(as_text=True)
    unbooked = client.post(
        f"/events/{event.slug}/sessions/{session.id}/unbook",
        data={"csrf_token": csrf_token_from(mine), "confirm": "yes"},
    )

    assert registered.status_code == 302
    assert booked.status_code == 303 and unbooked.status_code == 303
    assert db.session.scalar(select(Booking.status)) == "cancelled"


def test_reject_reason_too_long_is_refused(app, login):
    event = make_open_event(mode="moderated")
    organiser = make_staff(event, "organiser")
    registration = make_attendee(event)

    response = login(organiser).post(
        f"/events/{event.slug}/manage/registrations/{registration.id}/reject",
        data={"reason": "x" * 2001},
    )

    assert response.status_code == 400
    assert "2,000 characters at most" in response.get_data(as_text=True)
    assert db.session.get(Registration, registration.id).status == "approved"
