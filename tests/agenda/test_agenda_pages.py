"""The public agenda pages: grid and list by day, filters, session and speaker pages, my agenda."""

from __future__ import annotations

import re
from datetime import date

import pytest
from jinja2 import ChoiceLoader, DictLoader

from conference.extensions import db
from tests.agenda.conftest import at
from tests.factories import (
    make_booking,
    make_event,
    make_registration,
    make_room,
    make_session,
    make_speaker,
    make_staff,
    make_track,
)

BASE = "/events/prog"


@pytest.fixture
def programme(app):
    event = make_event("prog", title="Programme test", start=date(2027, 3, 23), days=2)
    hall, side = make_room(event, "Main hall", 300), make_room(event, "Side room", 40)
    policy, tech = make_track(event, "Policy"), make_track(event, "Technology")
    ana = make_speaker(event, "Ana Árvai", country="HU")
    ana.organisation, ana.bio = "Budapest University", "Works on export control."
    bo = make_speaker(event, "Bo Berg", country="SE")
    db.session.commit()
    sessions = {
        "opening": make_session(
            event,
            title="Opening",
            room=hall,
            starts_at=at(9),
            kind="plenary",
            track_id=policy.id,
            abstract="Welcome.\n\nSecond paragraph.",
            speakers=[ana, bo],
        ),
        "lab": make_session(
            event,
            title="Export control lab",
            room=side,
            starts_at=at(10),
            minutes=90,
            kind="workshop",
            track_id=tech.id,
            speakers=[ana],
            capacity=30,
            requires_booking=True,
        ),
        "day2": make_session(
            event, title="Second day talk", room=hall, starts_at=at(11, day=1), track_id=tech.id
        ),
    }
    return event, hall, side, policy, tech, ana, bo, sessions


def test_grid_shows_rooms_as_columns_and_sessions_spanning_their_times(programme, client):
    page = client.get(f"{BASE}/agenda/").get_data(as_text=True)

    table = page[page.index('<table class="agenda-grid">') : page.index("</table>")]
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table)
    assert headers == ["Time", "Main hall", "Side room"]
    rows = table.split("<tr>")[2:]
    assert [re.search(r"<time[^>]*>([^<]+)</time>", row).group(1) for row in rows] == [
        "09:00",
        "10:00",
    ]
    cells = [re.findall(r'<td[^>]*class="(slot[^"]*)"', row) for row in rows]
    assert cells == [["slot", "slot-empty"], ["slot-empty", "slot"]]
    assert rows[0].index("Opening") and rows[1].index("Export control lab")
    assert "Second day talk" not in table
    assert "All times are in the event's timezone, <strong>Europe/Brussels</strong>" in page
    assert "Tuesday 23 March 2027" in page


def test_grid_of_another_day_and_the_list_of_every_day(programme, client):
    day_two = client.get(f"{BASE}/agenda/?day=2027-03-24").get_data(as_text=True)
    listing = client.get(f"{BASE}/agenda/?view=list").get_data(as_text=True)

    assert "Second day talk" in day_two and "Opening" not in day_two
    assert listing.index("Tuesday 23 March 2027") < listing.index("Opening")
    assert listing.index("Export control lab") < listing.index("Wednesday 24 March 2027")
    assert listing.index("Wednesday 24 March 2027") < listing.index("Second day talk")
    assert "3 sessions." in listing
    item = listing[
        listing.index("Export control lab") - 800 : listing.index("Export control lab") + 600
    ]
    assert "10:00</time>–<time" in item and "11:30</time>" in item and "Side room" in item
    assert "Technology" in item and "Ana Árvai" in item


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("track={tech}", {"Export control lab", "Second day talk"}),
        ("room={side}", {"Export control lab"}),
        ("kind=plenary", {"Opening"}),
        ("q=export", {"Export control lab"}),
        ("q=bo+berg", {"Opening"}),
        ("q=nothing+like+this", set()),
        ("track={tech}&room={hall}", {"Second day talk"}),
    ],
)
def test_filters_narrow_the_list(programme, client, query, expected):
    event, hall, side, policy, tech, *_ = programme
    url = f"{BASE}/agenda/?view=list&" + query.format(tech=tech.id, side=side.id, hall=hall.id)

    page = client.get(url).get_data(as_text=True)

    titles = {"Opening", "Export control lab", "Second day talk"}
    shown = {title for title in titles if f">{title}</a>" in page}
    assert shown == expected
    assert f"{len(expected)} session" in page and "match the filters" in page


