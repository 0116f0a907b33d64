from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conference.agenda.services import SessionFields, apply_session_fields, cancel_session
from conference.events.services import bump_agenda_version
from conference.extensions import db
from conference.feeds.models import FeedKind
from conference.feeds.services import feed_cache, get_or_create_token
from conference.registration.models import Booking
from tests.clients import ical_js, vobject_events
from tests.factories import (
    make_event,
    make_registration,
    make_room,
    make_session,
    make_speaker,
    make_staff,
    make_track,
    make_user,
)

HOSTILE = 'Plan, act; review \\ repeat\nLine two <script>alert("x")</script> — ünïcødé 🛡️'


@pytest.fixture
def agenda(app):
    event = make_event(
        "feed-event", title="Feed event", start=date(2027, 3, 23), days=3, venue="Brussels"
    )
    room = make_room(event, "Room A", 100)
    track = make_track(event, "Export control")
    speaker = make_speaker(event, "Søren Nielsen")
    at = datetime(2027, 3, 23, 8, 0, tzinfo=UTC)  # 09:00 in Brussels
    open_session = make_session(
        event,
        title="Open talk",
        room=room,
        starts_at=at,
        track_id=track.id,
        abstract="About export control.",
        speakers=[speaker],
    )
    listed = make_session(
        event,
        title="Secret threat briefing",
        room=room,
        starts_at=at + timedelta(hours=2),
        restricted_to=["member_state_expert"],
        visibility="listed",
        abstract="Classified details",
        speakers=[speaker],
    )
    hidden = make_session(
        event,
        title="Hidden coordination meeting",
        room=room,
        starts_at=at + timedelta(hours=4),
        restricted_to=["member_state_expert"],
        visibility="hidden",
        abstract="Very secret",
    )
    return event, {
        "open": open_session,
        "listed": listed,
        "hidden": hidden,
        "room": room,
        "track": track,
    }


def _summaries(parsed: dict) -> list[str]:
    return [e["summary"] for e in parsed["events"]]


def test_event_feed_headers_and_calendar_properties(client, agenda):
    response = client.get("/events/feed-event/calendar.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="feed-event.ics"'
    assert response.headers["ETag"].startswith('"') and not response.headers["ETag"].startswith(
        "W/"
    )
    assert response.headers["Last-Modified"]
    assert (
        "public" in response.headers["Cache-Control"]
        and "max-age=300" in response.headers["Cache-Control"]
    )
    body = response.get_data()
    assert b"\r\n" in body and body.count(b"\n") == body.count(b"\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    for needle in (
        b"VERSION:2.0",
        b"CALSCALE:GREGORIAN",
        b"METHOD:PUBLISH",
        b"X-WR-CALNAME:Feed event",
        b"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        b"X-PUBLISHED-TTL:PT1H",
        b"BEGIN:VTIMEZONE",
        b"TZID:Europe/Brussels",
        b"DTSTART;TZID=Europe/Brussels:20270323T090000",
    ):
        assert needle in body
    parsed = ical_js(body)
    assert parsed["method"] == "PUBLISH" and parsed["timezones"] == ["Europe/Brussels"]


def test_public_feed_shows_listed_as_closed_block_and_omits_hidden(client, agenda):
    _, s = agenda
    body = client.get("/events/feed-event/calendar.ics").get_data()
    parsed = ical_js(body)

    assert _summaries(parsed) == ["Open talk", "Closed session"]
    closed = parsed["events"][1]
    # An opaque UID, no revision, no edit time: nothing tells how the details change.
    assert closed["uid"].startswith("closed-") and closed["uid"] != s["listed"].uid
    assert closed["sequence"] == 0
    assert closed["class"] == "PRIVATE" and closed["categories"] == []
    assert closed["start"] == "2027-03-23T10:00:00.000Z"
    for secret in (
        b"Secret threat",
        b"Classified",
        b"Hidden coordination",
        b"Very secret",
        s["hidden"].uid.encode(),
    ):
        assert secret not in body
    assert "Søren" not in closed["description"]


def test_open_session_content_reads_right_in_ical_js(client, agenda):
    _, s = agenda
    event = ical_js(client.get("/events/feed-event/calendar.ics").get_data())["events"][0]

    assert event["uid"] == s["open"].uid
    assert (
        event["start"] == "2027-03-23T08:00:00.000Z" and event["end"] == "2027-03-23T09:00:00.000Z"
    )
    assert event["startTzid"] == "Europe/Brussels"
    assert event["location"] == "Room A, Brussels"
    assert event["categories"] == ["Export control", "Talk"]
    assert event["status"] == "CONFIRMED" and event["sequence"] == 0
    assert (
        "About export control." in event["description"]
        and "Speakers: Søren Nielsen" in event["description"]
    )
    assert event["url"] == f"http://conference.test/events/feed-event/sessions/{s['open'].id}/"


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("unverified_expert", ["Open talk", "Closed session"]),
        ("verified_expert", ["Open talk", "Secret threat briefing", "Hidden coordination meeting"]),
        ("verified_academic", ["Open talk", "Closed session"]),
        ("organiser", ["Open talk", "Secret threat briefing", "Hidden coordination meeting"]),
        ("door_staff", ["Open talk", "Secret threat briefing", "Hidden coordination meeting"]),
    ],
)
def test_event_feed_follows_the_viewers_rights(app, login, agenda, viewer, expected):
    event, _ = agenda
    if viewer == "organiser":
        user = make_staff(event, "organiser")
    elif viewer == "door_staff":
        user = make_staff(event, "door_staff")
    else:
        category = "academia" if viewer == "verified_academic" else "member_state_expert"
        registration = make_registration(
            event, category=category, verified=viewer != "unverified_expert"
        )
        user = registration.user
    response = login(user).get("/events/feed-event/calendar.ics")

    assert _summaries(ical_js(response.get_data())) == expected
    assert "private" in response.headers["Cache-Control"]
    assert "Cookie" in response.headers["Vary"]


