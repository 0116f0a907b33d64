"""Agenda fixtures: an event with an open, a listed-restricted and a hidden-restricted session,
and one user per kind of viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from conference.agenda.models import AgendaSession, Room, Speaker, Track
from conference.events.models import Event
from conference.extensions import db
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

START = date(2027, 3, 23)
ACTORS = ["anonymous", "attendee", "claimed", "verified", "organiser", "door_staff"]
# Those who see restricted sessions in full: the verified category and the event's staff.
SEES_ALL = {"verified", "organiser", "door_staff"}


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    """An instant on the event's day ``day``, given in Brussels winter time (UTC+1)."""
    return datetime(2027, 3, 23 + day, hour - 1, minute, tzinfo=UTC)


@dataclass
class World:
    event: Event
    room_a: Room
    room_b: Room
    open_track: Track
    secret_track: Track
    open_speaker: Speaker
    listed_speaker: Speaker
    hidden_speaker: Speaker
    open: AgendaSession
    listed: AgendaSession
    hidden: AgendaSession
    users: dict


# Strings that only those who see everything may ever receive.
LISTED_SECRETS = [
    "Listed briefing XYZZY",
    "listed abstract PLUGH",
    "Lisa Listed",
    "ext-listed-xyzzy",
]
HIDDEN_SECRETS = [
    "Hidden meeting FROBOZZ",
    "hidden abstract GRUE",
    "Hector Hidden",
    "ext-hidden-frobozz",
    "Secret track ZORK",
]


@pytest.fixture
def world(app) -> World:
    event = make_event("vis-2027", title="Visibility test event", start=START, days=2)
    room_a, room_b = make_room(event, "Room Alpha", 100), make_room(event, "Room Beta", 30)
    open_track, secret_track = (
        make_track(event, "Open track"),
        make_track(event, "Secret track ZORK"),
    )
    open_speaker = make_speaker(event, "Olivia Open")
    listed_speaker = make_speaker(event, "Lisa Listed")
    hidden_speaker = make_speaker(event, "Hector Hidden")
    open_session = make_session(
        event,
        title="Open plenary",
        abstract="open abstract",
        room=room_a,
        starts_at=at(9),
        track_id=open_track.id,
        speakers=[open_speaker],
    )
    listed = make_session(
        event,
        title="Listed briefing XYZZY",
        abstract="listed abstract PLUGH",
        room=room_b,
        starts_at=at(11),
        kind="closed_door_briefing",
        track_id=open_track.id,
        speakers=[listed_speaker],
        restricted_to=["member_state_expert"],
        visibility="listed",
    )
    hidden = make_session(
        event,
        title="Hidden meeting FROBOZZ",
        abstract="hidden abstract GRUE",
        room=room_a,
        starts_at=at(14),
        kind="workshop",
        track_id=secret_track.id,
        speakers=[hidden_speaker],
        restricted_to=["member_state_expert", "policy_maker"],
        visibility="hidden",
    )
    listed.external_id, hidden.external_id = "ext-listed-xyzzy", "ext-hidden-frobozz"
    db.session.commit()
    users = {
        "attendee": make_registration(event, category="academia", verified=True).user,
        "claimed": make_registration(event, category="member_state_expert").user,
        "verified": make_registration(event, category="member_state_expert", verified=True).user,
        "organiser": make_staff(event, "organiser"),
        "door_staff": make_staff(event, "door_staff"),
        "outsider": make_user(),
    }
    return World(
        event,
        room_a,
        room_b,
        open_track,
        secret_track,
        open_speaker,
        listed_speaker,
        hidden_speaker,
        open_session,
        listed,
        hidden,
        users,
    )


@pytest.fixture
def client_for(app, login, world):
    """``client_for(actor)``: a test client logged in as that kind of viewer."""

    def make(actor: str):
        if actor == "anonymous":
            return app.test_client()
        return login(world.users[actor])

    return make
