"""Agenda pages and exports use a constant number of SQL queries, whatever the agenda's size."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from conference.agenda.models import AgendaSession, Speaker
from conference.events.models import Event
from conference.extensions import db
from conference.workload.importer import import_event
from tests.factories import make_booking, make_registration, make_staff
from tests.querycount import count_queries
from tests.workload import build_workload

# "large" passes 500 sessions, where an IN-batched eager load (selectinload) would add a query.
SIZES = {"small": 20, "large": 700}
PAGES = [
    "/agenda/",
    "/agenda/?view=list",
    "/agenda/?view=list&q=security",
    "/agenda/?view=list&tz=Europe/Lisbon",
    "/agenda.pdf",
    "/agenda.json",
    "/schedule.xml",
    "/speakers/",
    "/speakers/{speaker}/",
    "/sessions/{session}/",
    "/my-agenda",
    "/my-agenda.pdf",
    "/manage/agenda/",
    "/manage/agenda/changes",
]


@pytest.fixture
def events(app):
    """The same workload generator at two sizes, as two events."""
    made = {}
    for name, sessions in SIZES.items():
        document = copy.deepcopy(build_workload(sessions=sessions, attendees=0, rooms=8))
        document["event"]["slug"] = f"size-{name}"
        import_event(document)
        db.session.commit()
        event = db.session.scalar(select(Event).where(Event.slug == f"size-{name}"))
        made[name] = event
    return made


def _viewer(event, actor, login, app):
    if actor == "anonymous":
        return app.test_client()
    if actor == "organiser":
        return login(make_staff(event, "organiser"))
    registration = make_registration(event, category="member_state_expert", verified=True)
    sessions = db.session.scalars(
        select(AgendaSession).where(AgendaSession.event_id == event.id).limit(15)
    ).all()
    for session in sessions:
        make_booking(registration, session)
    return login(registration.user)


def _count(client, event, path) -> tuple[int, str]:
    speaker = db.session.scalar(select(Speaker.id).where(Speaker.event_id == event.id))
    session = db.session.scalar(
        select(AgendaSession.id).where(
            AgendaSession.event_id == event.id, AgendaSession.restricted_visibility.is_(None)
        )
    )
    url = f"/events/{event.slug}" + path.format(speaker=speaker, session=session)
    client.get(url)  # warm up: the login session settles
    db.session.expire_all()
    with count_queries(db.engine) as log:
        response = client.get(url)
    assert response.status_code in (200, 302), (url, response.status_code)
    return log.count, str(log)


@pytest.mark.parametrize("actor", ["anonymous", "verified", "organiser"])
def test_agenda_outputs_use_the_same_number_of_queries_at_two_sizes(actor, events, login, app):
    clients = {name: _viewer(event, actor, login, app) for name, event in events.items()}

    for path in PAGES:
        if actor != "organiser" and path.startswith("/manage"):
            continue
        small, small_log = _count(clients["small"], events["small"], path)
        large, large_log = _count(clients["large"], events["large"], path)
        assert small == large, f"{path} as {actor}: {small} vs {large}\n{large_log}"
        # The programme itself is four statements (agenda.queries.programme_rows).
        assert large <= 13, f"{path} as {actor}: {large} queries\n{large_log}"