def test_track_and_room_feeds_hold_only_their_sessions(client, agenda):
    event, s = agenda
    other_room = make_room(event, "Room B", 20)
    make_session(
        event, title="In room B", room=other_room, starts_at=datetime(2027, 3, 24, 8, tzinfo=UTC)
    )

    track = ical_js(
        client.get(f"/events/feed-event/tracks/{s['track'].id}/calendar.ics").get_data()
    )
    room = ical_js(client.get(f"/events/feed-event/rooms/{other_room.id}/calendar.ics").get_data())

    assert _summaries(track) == ["Open talk"] and track["name"] == "Feed event – Export control"
    assert _summaries(room) == ["In room B"]
    other_event = make_event("other")
    foreign_room = make_room(other_event, "Elsewhere")
    assert client.get(f"/events/feed-event/rooms/{foreign_room.id}/calendar.ics").status_code == 404


def test_hostile_text_round_trips_through_both_parsers(client, app):
    event = make_event("hostile", start=date(2027, 3, 23))
    make_session(
        event, title=HOSTILE, abstract=HOSTILE, starts_at=datetime(2027, 3, 23, 8, tzinfo=UTC)
    )

    body = client.get("/events/hostile/calendar.ics").get_data()
    parsed = ical_js(body)["events"][0]
    [vevent] = vobject_events(body)

    assert parsed["summary"] == HOSTILE
    assert parsed["description"].startswith(HOSTILE)
    assert vevent.summary.value == HOSTILE
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    body.decode("utf-8")  # folding never splits a character


@pytest.mark.parametrize(
    ("day", "local", "utc_start"),
    [
        (date(2027, 3, 28), "01:30", "2027-03-28T00:30:00"),  # before clocks go forward (CET)
        (date(2027, 3, 28), "03:30", "2027-03-28T01:30:00"),  # after (CEST)
        (date(2027, 10, 31), "02:30", "2027-10-31T00:30:00"),  # first 02:30 (CEST)
        (date(2027, 10, 31), "10:00", "2027-10-31T09:00:00"),  # after clocks go back (CET)
    ],
)
def test_sessions_on_daylight_saving_days_keep_their_instants(client, app, day, local, utc_start):
    from zoneinfo import ZoneInfo

    from conference.localtime import to_instant

    event = make_event(f"dst-{day.month}", start=day - timedelta(days=1), days=3)
    hour, minute = map(int, local.split(":"))
    start = to_instant(
        datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute),
        ZoneInfo("Europe/Brussels"),
    )
    make_session(event, title="DST session", starts_at=start, minutes=120)

    body = client.get(f"/events/{event.slug}/calendar.ics").get_data()
    parsed = ical_js(body)["events"][0]
    [vevent] = vobject_events(body)

    assert parsed["start"] == utc_start + ".000Z"
    expected_end = datetime.fromisoformat(utc_start).replace(tzinfo=UTC) + timedelta(hours=2)
    assert parsed["end"] == expected_end.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert vevent.dtstart.value.astimezone(UTC) == datetime.fromisoformat(utc_start).replace(
        tzinfo=UTC
    )
    assert vevent.dtend.value.astimezone(UTC) == expected_end


def test_second_occurrence_of_the_repeated_hour_is_exact(client, app):
    event = make_event("dst-fold", start=date(2027, 10, 30), days=3)
    # 01:30 UTC on 31 October is the *second* 02:30 in Brussels.
    make_session(event, title="Second 02:30", starts_at=datetime(2027, 10, 31, 1, 30, tzinfo=UTC))

    parsed = ical_js(client.get("/events/dst-fold/calendar.ics").get_data())["events"][0]

    assert parsed["start"] == "2027-10-31T01:30:00.000Z"


