"""TLP and Chatham House markings: shown with a session's details, never on a closed block."""

from __future__ import annotations

import json

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from conference import permissions
from conference.agenda.models import AgendaSession
from conference.agenda.services import AgendaError, SessionFields, validate_session_fields
from conference.badges import services as badge_services
from conference.badges.checkpoints import Checkpoint, checkpoint_marking
from conference.extensions import db
from conference.markings import TLP
from tests.agenda.conftest import ACTORS, SEES_ALL, at
from tests.agenda.frabxml import parse_schedule
from tests.badges.helpers import badge_for
from tests.factories import make_booking, make_event, make_session
from tests.workload import build_workload

BASE = "/events/vis-2027"
# Markings of the restricted sessions: as secret as their titles.
RESTRICTED_MARKINGS = ["TLP:RED", "TLP:AMBER+STRICT", "Chatham House", "tlp-red", "tlp-amber"]


@pytest.fixture
def marked(world):
    world.open.tlp = TLP.GREEN.value
    world.listed.tlp, world.listed.chatham_house = TLP.RED.value, True
    world.hidden.tlp = TLP.AMBER_STRICT.value
    db.session.commit()
    return world


def _outputs(client, world) -> dict[str, str]:
    urls = {
        "grid": f"{BASE}/agenda/?day=2027-03-23",
        "list": f"{BASE}/agenda/?view=list",
        "open session": f"{BASE}/sessions/{world.open.id}/",
        "listed session": f"{BASE}/sessions/{world.listed.id}/",
        "json": f"{BASE}/agenda.json",
        "xml": f"{BASE}/schedule.xml",
        "feed": f"{BASE}/calendar.ics",
        "listed feed": f"{BASE}/sessions/{world.listed.id}/calendar.ics",
    }
    outputs = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        outputs[name] = response.get_data(as_text=True)
    return outputs


@pytest.mark.parametrize("actor", ACTORS)
def test_markings_follow_the_details_across_every_output(actor, marked, client_for):
    client = client_for(actor)

    outputs = _outputs(client, marked)

    for name in ("grid", "list", "open session", "json", "xml", "feed"):
        assert "TLP:GREEN" in outputs[name], name
    if actor in SEES_ALL:
        for name in ("grid", "list", "listed session", "json", "xml", "feed", "listed feed"):
            assert "TLP:RED" in outputs[name], name
            # JSON says it as ``"chatham_house": true`` (checked below).
            assert name == "json" or "Chatham House Rule" in outputs[name], name
        assert "TLP:AMBER+STRICT" in outputs["list"]
        assert "neither the identity" in outputs["listed session"]
    else:
        for name, text in outputs.items():
            for secret in RESTRICTED_MARKINGS:
                assert secret not in text, f"{secret!r} leaks into {name} for {actor}"


def test_marking_is_a_documented_field_of_json_and_frab(marked, client_for):
    client = client_for("verified")

    document = json.loads(client.get(f"{BASE}/agenda.json").get_data(as_text=True))
    schedule = parse_schedule(client.get(f"{BASE}/schedule.xml").data)

    by_title = {s["title"]: s for s in document["sessions"]}
    assert by_title["Listed briefing XYZZY"]["tlp"] == "TLP:RED"
    assert by_title["Listed briefing XYZZY"]["chatham_house"] is True
    assert by_title["Open plenary"]["tlp"] == "TLP:GREEN"
    assert by_title["Open plenary"]["chatham_house"] is False
    events = {e.findtext("title"): e for e in schedule.iter("event")}
    assert events["Listed briefing XYZZY"].findtext("description") == (
        "Marking: TLP:RED; Chatham House Rule"
    )
    assert events["Open plenary"].findtext("description") == "Marking: TLP:GREEN"


def test_closed_block_in_json_carries_no_marking(marked, client_for):
    document = json.loads(client_for("attendee").get(f"{BASE}/agenda.json").get_data(as_text=True))

    closed = next(s for s in document["sessions"] if s["closed"])
    assert closed["tlp"] is None and closed["chatham_house"] is False


def test_feed_carries_the_marking_in_description_and_categories(marked, client_for):
    body = client_for("organiser").get(f"{BASE}/calendar.ics").data

    events = {str(e["summary"]): e for e in Calendar.from_ical(body).walk("VEVENT")}
    listed = events["Listed briefing XYZZY"]
    categories = [str(c) for c in listed["categories"].cats]
    assert "TLP:RED" in categories and "Chatham House Rule" in categories
    assert "Marking: TLP:RED; Chatham House Rule" in str(listed["description"])


