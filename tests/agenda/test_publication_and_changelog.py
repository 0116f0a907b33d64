"""Draft and published agendas, the changelog, revisions and cancelled sessions."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from conference.agenda.models import AgendaChange, AgendaSession
from conference.events.services import set_published
from conference.extensions import db
from tests.agenda.conftest import at
from tests.agenda.frabxml import parse_schedule
from tests.factories import (
    make_event,
    make_registration,
    make_room,
    make_session,
    make_speaker,
    make_staff,
)
from tests.workload import build_workload

EDIT = "/events/pub/manage/agenda/sessions/{}/edit"


@pytest.fixture
def draft(login):
    event = make_event("pub", start=date(2027, 3, 23), days=2, published=False)
    room_a, room_b = make_room(event, "Room A", 100), make_room(event, "Room B", 100)
    speaker = make_speaker(event, "Kim Keynote")
    session = make_session(event, title="Keynote", room=room_a, starts_at=at(9), speakers=[speaker])
    organiser = make_staff(event, "organiser")
    return event, room_a, room_b, session, organiser, login(organiser)


def _edit(room, **changes) -> dict:
    data = {
        "title": "Keynote",
        "kind": "talk",
        "day": "2027-03-23",
        "start_time": "09:00",
        "end_time": "10:00",
        "room": room.id,
        "track": "",
        "status": "scheduled",
    }
    data.update(changes)
    return data


def _changes() -> list[tuple[str, str, int]]:
    rows = db.session.scalars(select(AgendaChange).order_by(AgendaChange.id))
    return [(c.kind, c.detail, c.revision) for c in rows]


@pytest.mark.parametrize(
    "path",
    [
        "/agenda/",
        "/agenda.json",
        "/schedule.xml",
        "/speakers/",
        "/speakers/{sp}/",
        "/sessions/{id}/",
    ],
)
def test_a_draft_agenda_is_seen_by_staff_only(draft, app, login, path):
    event, room_a, room_b, session, organiser, organiser_client = draft
    url = "/events/pub" + path.format(id=session.id, sp=session.speakers[0].id)
    attendee = login(make_registration(event, category="academia", verified=True).user)

    assert app.test_client().get(url).status_code == 404
    assert attendee.get(url).status_code == 404
    staff_view = organiser_client.get(url)
    assert staff_view.status_code == 200 and "Keynote" in staff_view.get_data(as_text=True)

    set_published(event, True, actor=None)
    db.session.commit()
    assert "Keynote" in app.test_client().get(url).get_data(as_text=True)


def test_draft_changes_are_not_in_the_changelog_published_ones_are(draft):
    event, room_a, room_b, session, organiser, client = draft

    client.post(EDIT.format(session.id), data=_edit(room_a, start_time="09:30", end_time="10:30"))
    assert _changes() == []
    set_published(event, True, actor=None)
    db.session.commit()
    revision = session.revision

    client.post(EDIT.format(session.id), data=_edit(room_a, start_time="11:00", end_time="12:00"))
    client.post(EDIT.format(session.id), data=_edit(room_b, start_time="11:00", end_time="12:00"))
    client.post(
        EDIT.format(session.id),
        data=_edit(room_b, title="Opening keynote", start_time="11:00", end_time="12:00"),
    )
    client.post(
        EDIT.format(session.id),
        data=_edit(
            room_b,
            title="Opening keynote",
            start_time="11:00",
            end_time="12:00",
            abstract="Only the abstract changes",
        ),
    )
    client.post(f"/events/pub/manage/agenda/sessions/{session.id}/cancel", data={"confirm": "yes"})
    client.post(
        "/events/pub/manage/agenda/sessions/new",
        data=_edit(room_a, title="Late addition", start_time="14:00", end_time="15:00"),
    )

    assert _changes() == [
        (
            "moved",
            "Tue 23 Mar 09:30–10:30 → Tue 23 Mar 11:00–12:00 (Europe/Brussels)",
            revision + 1,
        ),
        ("re-roomed", "Room A → Room B", revision + 2),
        ("retitled", "“Keynote” → “Opening keynote”", revision + 3),
        ("cancelled", "“Opening keynote” is cancelled", revision + 4),
        ("added", "“Late addition” on Tue 23 Mar 14:00", 0),
    ]
    db.session.refresh(session)
    assert session.revision == revision + 4  # the abstract alone does not bump it
    changelog = client.get("/events/pub/manage/agenda/changes").get_data(as_text=True)
    assert "Room A → Room B" in changelog and "Opening keynote" in changelog
    assert changelog.index("Late addition") < changelog.index("Room A → Room B")  # newest first
    assert organiser.name in changelog


def test_reinstating_a_cancelled_session_is_recorded(draft):
    event, room_a, room_b, session, organiser, client = draft
    set_published(event, True, actor=None)
    db.session.commit()
    client.post(f"/events/pub/manage/agenda/sessions/{session.id}/cancel", data={"confirm": "yes"})

    client.post(EDIT.format(session.id), data=_edit(room_a, status="scheduled"))

    assert [kind for kind, _, _ in _changes()] == ["cancelled", "reinstated"]
    assert db.session.get(AgendaSession, session.id).status == "scheduled"


def test_a_cancelled_session_stays_visible_as_cancelled(draft, app):
    event, room_a, room_b, session, organiser, client = draft
    set_published(event, True, actor=None)
    db.session.commit()

    client.post(f"/events/pub/manage/agenda/sessions/{session.id}/cancel", data={"confirm": "yes"})
    public = app.test_client()

    listing = public.get("/events/pub/agenda/?view=list").get_data(as_text=True)
    grid = public.get("/events/pub/agenda/").get_data(as_text=True)
    page = public.get(f"/events/pub/sessions/{session.id}/").get_data(as_text=True)
    document = json.loads(public.get("/events/pub/agenda.json").data)
    schedule = parse_schedule(public.get("/events/pub/schedule.xml").data)
    assert "Keynote" in listing and "tag-cancelled" in listing
    assert "Keynote" in grid and "is-cancelled" in grid
    assert "This session is cancelled." in page
    assert document["sessions"][0]["status"] == "cancelled"
    assert document["sessions"][0]["revision"] == session.revision
    assert next(schedule.iter("event")).findtext("title") == "Cancelled: Keynote"


def test_every_agenda_change_bumps_the_event_agenda_version(draft):
    event, room_a, room_b, session, organiser, client = draft
    versions = [event.agenda_version]

    client.post(EDIT.format(session.id), data=_edit(room_b))
    versions.append(db.session.get(type(event), event.id).agenda_version)
    client.post("/events/pub/manage/agenda/rooms/", data={"name": "Room C", "capacity": "10"})
    versions.append(db.session.get(type(event), event.id).agenda_version)
    client.post(f"/events/pub/manage/agenda/sessions/{session.id}/cancel", data={"confirm": "yes"})
    versions.append(db.session.get(type(event), event.id).agenda_version)

    assert versions == sorted(set(versions))  # strictly increasing


def test_reimporting_a_published_event_records_its_changes(runner, tmp_path):
    document = build_workload(sessions=6, attendees=0, rooms=2)
    path = tmp_path / "w.json"
    path.write_text(json.dumps(document))
    runner.invoke(args=["import-event", str(path)])
    assert _changes() == []  # the first import of an agenda is not a change

    document["sessions"][0]["title"] = "Renamed by the file"
    document["sessions"][1]["start"] = document["sessions"][1]["start"][:11] + "17:00"
    document["sessions"][1]["end"] = document["sessions"][1]["end"][:11] + "17:45"
    removed = document["sessions"].pop(2)
    document["sessions"].append({**removed, "id": "NEW-1", "title": "Added by the file"})
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["import-event", str(path)])

    assert result.exit_code == 0, result.output
    kinds = sorted(kind for kind, _, _ in _changes())
    assert kinds == ["added", "cancelled", "moved", "retitled"]
    assert all(c.actor_id is None for c in db.session.scalars(select(AgendaChange)))
