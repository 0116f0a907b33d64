"""The organisers' dashboard: its numbers against the database, the page, the JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from conference.badges import services
from conference.categories import CATEGORY_LABELS
from conference.dashboard import figures
from conference.extensions import db
from conference.registration import booking as bookings
from conference.registration.models import Registration
from tests.badges.helpers import badge_for, scan_at
from tests.factories import make_event, make_session, make_staff

BRUSSELS_DAY = date(2027, 3, 23)


@pytest.fixture
def event(app):
    return make_event(slug="dash-2027", title="Dashboard test", start=BRUSSELS_DAY, days=2)


def _at(hour: int, minute: int, day: date = BRUSSELS_DAY) -> datetime:
    """A Brussels wall-clock time in March 2027 (UTC+1), as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=1)


def test_registrations_per_day_by_state_match_the_database(event):
    made = {
        ("approved", _at(0, 30)): 2,  # 23 March, 00:30 in Brussels: still 22 March in UTC
        ("pending", _at(10, 0)): 1,
        ("waitlisted", _at(12, 0)): 1,
        ("cancelled", _at(12, 0)): 1,  # not drawn
        ("approved", _at(9, 0, date(2027, 3, 24))): 3,
    }
    for (status, created_at), count in made.items():
        for n in range(count):
            registration, _ = badge_for(event, name=f"{status} {created_at} {n}", status=status)
            registration.created_at = created_at
    db.session.commit()

    series = figures.registrations_per_day(event)

    assert series.columns == ["Approved", "Pending approval", "Waiting list"]
    assert series.rows == [("Tue 23 Mar", [2, 1, 1]), ("Wed 24 Mar", [3, 0, 0])]
    active = db.session.scalar(
        select(func.count()).where(
            Registration.event_id == event.id, Registration.status != "cancelled"
        )
    )
    assert sum(series.total(i) for i in range(3)) == active


def test_verification_backlog_counts_unverified_active_registrations(event):
    badge_for(event, name="A", category="practitioner")
    badge_for(event, name="B", category="practitioner", status="pending")
    verified, _ = badge_for(event, name="C", category="practitioner")
    verified.category_verified_at = _at(9, 0)
    badge_for(event, name="D", category="member_state_expert")
    badge_for(event, name="E", category="industry", status="rejected")
    db.session.commit()

    series = figures.verification_backlog(event)

    labels = {c.value: label for c, label in CATEGORY_LABELS.items()}
    assert series.rows == [(labels["practitioner"], [2]), (labels["member_state_expert"], [1])]


def test_arrivals_per_quarter_hour_per_door(event):
    north, _ = services.create_device(event, "North door", actor=None)
    door = make_staff(event, "door_staff", name="Dora Door")
    db.session.commit()
    people = [badge_for(event, name=f"P{i}")[1] for i in range(5)]
    scan_at(event, people[0].token, north, now=_at(8, 59))
    scan_at(event, people[1].token, north, now=_at(9, 1))
    scan_at(event, people[2].token, door, now=_at(9, 14))
    scan_at(event, people[3].token, door, now=_at(9, 46))
    scan_at(event, people[3].token, door, now=_at(9, 46, date(2027, 3, 24)))  # another day
    scan_at(event, "garbage", north, now=_at(9, 2))  # refused: not an arrival

    series = figures.arrivals(event, BRUSSELS_DAY)

    assert series.columns == ["Dora Door", "North door"]
    assert series.rows == [
        ("08:45", [0, 1]),
        ("09:00", [1, 1]),
        ("09:15", [0, 0]),
        ("09:30", [0, 0]),
        ("09:45", [1, 0]),
    ]


def test_room_fill_is_booked_against_checked_in(event):
    door = make_staff(event, "door_staff")
    morning = make_session(event, title="Morning", starts_at=_at(9, 30), capacity=10)
    make_session(event, title="Tomorrow", starts_at=_at(9, 30, date(2027, 3, 24)))
    people = [badge_for(event, name=f"R{i}") for i in range(3)]
    for registration, _ in people[:2]:
        bookings.book_session(registration, morning, actor=None)
    db.session.commit()
    scan_at(event, people[0][1].token, door, morning, now=_at(9, 31))
    scan_at(event, people[0][1].token, door, morning, now=_at(9, 31))  # a repeat
    scan_at(event, people[2][1].token, door, morning, now=_at(9, 32))  # came without booking

    series = figures.room_fill(event, BRUSSELS_DAY)

    assert series.rows == [("09:30 Morning", [2, 2])]


def test_dashboard_day_is_today_during_the_event_else_the_nearest_day(event):
    assert figures.dashboard_day(event, _at(12, 0)) == BRUSSELS_DAY
    assert figures.dashboard_day(event, _at(12, 0) + timedelta(days=1)) == date(2027, 3, 24)
    assert figures.dashboard_day(event, _at(12, 0) - timedelta(days=40)) == BRUSSELS_DAY
    assert figures.dashboard_day(event, _at(12, 0) + timedelta(days=40)) == date(2027, 3, 24)


def test_dashboard_page_draws_each_chart_with_its_table(login, event):
    organiser = make_staff(event, "organiser")
    badge_for(event, name="<script>alert(1)</script>", category="practitioner")

    page = login(organiser).get("/events/dash-2027/manage/dashboard").get_data(as_text=True)

    assert page.count('role="img"') == 2  # registrations and backlog have numbers
    assert '<title id="chart-registrations-title">Registrations per day' in page
    assert '<caption class="visually-hidden">Categories awaiting verification</caption>' in page
    assert "<script>alert(1)</script>" not in page
    assert "/static/js/dashboard.js" in page and "https://" not in page.split("<main")[1]


def test_dashboard_json_has_numbers_and_drawn_charts(login, event):
    organiser = make_staff(event, "organiser")
    badge_for(event, name="Json Person")

    body = login(organiser).get("/api/v1/events/dash-2027/dashboard").get_json()

    charts = {chart["key"]: chart for chart in body["charts"]}
    assert set(charts) == {"registrations", "backlog", "arrivals", "rooms"}
    [row] = charts["registrations"]["rows"]
    assert row["values"] == [1, 0, 0]
    assert (
        "<svg" in charts["registrations"]["html"] and "<table>" in charts["registrations"]["html"]
    )
    assert charts["arrivals"]["rows"] == [] and "Nothing yet." in charts["arrivals"]["html"]


def test_dashboard_is_for_organisers(login, event):
    door = make_staff(event, "door_staff")
    device, token = services.create_device(event, "Door", actor=None)
    db.session.commit()
    client = login(door)

    assert client.get("/events/dash-2027/manage/dashboard").status_code == 403
    assert client.get("/api/v1/events/dash-2027/dashboard").status_code == 403
    as_device = client.get(
        "/api/v1/events/dash-2027/dashboard", headers={"Authorization": f"Bearer {token}"}
    )
    assert as_device.status_code == 403