def test_my_agenda_shows_the_marking_of_a_booked_session(marked, login):
    registration = permissions.registration_for(marked.users["verified"], marked.event)
    make_booking(registration, marked.listed)
    db.session.commit()

    page = login(marked.users["verified"]).get(f"{BASE}/my-agenda").get_data(as_text=True)

    assert "TLP:RED" in page and "Chatham House Rule" in page


def test_door_answer_names_the_marking_only_to_who_may_see_the_session(marked):
    door = Checkpoint(marked.event, marked.listed)

    assert checkpoint_marking(door, marked.users["door_staff"]) == [
        "TLP:RED",
        "Chatham House Rule",
    ]
    assert checkpoint_marking(door, marked.users["attendee"]) == []
    assert checkpoint_marking(Checkpoint(marked.event), marked.users["door_staff"]) == []


def test_organiser_sets_the_marking_in_the_session_form(marked, login):
    client = login(marked.users["organiser"])
    url = f"{BASE}/manage/agenda/sessions/{marked.open.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert '<option selected value="TLP:GREEN">' in page

    response = client.post(
        url,
        data={
            "title": "Open plenary",
            "kind": "talk",
            "day": "2027-03-23",
            "start_time": "09:00",
            "end_time": "10:00",
            "room": marked.room_a.id,
            "track": "",
            "status": "scheduled",
            "tlp": "TLP:AMBER",
            "chatham_house": "y",
        },
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(marked.open)
    assert (marked.open.tlp, marked.open.chatham_house) == ("TLP:AMBER", True)


def test_unknown_marking_is_refused_with_a_field_error():
    fields = SessionFields(title="x", starts_at=at(9), ends_at=at(10), tlp="TLP:PURPLE")

    with pytest.raises(AgendaError) as error:
        validate_session_fields(fields)

    assert error.value.field == "tlp"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("TLP:AMBER+STRICT", TLP.AMBER_STRICT), ("red", TLP.RED), ("", None), (None, None)],
)
def test_tlp_parse_reads_labels(text, expected):
    assert TLP.parse(text) is expected


def _import(runner, tmp_path, document):
    path = tmp_path / "w.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return runner.invoke(args=["import-event", str(path)])


def test_import_reads_the_optional_marking_fields(app, runner, tmp_path):
    document = build_workload(sessions=3, attendees=0, rooms=1)
    document["sessions"][0].update(tlp="TLP:AMBER+STRICT", chatham_house=True)

    result = _import(runner, tmp_path, document)

    assert result.exit_code == 0, result.output
    sessions = {s.external_id: s for s in db.session.scalars(select(AgendaSession))}
    first = sessions[document["sessions"][0]["id"]]
    assert (first.tlp, first.chatham_house) == ("TLP:AMBER+STRICT", True)
    other = sessions[document["sessions"][1]["id"]]
    assert (other.tlp, other.chatham_house) == (None, False)


def test_import_refuses_an_unknown_marking_and_writes_nothing(app, runner, tmp_path):
    document = build_workload(sessions=3, attendees=0, rooms=1)
    document["sessions"][0]["tlp"] = "TLP:WHITE"  # TLP 1.0's name, gone in 2.0

    result = _import(runner, tmp_path, document)

    assert result.exit_code != 0
    assert "tlp" in result.output
    assert db.session.scalar(select(func.count()).select_from(AgendaSession)) == 0


def _scan(client, event, session, code, device_token):
    return client.post(
        f"/api/v1/events/{event.slug}/checkins",
        json={"code": code, "checkpoint": f"session:{session.id}"},
        headers={"Authorization": f"Bearer {device_token}"},
    ).get_json()


def test_door_answer_of_the_api_carries_the_marking_only_to_who_may_see_it(app):
    event = make_event(slug="door-marks", title="Door marks")
    open_door = make_session(event, title="Open talk", tlp="TLP:AMBER", chatham_house=True)
    restricted = make_session(
        event,
        title="Restricted talk",
        restricted_to=["member_state_expert"],
        visibility="listed",
        tlp="TLP:RED",
    )
    _, token = badge_services.create_device(event, "Door phone", actor=None)
    db.session.commit()
    _, badge = badge_for(event, category="academia")
    client = app.test_client()

    open_answer = _scan(client, event, open_door, badge.token, token)
    restricted_answer = _scan(client, event, restricted, badge.token, token)

    assert open_answer["checkpoint_marking"] == ["TLP:AMBER", "Chatham House Rule"]
    # A device sees sessions as the public does: nothing of the restricted door's marking.
    assert restricted_answer["checkpoint_marking"] == []
    assert "TLP:RED" not in json.dumps(restricted_answer)
