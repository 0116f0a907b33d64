"""Organisers manage rooms, tracks and speakers."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from conference.agenda.models import AgendaSession, Room, Speaker, Track
from conference.extensions import db
from tests.agenda.conftest import at
from tests.factories import (
    make_event,
    make_room,
    make_session,
    make_speaker,
    make_staff,
    make_track,
)

BASE = "/events/cat/manage/agenda"
YES = {"confirm": "yes"}  # what the confirmation page sends


@pytest.fixture
def organiser(login):
    event = make_event("cat", start=date(2027, 3, 23), days=1)
    return event, login(make_staff(event, "organiser"))


def test_organiser_adds_edits_and_lists_rooms(organiser):
    event, client = organiser

    added = client.post(f"{BASE}/rooms/", data={"name": "Hall Europa", "capacity": "250"})
    room = db.session.scalar(select(Room))
    edited = client.post(
        f"{BASE}/rooms/{room.id}/edit",
        data={"name": "Hall Europa (ground floor)", "capacity": "240", "position": "2"},
        follow_redirects=True,
    )

    assert added.status_code == 302
    db.session.refresh(room)
    assert (room.name, room.capacity, room.position) == ("Hall Europa (ground floor)", 240, 2)
    assert "Hall Europa (ground floor)" in edited.get_data(as_text=True)
    assert "is saved" in edited.get_data(as_text=True)


def test_room_form_errors_show_next_to_the_field(organiser):
    event, client = organiser

    response = client.post(f"{BASE}/rooms/", data={"name": "", "capacity": "0"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="name-error"' in page and 'id="capacity-error"' in page
    assert db.session.scalar(select(Room)) is None


def test_a_room_in_use_cannot_be_deleted_or_shrunk_below_a_session(organiser):
    event, client = organiser
    room = make_room(event, "Busy room", 100)
    make_session(event, room=room, starts_at=at(10), capacity=80)

    deleted = client.post(f"{BASE}/rooms/{room.id}/delete", data=YES, follow_redirects=True)
    shrunk = client.post(
        f"{BASE}/rooms/{room.id}/edit", data={"name": "Busy room", "capacity": "50"}
    )

    assert "Sessions take place in this room; move them first." in deleted.get_data(as_text=True)
    assert "A session in this room has 80 seats" in shrunk.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Room, room.id).capacity == 100


def test_an_unused_room_is_deleted(organiser):
    event, client = organiser
    room = make_room(event, "Spare room", 10)

    response = client.post(f"{BASE}/rooms/{room.id}/delete", data=YES, follow_redirects=True)

    assert "“Spare room” is deleted" in response.get_data(as_text=True)
    assert db.session.scalar(select(Room)) is None


def test_deleting_a_track_keeps_its_sessions(organiser):
    event, client = organiser
    track = make_track(event, "Dual use")
    session = make_session(event, starts_at=at(10), track_id=track.id)

    client.post(f"{BASE}/tracks/{track.id}/delete", data=YES)

    db.session.expire_all()
    assert db.session.scalar(select(Track)) is None
    assert db.session.get(AgendaSession, session.id).track_id is None


def test_speakers_have_a_name_organisation_country_and_bio(organiser):
    event, client = organiser

    client.post(
        f"{BASE}/speakers/",
        data={
            "name": "Inês Silva",
            "organisation": "University of Coimbra",
            "country": "PT",
            "bio": "Researches research security.",
        },
    )
    listing = client.get(f"{BASE}/speakers/").get_data(as_text=True)

    speaker = db.session.scalar(select(Speaker))
    assert (speaker.name, speaker.organisation, speaker.country, speaker.bio) == (
        "Inês Silva",
        "University of Coimbra",
        "PT",
        "Researches research security.",
    )
    assert "Portugal" in listing


def test_a_speaker_on_a_session_cannot_be_deleted(organiser):
    event, client = organiser
    speaker = make_speaker(event, "Busy Speaker")
    make_session(event, starts_at=at(10), speakers=[speaker])

    response = client.post(f"{BASE}/speakers/{speaker.id}/delete", data=YES, follow_redirects=True)

    assert "take them off those sessions first" in response.get_data(as_text=True)
    assert db.session.scalar(select(Speaker)) is not None


def test_objects_of_another_event_are_not_found(organiser):
    event, client = organiser
    other = make_event("other-event")
    foreign_room = make_room(other, "Foreign room")

    assert client.get(f"{BASE}/rooms/{foreign_room.id}/edit").status_code == 404
    assert client.post(f"{BASE}/rooms/{foreign_room.id}/delete").status_code == 404
    assert client.get(f"{BASE}/unknown-kind/").status_code == 404


def test_organiser_of_one_event_cannot_manage_another(organiser, login):
    event, client = organiser
    make_event("other-event")

    assert client.get("/events/other-event/manage/agenda/rooms/").status_code == 403
    assert (
        client.post(
            "/events/other-event/manage/agenda/rooms/", data={"name": "X", "capacity": "5"}
        ).status_code
        == 403
    )
