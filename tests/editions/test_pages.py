"""The clone page, the series pages, previous and next editions, and the editions CLI."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from conference.agenda.models import AgendaSession, Room
from conference.editions.series import create_series
from conference.events.models import Event, StaffRole
from conference.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import make_event, make_room, make_session, make_staff, make_user, sign_in


@pytest.fixture
def flagship(app):
    series = create_series(
        "flagship", "European Flagship Conference on Research Security", actor=None
    )
    editions = {}
    for year, published in ((2023, True), (2025, True), (2027, True), (2029, False)):
        editions[year] = make_event(
            f"flagship-{year}",
            title=f"Flagship {year}",
            start=date(year, 3, 9),
            days=2,
            series_id=series.id,
            published=published,
        )
    # On the second day, so that a one-day clone leaves it outside.
    make_session(
        editions[2027], title="Opening 2027", starts_at=datetime(2027, 3, 10, 9, tzinfo=UTC)
    )
    organiser = make_staff(editions[2027], StaffRole.ORGANISER.value)
    db.session.commit()
    return series, editions, organiser


def _events() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


def test_series_page_lists_past_editions_with_their_programmes(flagship, client):
    html = client.get("/series/flagship/").get_data(as_text=True)
    assert "European Flagship Conference on Research Security" in html
    past = html.split('id="past-heading"')[1]
    # Newest past edition first, each with its public programme; the draft 2029 is not shown.
    assert past.index("Flagship 2025") < past.index("Flagship 2023")
    assert 'href="/events/flagship-2025/agenda/"' in past
    assert "Flagship 2029" not in html
    assert client.get("/series/nothing-here/").status_code == 404


def test_event_page_links_the_previous_and_next_visible_edition(flagship, client, login):
    _series, editions, organiser = flagship
    html = client.get("/events/flagship-2025/").get_data(as_text=True)
    assert re.search(r'rel="prev" href="/events/flagship-2023/"', html)
    assert re.search(r'rel="next" href="/events/flagship-2027/"', html)
    assert "Past edition" in html
    newest = client.get("/events/flagship-2027/").get_data(as_text=True)
    assert 'rel="next"' not in newest  # 2029 is a draft: the public does not see it
    staff_view = login(make_user(admin=True)).get("/events/flagship-2027/").get_data(as_text=True)
    assert 'rel="next" href="/events/flagship-2029/"' in staff_view
    first = client.get("/events/flagship-2023/").get_data(as_text=True)
    assert 'rel="prev"' not in first


def test_home_page_groups_events_by_series(flagship, client):
    make_event("loose-2027", title="A standalone workshop", start=date(2027, 4, 1))
    html = client.get("/").get_data(as_text=True)
    series_part, other_part = html.split('id="thematic-heading"')
    assert 'href="/series/flagship/"' in series_part
    assert "Flagship 2025" in series_part and "A standalone workshop" in other_part
    assert "Other thematic events" in other_part
    assert 'id="flagship-heading"' not in html  # every flagship edition is in its series


def _clone_form(**overrides) -> dict:
    form = {
        "slug": "flagship-2031",
        "start_date": "2031-03-11",
        "copy_settings": "y",
        "copy_rooms": "y",
        "copy_tracks": "y",
        "copy_speakers": "y",
        "copy_sessions": "y",
        "submit": "Create the new edition",
    }
    return form | overrides


def test_clone_page_creates_a_draft_and_summarises_what_was_copied(flagship, login):
    _series, editions, organiser = flagship
    client = login(organiser)
    page = client.get("/events/flagship-2027/manage/clone")
    assert page.status_code == 200
    assert 'name="copy_sessions"' in page.get_data(as_text=True)

    response = client.post("/events/flagship-2027/manage/clone", data=_clone_form(copy_rooms=""))
    assert response.status_code == 302
    summary = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "“Flagship 2031” is ready as a draft" in summary
    assert "Agenda skeleton (sessions, moved to the new dates): <strong>1</strong>" in summary
    assert "Rooms: not copied" in summary
    assert "Never copied" in summary and "calendar feed tokens" in summary
    new = db.session.scalar(select(Event).where(Event.slug == "flagship-2031"))
    assert (new.is_published, new.series_id, new.cloned_from_id) == (
        False,
        editions[2027].series_id,
        editions[2027].id,
    )
    session = db.session.scalar(select(AgendaSession).where(AgendaSession.event_id == new.id))
    assert session.room_id is None
    assert session.starts_at.date() == date(2031, 3, 12)  # day 2 stays day 2
    # The organiser who cloned runs the new draft.
    assert client.get("/events/flagship-2031/manage/").status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"slug": "flagship-2025"}, "slug", "Another event already uses this short name."),
        ({"end_date": "2031-03-10"}, "end_date", "The event cannot end before it starts."),
        (
            {"end_date": "2031-03-11"},
            "start_date",
            "would fall outside the new event",
        ),
        ({"start_date": "not a date"}, "start_date", "Not a valid date value."),
    ],
)
def test_clone_page_shows_errors_next_to_the_field_and_creates_nothing(
    flagship, login, data, field, message
):
    _series, _editions, organiser = flagship
    before = (_events(), db.session.scalar(select(func.count()).select_from(AgendaSession)))
    response = login(organiser).post("/events/flagship-2027/manage/clone", data=_clone_form(**data))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    assert (_events(), db.session.scalar(select(func.count()).select_from(AgendaSession))) == before


def test_clone_page_needs_the_csrf_token(app, app_factory):
    csrf_app = app_factory(WTF_CSRF_ENABLED=True)
    with csrf_app.app_context():
        event = make_event("csrf-2027", start=date(2027, 5, 4))
        organiser = make_staff(event, StaffRole.ORGANISER.value)
        client = sign_in(csrf_app.test_client(), organiser)
        url = "/events/csrf-2027/manage/clone"
        refused = client.post(url, data=_clone_form(slug="csrf-2029", start_date="2029-05-08"))
        assert refused.status_code == 400 and _events() == 1
        token = csrf_token_from(client.get(url).get_data(as_text=True))
        done = client.post(
            url, data=_clone_form(slug="csrf-2029", start_date="2029-05-08", csrf_token=token)
        )
        assert done.status_code == 302 and _events() == 2
        db.session.remove()


def test_clone_event_command(flagship, runner):
    _series, editions, _organiser = flagship
    make_room(editions[2027], "Spare room")
    result = runner.invoke(
        args=["clone-event", "flagship-2027", "--slug", "flagship-2033", "--start", "2033-03-08"]
        + ["--skip", "speakers"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "flagship-2033"
    assert "2 rooms, 0 tracks, 1 sessions" in result.stderr
    new = db.session.scalar(select(Event).where(Event.slug == "flagship-2033"))
    assert (
        db.session.scalar(select(func.count()).select_from(Room).where(Room.event_id == new.id))
        == 2
    )

    taken = runner.invoke(
        args=["clone-event", "flagship-2027", "--slug", "flagship-2025", "--start", "2033-03-08"]
    )
    assert taken.exit_code == 1
    assert "Another event already uses this short name. Nothing was created." in taken.stderr
    assert (
        runner.invoke(
            args=["clone-event", "nope", "--slug", "x", "--start", "2033-03-08"]
        ).exit_code
        == 1
    )


def test_create_series_command_puts_events_in_it(app, runner):
    make_event("ceris-border-2027", start=date(2027, 5, 18))
    result = runner.invoke(
        args=["create-series", "ceris-thematic", "--title", "CERIS thematic events"]
        + ["--event", "ceris-border-2027"]
    )
    assert result.exit_code == 0, result.output
    event = db.session.scalar(select(Event).where(Event.slug == "ceris-border-2027"))
    assert event.series.title == "CERIS thematic events"
    missing = runner.invoke(
        args=["create-series", "ceris-thematic", "--title", "x", "--event", "no"]
    )
    assert missing.exit_code == 1


def test_event_settings_choose_the_series_and_the_retention(flagship, login):
    _series, editions, organiser = flagship
    other = create_series("other", "Other series", actor=None)
    db.session.commit()
    client = login(organiser)
    page = client.get("/events/flagship-2027/manage/").get_data(as_text=True)
    assert "Keep personal data for" in page and "from 2028-03-11" in page
    event = editions[2027]
    form = {
        "title": event.title,
        "slug": event.slug,
        "kind": event.kind,
        "timezone": event.timezone,
        "start_date": "2027-03-09",
        "end_date": "2027-03-10",
        "registration_mode": event.registration_mode,
        "privacy_notice_version": "1",
        "series_id": str(other.id),
        "retention_months": "6",
        "submit": "Save event",
    }
    assert client.post("/events/flagship-2027/manage/", data=form).status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert (event.series_id, event.retention_months) == (other.id, 6)
    bad = client.post("/events/flagship-2027/manage/", data=form | {"retention_months": "0"})
    assert bad.status_code == 422
    wrong = client.post("/events/flagship-2027/manage/", data=form | {"series_id": "999"})
    assert "Choose a series from the list." in wrong.get_data(as_text=True)


def test_past_edition_is_marked_in_its_feed_and_json(app, client):
    """A finished event keeps its exports and feeds, and they say it is a past edition."""
    past = make_event("finished-2025", title="Finished 2025", start=date(2025, 3, 25), days=2)
    upcoming = make_event("coming-2031", title="Coming 2031", start=date(2031, 3, 25), days=2)
    db.session.commit()

    past_feed = client.get(f"/events/{past.slug}/calendar.ics").get_data(as_text=True)
    upcoming_feed = client.get(f"/events/{upcoming.slug}/calendar.ics").get_data(as_text=True)
    assert "X-WR-CALDESC:Past edition. Programme of Finished 2025" in past_feed
    assert "Past edition" not in upcoming_feed
    assert client.get(f"/events/{past.slug}/agenda.json").get_json()["event"]["past"] is True
    assert client.get(f"/events/{upcoming.slug}/agenda.json").get_json()["event"]["past"] is False
