"""The organisers' session form: local times in, local times shown, restrictions, permissions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from conference.agenda.models import AgendaSession
from conference.agenda.services import SessionFields, save_session
from conference.errors import PermissionDenied
from conference.extensions import db
from tests.agenda.conftest import at
from tests.factories import (
    make_event,
    make_registration,
    make_room,
    make_session,
    make_speaker,
    make_staff,
    make_track,
)


@pytest.fixture
def warsaw(login):
    event = make_event("waw", start=date(2027, 5, 18), days=2, timezone="Europe/Warsaw")
    room, track = make_room(event, "Sala A", 60), make_track(event, "Borders")
    speaker = make_speaker(event, "Jan Kowalski", country="PL")
    organiser = make_staff(event, "organiser")
    return event, room, track, speaker, organiser, login(organiser)


def test_new_session_is_entered_in_the_event_timezone_with_a_restriction(warsaw):
    event, room, track, speaker, organiser, client = warsaw

    response = client.post(
        "/events/waw/manage/agenda/sessions/new",
        data={
            "title": "Border guards' briefing",
            "kind": "closed_door_briefing",
            "abstract": "For practitioners.",
            "day": "2027-05-19",
            "start_time": "14:00",
            "end_time": "15:30",
            "room": room.id,
            "track": str(track.id),
            "speakers": [str(speaker.id)],
            "capacity": "25",
            "requires_booking": "y",
            "restricted_to": ["practitioner", "member_state_expert"],
            "restricted_visibility": "hidden",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/manage/agenda/?day=2027-05-19")
    session = db.session.scalar(select(AgendaSession))
    assert session.starts_at == datetime(2027, 5, 19, 12, 0, tzinfo=UTC)  # CEST = UTC+2
    assert session.ends_at == datetime(2027, 5, 19, 13, 30, tzinfo=UTC)
    assert session.restricted_to == ["member_state_expert", "practitioner"]
    assert session.restricted_visibility == "hidden"
    assert (session.capacity, session.requires_booking, session.track_id) == (25, True, track.id)
    assert [s.name for s in session.speakers] == ["Jan Kowalski"]


def test_restricted_session_needs_a_visibility(warsaw):
    event, room, track, speaker, organiser, client = warsaw

    response = client.post(
        "/events/waw/manage/agenda/sessions/new",
        data={
            "title": "Restricted",
            "kind": "talk",
            "day": "2027-05-18",
            "start_time": "10:00",
            "end_time": "11:00",
            "room": room.id,
            "restricted_to": ["practitioner"],
            "restricted_visibility": "",
        },
    )

    assert response.status_code == 422
    assert "Choose whether others see the restricted session" in response.get_data(as_text=True)


def test_edit_form_shows_the_stored_session_in_local_time(warsaw):
    event, room, track, speaker, organiser, client = warsaw
    session = make_session(
        event,
        title="Stored",
        room=room,
        starts_at=datetime(2027, 5, 18, 7, 30, tzinfo=UTC),
        minutes=45,
        speakers=[speaker],
        restricted_to=["policy_maker"],
        visibility="listed",
    )

    page = client.get(f"/events/waw/manage/agenda/sessions/{session.id}/edit").get_data(
        as_text=True
    )

    assert 'value="09:30"' in page and 'value="10:15"' in page  # 07:30 UTC is 09:30 in Warsaw
    assert '<option selected value="2027-05-18">' in page
    assert f'<option selected value="{speaker.id}">' in page
    assert (
        'checked id="restricted_to-0" name="restricted_to" type="checkbox" value="policy_maker"'
        in page
    )
    assert "times in Europe/Warsaw" in page
    assert 'for="start_time"' in page and 'for="title"' in page
    assert "Cancel the session" in page


def test_only_organisers_may_save_sessions(warsaw):
    event, room, track, speaker, organiser, client = warsaw
    attendee = make_registration(event, category="academia", verified=True).user
    fields = SessionFields(title="Sneaky", starts_at=at(10), ends_at=at(11), room_id=room.id)

    with pytest.raises(PermissionDenied):
        save_session(event, fields, actor=attendee)


def test_edit_post_missing_track_and_speakers_saves_what_was_posted(warsaw):
    """A crafted POST without the track and speaker fields never falls back to the stored
    relationships (it used to answer 500 trying to read a Track object as a number)."""
    event, room, track, speaker, organiser, client = warsaw
    session = make_session(event, title="Stored", room=room, speakers=[speaker], track_id=track.id)

    response = client.post(
        f"/events/waw/manage/agenda/sessions/{session.id}/edit",
        data={
            "title": "Stored, renamed",
            "kind": "talk",
            "day": "2027-05-18",
            "start_time": "10:00",
            "end_time": "11:00",
            "room": room.id,
            "status": "scheduled",
        },
    )

    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(AgendaSession, session.id)
    assert saved.title == "Stored, renamed"
    assert saved.track_id is None and saved.speakers == []