def test_session_page_shows_abstract_speakers_and_times_in_the_event_timezone(programme, client):
    *_, sessions = programme

    page = client.get(f"{BASE}/sessions/{sessions['opening'].id}/").get_data(as_text=True)

    assert "<h1>Opening" in page
    assert "<p>Welcome.</p><p>Second paragraph.</p>" in page
    assert page.index("Ana Árvai") < page.index("Bo Berg")  # the programme's order
    assert "Tuesday 23 March 2027, <time" in page and "(Europe/Brussels)" in page
    assert "Main hall" in page and "Policy" in page and "Plenary" in page
    lab = client.get(f"{BASE}/sessions/{sessions['lab'].id}/").get_data(as_text=True)
    assert "30 (book a seat beforehand)" in lab


def test_session_page_includes_the_booking_panel_with_its_context(
    programme, app, login, monkeypatch
):
    event, *_, sessions = programme
    registration = make_registration(event, category="academia")
    panel = (
        "PANEL event={{ event.slug }} session={{ session.id }} registration={{ registration.id }}"
    )
    loader = ChoiceLoader(
        [DictLoader({"registration/_booking_panel.html": panel}), app.jinja_loader]
    )
    # The app is shared by the whole run: put the real templates back afterwards.
    monkeypatch.setattr(app, "jinja_loader", loader)
    monkeypatch.setattr(app.jinja_env, "loader", loader)

    page = login(registration.user).get(f"{BASE}/sessions/{sessions['lab'].id}/")

    expected = f"PANEL event=prog session={sessions['lab'].id} registration={registration.id}"
    assert expected in page.get_data(as_text=True)


def test_speaker_pages_list_their_sessions(programme, client):
    event, hall, side, policy, tech, ana, bo, sessions = programme

    index = client.get(f"{BASE}/speakers/").get_data(as_text=True)
    page = client.get(f"{BASE}/speakers/{ana.id}/").get_data(as_text=True)

    assert index.index("Ana Árvai") < index.index("Bo Berg")
    assert "Hungary" in index and "Budapest University" in index
    assert "<h1>Ana Árvai</h1>" in page and "Works on export control." in page
    assert page.index("Opening") < page.index("Export control lab")
    assert "Second day talk" not in page
    assert client.get(f"/events/prog/speakers/{bo.id + 100}/").status_code == 404


def test_my_agenda_lists_bookings_in_time_order_with_the_waiting_list(programme, login):
    event, hall, side, policy, tech, ana, bo, sessions = programme
    registration = make_registration(event, category="academia")
    make_booking(registration, sessions["day2"])
    make_booking(registration, sessions["lab"], status="waitlisted", waitlist_position=3)
    make_booking(registration, sessions["opening"], status="cancelled")

    page = login(registration.user).get(f"{BASE}/my-agenda").get_data(as_text=True)

    assert "Opening" not in page  # cancelled bookings are not shown
    assert page.index("Export control lab") < page.index("Second day talk")
    lab = page[page.index("Export control lab") : page.index("Second day talk")]
    assert "Waiting list" in lab
    assert "Booked" in page[page.index("Second day talk") :]
    assert "Europe/Brussels" in page


def test_my_agenda_needs_a_login_and_says_when_there_is_no_registration(programme, client, login):
    event, *_ = programme

    anonymous = client.get(f"{BASE}/my-agenda")
    organiser = login(make_staff(event, "organiser")).get(f"{BASE}/my-agenda")

    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    assert "You have not registered for this event" in organiser.get_data(as_text=True)


def test_overlapping_sessions_in_one_room_get_side_by_side_lanes(programme, login):
    event, hall, side, *_ = programme
    make_session(event, title="Double-booked", room=side, starts_at=at(10, 30))
    organiser = login(make_staff(event, "organiser"))

    page = organiser.get(f"{BASE}/manage/agenda/?day=2027-03-23").get_data(as_text=True)

    assert '<th scope="col" colspan="2">Side room</th>' in page
    assert "Room double-booked with “Export control lab”" in page


def test_agenda_pages_are_never_cached_for_someone_else(programme, client, login):
    event, *_ = programme

    anonymous = client.get(f"{BASE}/agenda.json")
    organiser = login(make_staff(event, "organiser")).get(f"{BASE}/agenda.json")

    assert "Cookie" in anonymous.headers["Vary"]
    assert "private" in organiser.headers["Cache-Control"]


def test_event_page_links_to_the_agenda(programme, client):
    page = client.get(f"{BASE}/").get_data(as_text=True)

    assert f'href="{BASE}/agenda/"' in page and f'href="{BASE}/speakers/"' in page