def test_conditional_requests_and_head(client, agenda):
    first = client.get("/events/feed-event/calendar.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    by_etag = client.get("/events/feed-event/calendar.ics", headers={"If-None-Match": etag})
    by_date = client.get("/events/feed-event/calendar.ics", headers={"If-Modified-Since": modified})
    head = client.head("/events/feed-event/calendar.ics")

    assert by_etag.status_code == 304 and by_etag.get_data() == b""
    assert by_date.status_code == 304
    assert head.status_code == 200 and head.get_data() == b"" and head.headers["ETag"] == etag


def test_moved_session_raises_sequence_and_changes_etag(client, agenda):
    event, s = agenda
    before = client.get("/events/feed-event/calendar.ics")
    session = s["open"]
    fields = SessionFields(
        title=session.title,
        starts_at=session.starts_at + timedelta(hours=1),
        ends_at=session.ends_at + timedelta(hours=1),
        kind=session.kind,
        abstract=session.abstract,
        track_id=session.track_id,
        room_id=session.room_id,
        speakers=list(session.speakers),
    )
    apply_session_fields(session, fields)
    bump_agenda_version(event)
    db.session.commit()

    stale = client.get(
        "/events/feed-event/calendar.ics", headers={"If-None-Match": before.headers["ETag"]}
    )
    moved = ical_js(stale.get_data())["events"][0]

    assert stale.status_code == 200
    assert moved["sequence"] == 1 and moved["start"] == "2027-03-23T09:00:00.000Z"


def test_cancelled_session_stays_as_cancelled(client, agenda):
    event, s = agenda
    cancel_session(s["open"])
    bump_agenda_version(event)
    db.session.commit()

    parsed = ical_js(client.get("/events/feed-event/calendar.ics").get_data())

    cancelled = parsed["events"][0]
    assert cancelled["uid"] == s["open"].uid
    assert cancelled["status"] == "CANCELLED" and cancelled["sequence"] == 1


def test_feed_is_built_once_per_agenda_version(client, agenda):
    event, _ = agenda
    cache = feed_cache()
    cache.clear()
    builds = cache.builds
    client.get("/events/feed-event/calendar.ics")
    client.get("/events/feed-event/calendar.ics")
    assert cache.builds == builds + 1

    bump_agenda_version(event)
    db.session.commit()
    client.get("/events/feed-event/calendar.ics")
    assert cache.builds == builds + 2


def test_personal_feed_holds_booked_sessions_including_allowed_restricted(client, agenda):
    event, s = agenda
    registration = make_registration(event, category="member_state_expert", verified=True)
    for session in (s["open"], s["hidden"]):
        db.session.add(Booking(registration_id=registration.id, session_id=session.id))
    db.session.commit()
    token = get_or_create_token(registration.user, FeedKind.PERSONAL)
    db.session.commit()

    response = client.get(f"/calendar/{token.token}.ics")

    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    assert _summaries(ical_js(response.get_data())) == ["Open talk", "Hidden coordination meeting"]


def test_personal_feed_token_rotation_retires_the_old_address(app, login, agenda):
    user = make_user()
    client = login(user)
    page = client.get("/account/profile").get_data(as_text=True)
    token = get_or_create_token(user, FeedKind.PERSONAL).token
    assert f"webcal://conference.test/calendar/{token}.ics" in page
    assert f"http://conference.test/calendar/{token}.ics" in page

    client.post("/account/calendar/rotate")

    new = get_or_create_token(user, FeedKind.PERSONAL).token
    assert new != token
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert app.test_client().get(f"/calendar/{new}.ics").status_code == 200
    assert app.test_client().get("/calendar/not-a-token.ics").status_code == 404


def test_staff_feed_shows_everything_and_ends_with_the_role(app, login, agenda):
    event, _ = agenda
    organiser = make_staff(event, "organiser")
    page = login(organiser).get("/events/feed-event/manage/").get_data(as_text=True)
    token = get_or_create_token(organiser, FeedKind.STAFF, event).token
    assert f"/events/feed-event/calendar/staff/{token}.ics" in page

    anonymous = app.test_client()
    body = anonymous.get(f"/events/feed-event/calendar/staff/{token}.ics").get_data()
    assert "Hidden coordination meeting" in _summaries(ical_js(body))

    from conference.events.services import revoke_role

    revoke_role(event, organiser, "organiser", actor=None)
    db.session.commit()
    assert anonymous.get(f"/events/feed-event/calendar/staff/{token}.ics").status_code == 404
    assert anonymous.get(f"/events/other-slug/calendar/staff/{token}.ics").status_code == 404


def test_single_session_ics_and_hidden_is_like_missing(client, agenda):
    _, s = agenda
    one = client.get(f"/events/feed-event/sessions/{s['open'].id}/calendar.ics")
    hidden = client.get(f"/events/feed-event/sessions/{s['hidden'].id}/calendar.ics")
    missing = client.get("/events/feed-event/sessions/999999/calendar.ics")

    assert _summaries(ical_js(one.get_data())) == ["Open talk"]
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data() == missing.get_data()


def test_draft_event_feed_is_404_for_the_public(client, app):
    make_event("draft-feed", published=False)

    assert client.get("/events/draft-feed/calendar.ics").status_code == 404


def test_session_page_offers_add_to_calendar_links(client, agenda):
    _, s = agenda

    page = client.get(f"/events/feed-event/sessions/{s['open'].id}/").get_data(as_text=True)

    assert f"/events/feed-event/sessions/{s['open'].id}/calendar.ics" in page
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=Open+talk" in page
    assert "dates=20270323T080000Z%2F20270323T090000Z" in page
    assert "ctz=Europe%2FBrussels" in page
    assert "https://outlook.office.com/calendar/0/deeplink/compose?" in page
    assert "subject=Open+talk" in page


def test_closed_session_page_offers_no_calendar_details(client, agenda):
    _, s = agenda

    page = client.get(f"/events/feed-event/sessions/{s['listed'].id}/").get_data(as_text=True)

    assert "calendar.google.com" not in page and "Secret threat" not in page


def test_calendar_name_and_description_are_escaped_text(client, app):
    title = 'Plan, act; review \\ repeat "now"'
    make_event("escaped", title=title, start=date(2027, 3, 23), venue="Brussels, Belgium")

    body = client.get("/events/escaped/calendar.ics").get_data()

    import vobject

    calendar = vobject.readOne(body.decode("utf-8"))
    assert calendar.x_wr_calname.value == title
    assert calendar.x_wr_caldesc.value == (
        f"Programme of {title} (Europe/Brussels), Brussels, Belgium"
    )
    assert b"X-WR-CALNAME:Plan\\, act\\; review \\\\ repeat" in body


def test_track_and_room_seen_in_nothing_answer_like_missing_ones(app, login, agenda):
    event, s = agenda
    secret_track = make_track(event, "Secret track")
    secret_room = make_room(event, "Secret room", 10)
    s["hidden"].track_id, s["hidden"].room_id = secret_track.id, secret_room.id
    s["listed"].track_id = s["track"].id
    bump_agenda_version(event)
    db.session.commit()
    anonymous = app.test_client()
    base = "/events/feed-event"

    missing = anonymous.get(f"{base}/tracks/987654/calendar.ics")
    for url in (
        f"{base}/tracks/{secret_track.id}/calendar.ics",
        f"{base}/rooms/{secret_room.id}/calendar.ics",
    ):
        hidden = anonymous.get(url)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.get_data() == missing.get_data()
        assert dict(hidden.headers) == dict(missing.headers)

    # A closed block is in its room, never in its track (as in the agenda and exports).
    track = ical_js(anonymous.get(f"{base}/tracks/{s['track'].id}/calendar.ics").get_data())
    room = ical_js(anonymous.get(f"{base}/rooms/{s['room'].id}/calendar.ics").get_data())
    assert _summaries(track) == ["Open talk"]
    assert _summaries(room) == ["Open talk", "Closed session"]

    # Staff see every track and room, the empty ones too.
    organiser = login(make_staff(event, "organiser"))
    staff_track = organiser.get(f"{base}/tracks/{secret_track.id}/calendar.ics")
    assert _summaries(ical_js(staff_track.get_data())) == ["Hidden coordination meeting"]
    assert ical_js(staff_track.get_data())["name"] == "Feed event – Secret track"
    empty = make_track(event, "Empty track")
    assert organiser.get(f"{base}/tracks/{empty.id}/calendar.ics").status_code == 200
    assert organiser.get(f"{base}/tracks/987654/calendar.ics").status_code == 404
    assert _summaries(
        ical_js(organiser.get(f"{base}/tracks/{s['track'].id}/calendar.ics").get_data())
    ) == [
        "Open talk",
        "Secret threat briefing",
    ]


def test_empty_feed_is_as_old_as_the_publication(client, app):
    from conference.agenda.visibility import event_epoch

    event = make_event("empty-feed", start=date(2027, 3, 23))
    first = client.get("/events/empty-feed/calendar.ics")
    bump_agenda_version(event)
    db.session.commit()
    again = client.get("/events/empty-feed/calendar.ics")

    assert first.last_modified == again.last_modified == event_epoch(event)
    assert first.headers["ETag"] == again.headers["ETag"]
