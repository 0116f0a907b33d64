"""The organiser's "Cancel the session" asks first, on a page of its own (issue 15)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from conference.agenda.models import AgendaChange, AgendaSession
from conference.extensions import db
from conference.registration import booking as bookings
from tests.conftest import csrf_token_from
from tests.factories import make_attendee, make_open_event, make_session, make_staff, sign_in

pytestmark = pytest.mark.usefixtures("app")


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def booked():
    """A published event; a one-seat session with one seat holder and one person waiting."""
    event = make_open_event(mode="automatic")
    session = make_session(event, title="Dual-use briefing", capacity=1)
    for name in ("Hana Holder", "Walt Waiter"):
        registration = make_attendee(event, name=name)
        bookings.book_session(registration, session, actor=registration.user)
    db.session.commit()
    return event, session, make_staff(event, "organiser")


def _state(session_id: int):
    db.session.expire_all()
    return (
        db.session.get(AgendaSession, session_id).status,
        db.session.scalar(select(func.count()).select_from(AgendaChange)),
    )


@pytest.mark.parametrize("data", [{}, {"confirm": "no"}, {"submit": "Cancel the session"}])
def test_cancel_session_post_without_confirmation_changes_nothing(booked, login, data):
    event, session, organiser = booked
    before = _state(session.id)

    response = login(organiser).post(
        f"/events/{event.slug}/manage/agenda/sessions/{session.id}/cancel", data=data
    )

    assert response.status_code == 200
    assert "Cancel the session “Dual-use briefing”?" in _text(response)
    assert _state(session.id) == before == ("scheduled", before[1])


def test_cancel_session_page_says_who_is_affected(booked, login):
    event, session, organiser = booked

    response = login(organiser).get(
        f"/events/{event.slug}/manage/agenda/sessions/{session.id}/cancel"
    )
    text = _text(response)
    html = response.get_data(as_text=True)

    assert "stays on the agenda and in calendar feeds, marked cancelled" in text
    assert "1 person has a seat and 1 is on its waiting list" in text
    assert 'class="button button-danger">Yes, cancel the session</button>' in html
    edit = f"/events/{event.slug}/manage/agenda/sessions/{session.id}/edit"
    assert f'href="{edit}">No, keep the session</a>' in html


def test_cancel_session_page_of_an_unbooked_session(login):
    event = make_open_event()
    session = make_session(event, title="Quiet one")
    organiser = make_staff(event, "organiser")

    text = _text(
        login(organiser).get(f"/events/{event.slug}/manage/agenda/sessions/{session.id}/cancel")
    )

    assert "Nobody has booked it yet" in text


def test_cancel_session_full_flow_from_the_edit_form(booked, app_factory):
    event, session, organiser = booked
    base = f"/events/{event.slug}/manage/agenda/sessions/{session.id}"
    csrf_app = app_factory(WTF_CSRF_ENABLED=True)
    with csrf_app.app_context():
        client = sign_in(csrf_app.test_client(), organiser)
        edit = client.get(f"{base}/edit").get_data(as_text=True)
        assert f'class="button button-danger-secondary" href="{base}/cancel">' in edit
        page = client.get(f"{base}/cancel").get_data(as_text=True)

        done = client.post(
            f"{base}/cancel", data={"csrf_token": csrf_token_from(page), "confirm": "yes"}
        )
        again = client.get(f"{base}/cancel")
        db.session.remove()

    assert done.status_code == 302
    assert done.headers["Location"].startswith(f"/events/{event.slug}/manage/agenda/?day=")
    assert _state(session.id)[0] == "cancelled"
    assert again.status_code == 302  # already cancelled: nothing left to confirm
