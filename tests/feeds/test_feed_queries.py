"""Every feed is built with a constant number of SQL queries, whatever the agenda's size."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from conference.agenda.models import AgendaSession, Track
from conference.events.models import Event
from conference.extensions import db
from conference.feeds.models import FeedKind
from conference.feeds.services import feed_cache, get_or_create_token
from conference.workload.importer import import_event
from tests.factories import make_booking, make_registration, make_staff
from tests.querycount import count_queries
from tests.workload import build_workload

# "large" passes 500 sessions, where an IN-batched eager load (selectinload) would add a query.
SIZES = {"small": (20, 3), "large": (700, 15)}  # sessions in the agenda, sessions booked


@pytest.fixture
def worlds(app):
    made = {}
    for name, (sessions, booked) in SIZES.items():
        document = copy.deepcopy(build_workload(sessions=sessions, attendees=0, rooms=8))
        document["event"]["slug"] = f"feeds-{name}"
        import_event(document)
        db.session.commit()
        event = db.session.scalar(select(Event).where(Event.slug == f"feeds-{name}"))
        registration = make_registration(event, category="member_state_expert", verified=True)
        for session in db.session.scalars(
            select(AgendaSession).where(AgendaSession.event_id == event.id).limit(booked)
        ):
            make_booking(registration, session)
        organiser = make_staff(event, "organiser")
        track = db.session.scalar(select(Track.id).where(Track.event_id == event.id))
        made[name] = {
            "event": f"/events/{event.slug}/calendar.ics",
            "track": f"/events/{event.slug}/tracks/{track}/calendar.ics",
            "personal": f"/calendar/{get_or_create_token(registration.user, FeedKind.PERSONAL).token}.ics",
            "staff": f"/events/{event.slug}/calendar/staff/"
            f"{get_or_create_token(organiser, FeedKind.STAFF, event).token}.ics",
        }
        db.session.commit()
    return made


def _cold_count(client, url: str) -> int:
    feed_cache().clear()
    db.session.expire_all()
    with count_queries(db.engine) as log:
        response = client.get(url)
    assert response.status_code == 200, url
    return log.count


@pytest.mark.parametrize("feed", ["event", "track", "personal", "staff"])
def test_feed_query_count_does_not_grow_with_the_agenda(app, worlds, feed):
    client = app.test_client()

    counts = {name: _cold_count(client, urls[feed]) for name, urls in worlds.items()}

    assert counts["small"] == counts["large"], counts
    # The programme is read in four statements of constant count (sessions, speakers, rooms,
    # tracks: agenda.queries.programme_rows), the rest is the event, the viewer and the feed.
    assert counts["large"] <= 8


def test_warm_event_feed_needs_one_query(app, worlds):
    client = app.test_client()
    client.get(worlds["large"]["event"])
    db.session.expire_all()

    with count_queries(db.engine) as log:
        client.get(worlds["large"]["event"])

    assert log.count == 1, str(log)
