"""The agenda for one viewer: seat states, the time-zone switch, feeds to subscribe, PDFs.

Seat states (booked, waiting with the place, full, seats left) are filled into the page
on every request and never stored in the anonymous page cache; times may be shown in a
zone the viewer chose, with the event's timezone always named.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conference.extensions import db
from conference.registration.booking import book_session
from tests.agenda.pdftext import pdf_text
from tests.factories import make_attendee, make_open_event, make_room, make_session, make_track

LISBON = "Europe/Lisbon"


@pytest.fixture
def agenda(app):
    event = make_open_event("viewer-2027", title="Viewer test event")
    small = make_room(event, "Small room", capacity=1)
    hall = make_room(event, "Hall", capacity=40)
    track = make_track(event, "Policy track")
    day = datetime.combine(event.start_date, datetime.min.time(), UTC)
    sessions = {
        "tiny": make_session(
            event, title="Tiny workshop", room=small, starts_at=day.replace(hour=8)
        ),
        "plenary": make_session(
            event,
            title="Opening plenary",
            room=hall,
            starts_at=day.replace(hour=10),
            track_id=track.id,
        ),
        # Its own capacity wins over the room's (the capacity rule).
        "panel": make_session(
            event, title="Capped panel", room=hall, starts_at=day.replace(hour=12), capacity=3
        ),
        "restricted": make_session(
            event,
            title="Experts only ZORK",
            room=hall,
            starts_at=day.replace(hour=14),
            restricted_to=["member_state_expert"],
        ),
    }
    people = {name: make_attendee(event, name=name) for name in ("Ana", "Ben", "Cleo")}
    return event, sessions, people, track


def _book(registration, session):
    book_session(registration, session, actor=registration.user)
    db.session.commit()


def _tags(page: str) -> list[str]:
    return re.findall(r'class="tag tag-seat tag-seat-\w+">([^<]+)<', page)


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_agenda_marks_booked_waiting_full_and_seats_left_in_grid_and_list(agenda, login, app):
    event, sessions, people, _ = agenda
    _book(people["Ana"], sessions["tiny"])
    _book(people["Ben"], sessions["tiny"])  # the one seat is taken: Ben waits, first in line
    _book(people["Cleo"], sessions["tiny"])
    _book(people["Ana"], sessions["panel"])
    base = f"/events/{event.slug}/agenda/?day={event.start_date}"

    for view in ("grid", "list"):
        cleo = _page(login(people["Cleo"].user), f"{base}&view={view}")
        ben = _page(login(people["Ben"].user), f"{base}&view={view}")
        ana = _page(login(people["Ana"].user), f"{base}&view={view}")
        # In time order: tiny, plenary (the room's 40 seats), panel (its own 3).
        assert _tags(cleo) == ["Waiting list: number 2", "40 seats left", "2 seats left"], view
        assert _tags(ben) == ["Waiting list: number 1", "40 seats left", "2 seats left"], view
        assert _tags(ana) == ["Booked", "40 seats left", "Booked"], view
        # The restricted session is a closed block for them: no seat state at all.
        assert "Closed session" in ana and "Experts only ZORK" not in ana

    anonymous = _page(app.test_client(), f"{base}&view=list")
    assert _tags(anonymous) == ["Full", "40 seats left", "2 seats left"]


def test_seat_states_never_enter_the_anonymous_page_cache(agenda, login, app):
    event, sessions, people, _ = agenda
    url = f"/events/{event.slug}/agenda/?view=list"
    _book(people["Ana"], sessions["panel"])
    ana = login(people["Ana"].user)
    assert "Booked" in _tags(_page(ana, url))

    visitor = app.test_client(use_cookies=False)
    first = _page(visitor, url)
    cache = app.extensions["public_page_cache"]
    builds = cache.builds
    assert "Booked" not in first and "2 seats left" in _tags(first)
    assert "<!--seat:" not in first

    # Another booking: the cached page is served again, with the new count filled in.
    _book(people["Ben"], sessions["panel"])
    second = _page(visitor, url)
    assert cache.builds == builds, "the anonymous page came from the cache"
    assert "1 seat left" in _tags(second) and "Booked" not in second
    stored = [page.body for page in (entry[0] for entry in cache._entries.values())]
    assert stored and all(b"seat left" not in body and b"Booked" not in body for body in stored)
    assert any(b"<!--seat:" in body for body in stored)


def test_times_in_the_viewers_zone_are_kept_and_the_event_zone_is_always_named(agenda, app):
    event, sessions, _, _ = agenda
    plenary = sessions["plenary"]
    brussels = plenary.starts_at.astimezone(ZoneInfo("Europe/Brussels")).strftime("%H:%M")
    lisbon = plenary.starts_at.astimezone(ZoneInfo(LISBON)).strftime("%H:%M")
    assert brussels != lisbon
    client = app.test_client()
    base = f"/events/{event.slug}"

    default = _page(client, f"{base}/agenda/?view=list")
    assert f">{brussels}</time>–" in default and "All times are in the event's timezone" in default

    chosen = _page(client, f"{base}/agenda/?view=list&tz={LISBON}")
    assert f">{lisbon}</time>–" in chosen and f">{brussels}</time>–" not in chosen
    assert "Times are shown in <strong>Europe/Lisbon</strong>" in chosen
    assert "The event's timezone is <strong>Europe/Brussels</strong>" in chosen
    grid = _page(client, f"{base}/agenda/?view=grid")
    assert f"by room and time ({LISBON})" in grid and f">{lisbon}</time>–" in grid
    # Kept in the session: the next pages show the same zone without asking again.
    again = _page(client, f"{base}/agenda/?view=list")
    assert f">{lisbon}</time>–" in again
    session_page = _page(client, f"{base}/sessions/{plenary.id}/")
    assert f"({LISBON})" in session_page and "In the event's timezone:" in session_page
    assert f"{brussels}–" in session_page
    # Another visitor (the anonymous page cache) still gets the event's timezone.
    assert f">{brussels}</time>–" in _page(app.test_client(), f"{base}/agenda/?view=list")

    # An unknown zone is ignored; "event" goes back to the event's timezone.
    assert f">{lisbon}</time>–" in _page(client, f"{base}/agenda/?view=list&tz=Mars/Olympus")
    back = _page(client, f"{base}/agenda/?view=list&tz=event")
    assert f">{brussels}</time>–" in back and "All times are in the event's timezone" in back
    assert f">{brussels}</time>–" in _page(client, f"{base}/agenda/?view=list")


def test_time_zone_form_lists_common_zones_and_works_without_javascript(agenda, app):
    event, _, _, _ = agenda
    page = _page(app.test_client(), f"/events/{event.slug}/agenda/?view=list&track=1")
    start = page.index('class="tz-switch"')
    form = page[start : page.index("</form>", start)]
    assert 'name="tz"' in form and 'value="event" selected' in form
    assert f'<option value="{LISBON}">' in form and '<option value="UTC">' in form
    # The filters are kept when switching zones.
    assert '<input type="hidden" name="view" value="list">' in form
    assert '<input type="hidden" name="track" value="1">' in form


def test_agenda_and_event_page_offer_the_events_feeds(agenda, app):
    event, _, _, track = agenda
    client = app.test_client()
    base = f"/events/{event.slug}"
    page = _page(client, f"{base}/agenda/?view=list&track={track.id}")
    assert "Subscribe in your calendar" in page
    assert re.search(rf'href="webcal://[^/"]+{base}/calendar.ics"', page)
    assert re.search(rf'href="https?://[^/"]+{base}/calendar.ics"', page)
    feeds = page[page.index('id="subscribe"') :]
    # The track the page is narrowed to comes first.
    assert feeds.index(f"/tracks/{track.id}/calendar.ics") < feeds.index(f"{base}/calendar.ics")
    for app_name in ("Outlook", "Google", "Apple", "Thunderbird"):
        assert app_name in feeds
    # Every address offered answers to a calendar app, which has no login.
    paths = set(re.findall(r'href="https?://[^/"]+(/[^"]+\.ics)"', feeds))
    assert len(paths) >= 4  # the event, a track, two rooms
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert "Experts only" not in feeds

    event_page = _page(client, f"{base}/")
    assert re.search(rf'href="webcal://[^/"]+{base}/calendar.ics"', event_page)
    assert "How to subscribe" in event_page and f"{base}/agenda.pdf" in event_page


def test_narrow_screens_get_the_list_by_default_and_folded_filters(agenda, app):
    event, _, _, _ = agenda
    client = app.test_client()
    auto = _page(client, f"/events/{event.slug}/agenda/")
    assert 'class="agenda-grid-view auto-wide"' in auto
    assert 'class="agenda-list-view auto-narrow"' in auto
    assert '<details class="filters-fold" open>' in auto
    grid = _page(client, f"/events/{event.slug}/agenda/?view=grid")
    assert 'class="agenda-grid-view"' in grid and "agenda-list-view" not in grid


def test_programme_pdf_prints_the_visible_rows_in_the_chosen_zone(agenda, app):
    event, sessions, _, _ = agenda
    sessions["plenary"].title = "Σύνοδος Ολομέλειας — пленарное заседание, café"
    db.session.commit()
    client = app.test_client()
    response = client.get(f"/events/{event.slug}/agenda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Viewer test event" in text and "Tiny workshop" in text and "Hall" in text
    assert "Σύνοδος Ολομέλειας" in text and "пленарное заседание" in text and "café" in text
    assert "Closed session" in text and "Experts only ZORK" not in text
    assert "All times are in the event's timezone, Europe/Brussels." in text
    brussels = sessions["tiny"].starts_at.astimezone(ZoneInfo("Europe/Brussels"))
    assert f"{brussels:%H:%M}–" in text
    # Built again, the same bytes: caches and ETags can rely on them.
    app.extensions["public_page_cache"].clear()
    assert client.get(f"/events/{event.slug}/agenda.pdf").data == response.data

    lisbon_text = pdf_text(client.get(f"/events/{event.slug}/agenda.pdf?tz={LISBON}").data)
    lisbon = sessions["tiny"].starts_at.astimezone(ZoneInfo(LISBON))
    assert f"{lisbon:%H:%M}–" in lisbon_text
    assert (
        "Times are shown in Europe/Lisbon. The event's timezone is Europe/Brussels." in lisbon_text
    )


def test_my_agenda_pdf_lists_only_the_registrants_sessions_with_their_state(agenda, login):
    event, sessions, people, _ = agenda
    _book(people["Ana"], sessions["tiny"])
    _book(people["Ben"], sessions["tiny"])
    _book(people["Ben"], sessions["panel"])
    client = login(people["Ben"].user)

    response = client.get(f"/events/{event.slug}/my-agenda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "private" in response.headers["Cache-Control"]
    text = pdf_text(response.data)
    assert "My agenda · Viewer test event" in text and "Ben" in text
    assert "Tiny workshop" in text and "Waiting list: number 1" in text
    assert "Capped panel" in text and "Booked" in text
    assert "Opening plenary" not in text and "Closed session" not in text

    page = _page(client, f"/events/{event.slug}/my-agenda?tz={LISBON}")
    lisbon = sessions["panel"].starts_at.astimezone(ZoneInfo(LISBON))
    assert f"{lisbon:%H:%M}</time>–" in page and "Europe/Brussels" in page
    assert f"/events/{event.slug}/my-agenda.pdf" in page

    nobody = login(people["Cleo"].user)
    empty = pdf_text(nobody.get(f"/events/{event.slug}/my-agenda.pdf").data)
    assert "You have not booked any session yet." in empty


def test_started_and_cancelled_sessions_show_no_seats_left(agenda, app):
    event, sessions, _, _ = agenda
    from conference.registration.seat_status import seat_statuses

    statuses = seat_statuses(event, None, sessions["panel"].starts_at + timedelta(minutes=1))
    assert sessions["tiny"].id not in statuses and sessions["panel"].id not in statuses
    assert statuses[sessions["restricted"].id].seats_left == 40
