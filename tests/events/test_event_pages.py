from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from conference.events.models import Event
from conference.extensions import db
from tests.factories import make_event, make_user


def test_home_lists_published_events_upcoming_first(client):
    today = date.today()
    make_event("past-one", title="Past event", start=today - timedelta(days=60))
    make_event("later-one", title="Later event", start=today + timedelta(days=90))
    make_event("soon-one", title="Soon event", start=today + timedelta(days=10))
    make_event("flag", title="Flagship event", kind="flagship", start=today + timedelta(days=200))
    make_event("draft-one", title="Secret draft", published=False)

    page = client.get("/").get_data(as_text=True)

    assert "Secret draft" not in page
    assert page.index("Soon event") < page.index("Later event") < page.index("Past event")
    assert (
        page.index("Flagship conference")
        < page.index("Flagship event")
        < page.index("Thematic events")
    )


def test_event_page_shows_details_in_event_timezone(client):
    make_event(
        "ceris-x",
        title="CERIS X",
        venue="Warsaw",
        timezone="Europe/Warsaw",
        description="About <b>X</b>",
    )

    page = client.get("/events/ceris-x/").get_data(as_text=True)

    assert "CERIS X" in page and "Warsaw" in page and "Europe/Warsaw" in page
    assert "About &lt;b&gt;X&lt;/b&gt;" in page  # autoescaped


def test_unknown_event_is_404_page(client):
    response = client.get("/events/nope/")

    assert response.status_code == 404
    assert "could not find" in response.get_data(as_text=True)


def test_admin_creates_event_as_draft(client, login):
    admin = make_user(admin=True)
    client = login(admin)

    response = client.post(
        "/admin/events/new",
        data={
            "title": "CERIS: Crisis management",
            "slug": "ceris-crisis-2027",
            "kind": "thematic",
            "timezone": "Europe/Lisbon",
            "start_date": "2027-06-01",
            "end_date": "2027-06-02",
            "registration_opens_at": "2027-01-10T09:00",
            "registration_closes_at": "2027-05-20T18:00",
            "registration_mode": "moderated",
            "privacy_notice_version": "1",
        },
    )

    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.slug == "ceris-crisis-2027"))
    assert event.is_published is False
    # 09:00 in Lisbon in January is 09:00 UTC; 18:00 in May (summer time) is 17:00 UTC.
    assert event.registration_opens_at.isoformat() == "2027-01-10T09:00:00+00:00"
    assert event.registration_closes_at.isoformat() == "2027-05-20T17:00:00+00:00"


def test_create_event_errors_show_next_to_their_fields(client, login):
    make_event("taken")
    client = login(make_user(admin=True))

    response = client.post(
        "/admin/events/new",
        data={
            "title": "T",
            "slug": "taken",
            "kind": "thematic",
            "timezone": "Europe/Brussels",
            "start_date": "2027-06-02",
            "end_date": "2027-06-01",
            "registration_mode": "moderated",
            "privacy_notice_version": "1",
        },
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="slug-error"' in page and "already uses this short name" in page
    assert db.session.scalar(select(Event).where(Event.title == "T")) is None


def test_end_before_start_is_refused(client, login):
    client = login(make_user(admin=True))

    response = client.post(
        "/admin/events/new",
        data={
            "title": "T",
            "slug": "fine-slug",
            "kind": "thematic",
            "timezone": "Europe/Brussels",
            "start_date": "2027-06-02",
            "end_date": "2027-06-01",
            "registration_mode": "moderated",
            "privacy_notice_version": "1",
        },
    )

    assert response.status_code == 422
    assert 'id="end_date-error"' in response.get_data(as_text=True)


def test_organiser_edits_event_settings(client, login):
    from tests.factories import make_staff

    event = make_event("edit-me", title="Old title")
    client = login(make_staff(event, "organiser"))
    form = client.get("/events/edit-me/manage/")
    assert form.status_code == 200

    response = client.post(
        "/events/edit-me/manage/",
        data={
            "title": "New title",
            "slug": "edit-me",
            "kind": "thematic",
            "timezone": "Europe/Brussels",
            "start_date": event.start_date.isoformat(),
            "end_date": event.end_date.isoformat(),
            "registration_mode": "automatic",
            "privacy_notice_version": "2",
            "submit": "Save event",
        },
    )

    assert response.status_code == 302
    db.session.refresh(event)
    assert (event.title, event.registration_mode, event.privacy_notice_version) == (
        "New title",
        "automatic",
        "2",
    )
