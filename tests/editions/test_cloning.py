"""Cloning an event: what is copied, what never is, how dates move, and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from conference.agenda.models import AgendaChange, AgendaSession, Room, Speaker, Track
from conference.agenda.services import cancel_session, set_speakers
from conference.badges.models import Badge, EventSigningKey, Scan, ScanDevice
from conference.badges.services import create_device, ensure_badge
from conference.badges.signing import active_key
from conference.editions.cloning import CloneRequest, clone_event, shift_local
from conference.errors import EventError
from conference.events.models import Event, EventStaff, StaffRole
from conference.extensions import db
from conference.feeds.models import CalendarToken
from conference.registration.models import AuditEntry, Booking, Registration
from tests.factories import (
    make_attendee,
    make_booking,
    make_event,
    make_room,
    make_session,
    make_speaker,
    make_staff,
    make_track,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS).astimezone(UTC)


def _count(model, event: Event) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.event_id == event.id)
    )


@pytest.fixture
def edition_2027(app):
    """A published winter edition with an agenda, people, badges, tokens and history."""
    event = make_event(
        "flagship-2027",
        title="Flagship Conference 2027",
        start=date(2027, 2, 9),  # a Tuesday, Brussels on winter time (UTC+1)
        days=3,
        venue="Brussels, Charlemagne",
        capacity=300,
        registration_mode="moderated",
        privacy_notice_url="https://example.org/privacy",
        privacy_notice_version="3",
        retention_months=18,
        registration_opens_at=_local(date(2026, 11, 2), 10),
        registration_closes_at=_local(date(2027, 2, 1), 18),
    )
    room = make_room(event, "Plenary", 300)
    track = make_track(event, "Policy")
    speaker = make_speaker(event, "Ana Speaker")
    opening = make_session(
        event, title="Opening", room=room, starts_at=_local(event.start_date, 9), minutes=90
    )
    opening.track_id = track.id
    set_speakers(opening, [speaker])
    make_session(
        event,
        title="Closed briefing",
        room=room,
        starts_at=_local(date(2027, 2, 11), 14, 30),
        restricted_to=["member_state_expert"],
        visibility="hidden",
    )
    dropped = make_session(
        event, title="Dropped", room=room, starts_at=_local(event.start_date, 16)
    )
    cancel_session(dropped)
    attendee = make_attendee(event)
    make_booking(attendee, opening)
    ensure_badge(attendee)
    create_device(event, "Door 1", actor=None)
    organiser = make_staff(event, StaffRole.ORGANISER.value, name="Olga Organiser")
    db.session.commit()
    return event, organiser


def test_clone_copies_settings_rooms_tracks_speakers_and_agenda(edition_2027):
    source, organiser = edition_2027
    report = clone_event(
        source, CloneRequest(slug="flagship-2029", start_date=date(2029, 2, 13)), actor=organiser
    )
    db.session.commit()
    new = report.event

    assert (new.slug, new.title, new.is_published) == (
        "flagship-2029",
        "Flagship Conference 2029",
        False,
    )
    assert (new.start_date, new.end_date) == (date(2029, 2, 13), date(2029, 2, 15))
    assert (new.venue, new.capacity, new.registration_mode) == (
        "Brussels, Charlemagne",
        300,
        "moderated",
    )
    assert (new.privacy_notice_url, new.privacy_notice_version) == (
        "https://example.org/privacy",
        "3",
    )
    assert new.retention_months == 18
    assert new.cloned_from_id == source.id
    # The registration window moved with the event, at the same local time.
    assert new.registration_opens_at == _local(date(2028, 11, 6), 10)
    assert new.registration_closes_at == _local(date(2029, 2, 5), 18)
    assert report.counts == {"rooms": 1, "tracks": 1, "speakers": 1, "sessions": 2}

    sessions = list(
        db.session.scalars(
            select(AgendaSession)
            .where(AgendaSession.event_id == new.id)
            .order_by(AgendaSession.starts_at)
        )
    )
    assert [s.title for s in sessions] == ["Opening", "Closed briefing"]  # cancelled left out
    opening, briefing = sessions
    assert opening.room.event_id == new.id and opening.room.name == "Plenary"
    assert opening.track.event_id == new.id and opening.track.name == "Policy"
    assert [(s.name, s.event_id) for s in opening.speakers] == [("Ana Speaker", new.id)]
    assert briefing.restricted_to == ["member_state_expert"]
    assert briefing.restricted_visibility == "hidden"
    assert all(s.revision == 0 and s.confirmed_count == 0 for s in sessions)
    old_uids = set(
        db.session.scalars(select(AgendaSession.uid).where(AgendaSession.event_id == source.id))
    )
    assert not old_uids & {s.uid for s in sessions}


def test_clone_never_copies_people_keys_tokens_or_history(edition_2027):
    source, organiser = edition_2027
    old_key = active_key(source)
    new = clone_event(
        source, CloneRequest(slug="flagship-2029", start_date=date(2029, 2, 13)), actor=organiser
    ).event
    db.session.commit()

    for model in (Registration, Badge, Scan, ScanDevice, AuditEntry, AgendaChange):
        assert _count(model, new) == 0, model.__name__
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .join(AgendaSession)
            .where(AgendaSession.event_id == new.id)
        )
        == 0
    )
    keys = list(
        db.session.scalars(select(EventSigningKey).where(EventSigningKey.event_id == new.id))
    )
    assert len(keys) == 1
    assert keys[0].key_id != old_key.key_id
    assert keys[0].public_key != old_key.public_key
    assert keys[0].encrypted_private_key != old_key.encrypted_private_key
    # Only the organiser who cloned runs the new edition; nobody else's role came along.
    staff = list(db.session.scalars(select(EventStaff).where(EventStaff.event_id == new.id)))
    assert [(s.user_id, s.role) for s in staff] == [(organiser.id, "organiser")]
    new_tokens = set(
        db.session.scalars(select(CalendarToken.token).where(CalendarToken.event_id == new.id))
    )
    assert new_tokens and not new_tokens & set(
        db.session.scalars(select(CalendarToken.token).where(CalendarToken.event_id == source.id))
    )
    # The old edition is untouched.
    assert _count(Registration, source) == 1 and _count(Badge, source) == 1


def test_shift_keeps_wall_clock_time_across_a_dst_change():
    winter_nine = _local(date(2027, 2, 9), 9)  # 08:00 UTC
    summer = shift_local(winter_nine, (date(2029, 6, 12) - date(2027, 2, 9)).days, BRUSSELS)
    assert summer == datetime(2029, 6, 12, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert summer.astimezone(BRUSSELS).strftime("%a %H:%M") == "Tue 09:00"
    # Into the very day the clocks go forward (28 March 2027): still 09:00 local.
    assert shift_local(winter_nine, 47, BRUSSELS).astimezone(BRUSSELS).hour == 9


def test_clone_into_summer_keeps_local_times_and_day_pattern(edition_2027):
    source, organiser = edition_2027
    new = clone_event(
        source,
        CloneRequest(slug="summer-2029", start_date=date(2029, 6, 12), title="Summer edition"),
        actor=organiser,
    ).event
    db.session.commit()
    local = [
        s.starts_at.astimezone(BRUSSELS).strftime("%Y-%m-%d %a %H:%M")
        for s in db.session.scalars(
            select(AgendaSession)
            .where(AgendaSession.event_id == new.id)
            .order_by(AgendaSession.starts_at)
        )
    ]
    # Day 1 and day 3 of the winter edition, at 09:00 and 14:30 Brussels time.
    assert local == ["2029-06-12 Tue 09:00", "2029-06-14 Thu 14:30"]
    assert new.title == "Summer edition"


def test_clone_copies_only_the_parts_chosen(edition_2027):
    source, organiser = edition_2027
    new = clone_event(
        source,
        CloneRequest(slug="rooms-only", start_date=date(2029, 2, 13), parts=frozenset({"rooms"})),
        actor=organiser,
    ).event
    db.session.commit()
    assert (_count(Room, new), _count(Track, new), _count(Speaker, new)) == (1, 0, 0)
    assert _count(AgendaSession, new) == 0
    assert (new.venue, new.capacity, new.privacy_notice_version) == ("", None, "1")
    assert new.registration_opens_at is None
    assert new.timezone == source.timezone


def _nothing_written(before: dict) -> bool:
    after = {model: db.session.scalar(select(func.count()).select_from(model)) for model in before}
    return after == before


@pytest.mark.parametrize(
    ("request_", "field", "message"),
    [
        (CloneRequest(slug="flagship-2027", start_date=date(2029, 2, 13)), "slug", "already"),
        (CloneRequest(slug="Bad Slug", start_date=date(2029, 2, 13)), "slug", "lowercase"),
        (
            # Two days instead of three: the briefing on day 3 would fall outside.
            CloneRequest(
                slug="short-2029", start_date=date(2029, 2, 13), end_date=date(2029, 2, 14)
            ),
            "start_date",
            "outside the new event's days",
        ),
        (
            CloneRequest(slug="ok-2029", start_date=date(2029, 2, 13), parts=frozenset({"x"})),
            "parts",
            "Unknown part",
        ),
    ],
)
def test_clone_refuses_bad_input_and_writes_nothing(edition_2027, request_, field, message):
    source, organiser = edition_2027
    models = (Event, Room, Track, Speaker, AgendaSession, EventSigningKey, EventStaff)
    before = {model: db.session.scalar(select(func.count()).select_from(model)) for model in models}
    with pytest.raises(EventError) as raised:
        clone_event(source, request_, actor=organiser)
    db.session.rollback()
    assert raised.value.field == field
    assert message in raised.value.message
    assert _nothing_written(before)


def test_clone_is_refused_to_people_who_do_not_organise_it(edition_2027):
    from conference.errors import PermissionDenied
    from tests.factories import make_user

    source, _organiser = edition_2027
    door = make_staff(source, StaffRole.DOOR_STAFF.value)
    for actor in (door, make_user()):
        with pytest.raises(PermissionDenied):
            clone_event(
                source, CloneRequest(slug="x-2029", start_date=date(2029, 2, 13)), actor=actor
            )


def test_clone_keeps_the_languages_of_the_event_and_its_sessions(edition_2027):
    source, organiser = edition_2027
    source.default_language = "fr"
    source.translations = {
        "de": {"title": "Leitkonferenz 2027", "description": "Die Leitkonferenz."},
        "fr": {"title": "Conférence phare 2027"},
    }
    opening = db.session.scalar(
        select(AgendaSession).where(
            AgendaSession.event_id == source.id, AgendaSession.title == "Opening"
        )
    )
    opening.translations = {"de": {"title": "Eröffnung", "abstract": "Willkommen."}}
    db.session.commit()

    new = clone_event(
        source,
        CloneRequest(
            slug="flagship-2029", start_date=date(2029, 2, 13), parts=frozenset({"sessions"})
        ),
        actor=organiser,
    ).event
    db.session.commit()

    assert new.default_language == "fr"
    # The year moves in every language's title; the description only with the settings.
    assert new.translations == {
        "de": {"title": "Leitkonferenz 2029"},
        "fr": {"title": "Conférence phare 2029"},
    }
    copy = db.session.scalar(
        select(AgendaSession).where(
            AgendaSession.event_id == new.id, AgendaSession.title == "Opening"
        )
    )
    assert copy.translations == {"de": {"title": "Eröffnung", "abstract": "Willkommen."}}
