"""Object-level access: the staff of another event, at their own event's addresses, reach none
of this event's objects (registrations, sessions, rooms, badges, devices, keys, bookings), and
attendees get only their own registration, badge and data."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from tests.qr import read_qr_codes
from tests.security.world import (
    APPROVED,
    DEVICE_OTHER,
    ORGANISER,
    ORGANISER_OTHER,
    WriteCounter,
    world_with_snapshot,
)


@pytest.fixture
def world(app):
    return world_with_snapshot()[0]


# (method, address under the *other* event, holding an object of *this* event)
FOREIGN = [
    ("GET", "/events/{other}/manage/registrations/{registration}"),
    ("POST", "/events/{other}/manage/registrations/{registration}/approve"),
    ("POST", "/events/{other}/manage/registrations/{registration}/cancel"),
    ("GET", "/events/{other}/manage/sessions/{session}/attendance.csv"),
    ("GET", "/events/{other}/manage/sessions/{session}/waitlist"),
    ("POST", "/events/{other}/manage/sessions/{session}/waitlist"),
    ("GET", "/events/{other}/manage/agenda/sessions/{session}/edit"),
    ("POST", "/events/{other}/manage/agenda/sessions/{session}/cancel"),
    ("GET", "/events/{other}/manage/agenda/rooms/{room}/edit"),
    ("POST", "/events/{other}/manage/agenda/rooms/{room}/delete"),
    ("POST", "/events/{other}/manage/agenda/tracks/{track}/delete"),
    ("GET", "/events/{other}/manage/badges/{badge}.pdf"),
    ("POST", "/events/{other}/manage/badges/{badge}/reissue"),
    ("POST", "/events/{other}/manage/badges/{badge}/revoke"),
    ("POST", "/events/{other}/manage/badges/devices/{device}/revoke"),
    ("POST", "/events/{other}/manage/badges/keys/{key}/revoke"),
    ("GET", "/events/{other}/sessions/{public_session}/"),
    ("POST", "/events/{other}/sessions/{public_session}/book"),
    ("GET", "/events/{other}/speakers/{speaker}/"),
]


@pytest.mark.parametrize(("method", "path"), FOREIGN, ids=[f"{m} {p}" for m, p in FOREIGN])
def test_another_events_organiser_cannot_reach_this_events_objects(app, world, method, path):
    client = world.client_for(app, ORGANISER_OTHER)
    url = path.format(
        other=world.other.slug,
        registration=world.approved.id,
        session=world.restricted_session.id,
        public_session=world.public_session.id,
        room=world.room.id,
        track=world.track.id,
        badge=world.badge.public_id,
        device=world.spare_device_id,
        key=world.key_id,
        speaker=world.speaker.id,
    )

    with WriteCounter() as writes:
        response = client.open(url, method=method)

    assert response.status_code == 404, url
    assert writes.count == 0


def test_promoting_a_booking_of_another_session_is_not_found(app, world):
    from conference.extensions import db
    from conference.registration.models import Booking

    booking = (
        db.session.query(Booking)
        .filter_by(registration_id=world.expert.id, session_id=world.restricted_session.id)
        .one()
    )
    client = world.client_for(app, ORGANISER)

    with WriteCounter() as writes:
        response = client.post(
            f"/events/{world.event.slug}/manage/sessions/{world.public_session.id}/waitlist",
            data={"booking_id": str(booking.id)},  # a booking of the restricted session
        )

    assert response.status_code == 404 and writes.count == 0


def test_another_events_device_learns_nothing_about_this_events_people(app, world):
    client = world.client_for(app, DEVICE_OTHER)
    base = f"/api/v1/events/{world.other.slug}"

    manual = client.post(
        f"{base}/checkins/manual",
        json={"registration": world.approved.id, "checkpoint": "entrance"},
    )
    scan = client.post(
        f"{base}/checkins", json={"code": world.badge.token, "checkpoint": "entrance"}
    )
    search = client.get(f"{base}/attendees?q=Anna")

    assert manual.status_code == 400
    assert manual.get_json()["error"]["name"] == "unknown_registration"
    assert (scan.get_json()["reason"], scan.get_json()["attendee"]) == ("wrong_event", None)
    assert "Ed Expert" not in search.get_data(as_text=True)
    assert [a["registration"] for a in search.get_json()["attendees"]] == [
        world.other_registration.id  # Anna's registration at the other event, not this one
    ]


def test_registrant_exports_hold_only_their_own_events_people(app, world):
    other_csv = world.client_for(app, ORGANISER_OTHER).get(
        f"/events/{world.other.slug}/manage/registrations.csv"
    )
    this_csv = world.client_for(app, ORGANISER).get(
        f"/events/{world.event.slug}/manage/registrations.csv"
    )

    assert "Ed Expert" in this_csv.get_data(as_text=True)
    assert "Ed Expert" not in other_csv.get_data(as_text=True)
    assert "Pia Pending" not in other_csv.get_data(as_text=True)


def test_an_attendee_gets_their_own_badge_and_data_only(app, world):
    client = world.client_for(app, APPROVED)

    png = client.get(f"/events/{world.event.slug}/badge.png")
    export = client.get("/account/data-export")

    [decoded] = read_qr_codes(Image.open(io.BytesIO(png.data)))
    assert decoded.text == world.badge.token
    data = json.dumps(export.get_json())
    assert "Anna Approved" in data
    for stranger in ("Ed Expert", "expert", "pending@example.org", "Pia Pending"):
        assert stranger not in data
