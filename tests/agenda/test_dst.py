"""Sessions on the days clocks change in Europe/Brussels: entered and shown as local time,
stored as instants, with the right duration everywhere."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from conference.agenda.models import AgendaSession
from conference.extensions import db
from tests.agenda.frabxml import parse_schedule
from tests.factories import make_event, make_room, make_staff

CASES = [
    # Last Sunday of October: 03:00 CEST becomes 02:00 CET; 01:30-03:30 lasts three hours.
    (
        date(2027, 10, 31),
        datetime(2027, 10, 30, 23, 30, tzinfo=UTC),
        datetime(2027, 10, 31, 2, 30, tzinfo=UTC),
        "03:00",
        ("CEST", "CET"),
    ),
    # Last Sunday of March: 02:00 CET becomes 03:00 CEST; 01:30-03:30 lasts one hour.
    (
        date(2027, 3, 28),
        datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
        datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
        "01:00",
        ("CET", "CEST"),
    ),
]


@pytest.fixture
def organiser_client(login):
    def make(day: date):
        event = make_event("dst-event", start=day, days=1, timezone="Europe/Brussels")
        room = make_room(event, "Night room", 50)
        return event, room, login(make_staff(event, "organiser"))

    return make


@pytest.mark.parametrize(("day", "start_utc", "end_utc", "duration", "zones"), CASES)
def test_session_across_a_clock_change_is_stored_and_shown_right(
    organiser_client, day, start_utc, end_utc, duration, zones
):
    event, room, client = organiser_client(day)

    response = client.post(
        "/events/dst-event/manage/agenda/sessions/new",
        data={
            "title": "Night shift briefing",
            "kind": "talk",
            "day": day.isoformat(),
            "start_time": "01:30",
            "end_time": "03:30",
            "room": room.id,
            "track": "",
            "status": "scheduled",
        },
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    session = db.session.scalar(select(AgendaSession))
    assert (session.starts_at, session.ends_at) == (start_utc, end_utc)
    page = client.get(f"/events/dst-event/sessions/{session.id}/").get_data(as_text=True)
    assert f"01:30 {zones[0]}</time>–<time" in page and f"03:30 {zones[1]}</time>" in page
    assert "Europe/Brussels" in page
    document = json.loads(client.get("/events/dst-event/agenda.json").data)
    exported = document["sessions"][0]
    assert (exported["start"], exported["end"]) == (f"{day}T01:30", f"{day}T03:30")
    assert exported["start_utc"] == start_utc.isoformat().replace("+00:00", "Z")
    schedule = parse_schedule(client.get("/events/dst-event/schedule.xml").data)
    event_node = next(schedule.iter("event"))
    assert event_node.findtext("start") == "01:30"
    assert event_node.findtext("duration") == duration
    assert event_node.findtext("date").startswith(f"{day}T01:30:00+0")
    grid = client.get(f"/events/dst-event/agenda/?day={day}").get_data(as_text=True)
    assert "Night shift briefing" in grid and ">01:30</time>" in grid


def test_a_time_skipped_by_the_spring_change_is_refused_with_a_message(organiser_client):
    event, room, client = organiser_client(date(2027, 3, 28))

    response = client.post(
        "/events/dst-event/manage/agenda/sessions/new",
        data={
            "title": "Ghost session",
            "kind": "talk",
            "day": "2027-03-28",
            "start_time": "02:30",
            "end_time": "04:00",
            "room": room.id,
        },
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "2027-03-28 02:30 does not exist in Europe/Brussels" in page
    assert 'id="start_time-error"' in page
    assert db.session.scalar(select(AgendaSession)) is None


def test_the_repeated_autumn_hour_means_its_first_occurrence(organiser_client):
    event, room, client = organiser_client(date(2027, 10, 31))

    client.post(
        "/events/dst-event/manage/agenda/sessions/new",
        data={
            "title": "Twice-lived hour",
            "kind": "talk",
            "day": "2027-10-31",
            "start_time": "02:15",
            "end_time": "02:45",
            "room": room.id,
        },
    )

    session = db.session.scalar(select(AgendaSession))
    assert session.starts_at == datetime(2027, 10, 31, 0, 15, tzinfo=UTC)  # 02:15 CEST
