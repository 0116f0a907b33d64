"""Restricted sessions never leak: every output × every kind of viewer.

A listed session shows to those who may not attend as a generic "Closed
session" (time and room only); a hidden one is absent everywhere and its page
answers exactly as a session that does not exist.
"""

from __future__ import annotations

import json

import pytest

from tests.agenda.conftest import ACTORS, HIDDEN_SECRETS, LISTED_SECRETS, SEES_ALL
from tests.agenda.frabxml import parse_schedule
from tests.agenda.pdftext import pdf_text
from tests.factories import make_booking
from tests.pages import page_body

BASE = "/events/vis-2027"
# Labels of the restricted categories, which are restricted details too.
CATEGORY_SECRETS = ["member_state_expert", "Member State expert", "policy_maker", "Policy maker"]


def _outputs(client, world) -> dict[str, str]:
    """Every public output of the agenda, as text, keyed by a name for the failure message."""
    urls = {
        "grid": f"{BASE}/agenda/?day=2027-03-23",
        "list": f"{BASE}/agenda/?view=list",
        "search title": f"{BASE}/agenda/?view=list&q=FROBOZZ",
        "search listed": f"{BASE}/agenda/?view=list&q=XYZZY",
        "search speaker": f"{BASE}/agenda/?view=list&q=Hector",
        "filter track": f"{BASE}/agenda/?view=list&track={world.secret_track.id}",
        "filter kind": f"{BASE}/agenda/?view=list&kind=closed_door_briefing",
        "filter room": f"{BASE}/agenda/?view=grid&room={world.room_a.id}",
        "speakers": f"{BASE}/speakers/",
        "open speaker": f"{BASE}/speakers/{world.open_speaker.id}/",
        "open session": f"{BASE}/sessions/{world.open.id}/",
        "listed session": f"{BASE}/sessions/{world.listed.id}/",
        "json": f"{BASE}/agenda.json",
        "xml": f"{BASE}/schedule.xml",
        "event page": f"{BASE}/",
    }
    outputs = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        outputs[name] = response.get_data(as_text=True)
    programme = client.get(f"{BASE}/agenda.pdf")
    assert programme.status_code == 200 and programme.mimetype == "application/pdf"
    outputs["pdf"] = pdf_text(programme.data)
    return outputs


@pytest.mark.parametrize("actor", ACTORS)
def test_restricted_sessions_across_every_output(actor, world, client_for):
    client = client_for(actor)

    outputs = _outputs(client, world)

    hidden_link = f"/sessions/{world.hidden.id}/"
    if actor in SEES_ALL:
        for shown in [
            "Listed briefing XYZZY",
            "Lisa Listed",
            "Hidden meeting FROBOZZ",
            "Hector Hidden",
        ]:
            assert shown in outputs["list"]
        assert "Hidden meeting FROBOZZ" in outputs["search title"]
        assert "Hector Hidden" in outputs["search speaker"]
        assert "Hidden meeting FROBOZZ" in outputs["filter track"]
        assert "Listed briefing XYZZY" in outputs["filter kind"]
        assert "listed abstract PLUGH" in outputs["listed session"]
        assert "Member State expert" in outputs["listed session"]
        for secret in ["Listed briefing XYZZY", "Hidden meeting FROBOZZ", "Lisa Listed"]:
            assert secret in outputs["json"] and secret in outputs["xml"]
            assert secret in outputs["pdf"]
        assert "ext-hidden-frobozz" in outputs["json"]
        assert "Closed session" not in outputs["list"]
        assert "3 sessions" in outputs["list"]
    else:
        for name, text in outputs.items():
            for secret in LISTED_SECRETS + HIDDEN_SECRETS:
                assert secret not in text, f"{secret!r} leaks into {name} for {actor}"
            assert hidden_link not in text, f"the hidden session is linked from {name}"
            assert world.hidden.uid.split("@")[0] not in text, f"hidden uid in {name}"
            for secret in CATEGORY_SECRETS:
                assert secret not in text, f"{secret!r} leaks into {name} for {actor}"
        # The listed session is there, as a closed block at its time and room.
        for name in ("grid", "list", "listed session", "json", "xml", "pdf"):
            assert "Closed session" in outputs[name], name
        assert "Open plenary" in outputs["pdf"] and "Room Beta" in outputs["pdf"]
        assert "Room Beta" in outputs["listed session"] and "11:00" in outputs["listed session"]
        assert "2 sessions" in outputs["list"]
        assert "0 sessions match" in outputs["search listed"]
        assert "0 sessions match" in outputs["filter kind"]


@pytest.mark.parametrize("actor", ACTORS)
def test_json_and_xml_exports_hold_only_what_the_viewer_may_see(actor, world, client_for):
    client = client_for(actor)

    document = json.loads(client.get(f"{BASE}/agenda.json").get_data(as_text=True))
    schedule = parse_schedule(client.get(f"{BASE}/schedule.xml").data)

    titles = {s["title"] for s in document["sessions"]}
    xml_titles = {e.findtext("title") for e in schedule.iter("event")}
    speakers = {s["name"] for s in document["speakers"]}
    tracks = {t["name"] for t in document["tracks"]}
    if actor in SEES_ALL:
        expected = {"Open plenary", "Listed briefing XYZZY", "Hidden meeting FROBOZZ"}
        assert titles == xml_titles == expected
        assert speakers == {"Olivia Open", "Lisa Listed", "Hector Hidden"}
        assert tracks == {"Open track", "Secret track ZORK"}
    else:
        assert titles == xml_titles == {"Open plenary", "Closed session"}
        assert speakers == {"Olivia Open"}
        assert tracks == {"Open track"}
        closed = next(s for s in document["sessions"] if s["closed"])
        assert closed["abstract"] == "" and closed["speakers"] == [] and closed["track"] is None
        assert closed["restricted_to"] == [] and closed["restricted_visibility"] is None
        assert closed["capacity"] is None and closed["id"].startswith("s-")
        assert (closed["room"], closed["start"], closed["end"]) == (
            "room-" + str(world.room_b.id),
            "2027-03-23T11:00",
            "2027-03-23T12:00",
        )
        event = next(e for e in schedule.iter("event") if e.findtext("title") == "Closed session")
        assert event.find("persons").findall("person") == []
        assert event.findtext("abstract") == "" and event.findtext("track") == ""


@pytest.mark.parametrize("actor", ACTORS)
def test_hidden_session_page_answers_exactly_like_a_missing_one(actor, world, client_for):
    client = client_for(actor)
    client.get(f"{BASE}/")  # settles the login session, so no later response sets a cookie

    hidden = client.get(f"{BASE}/sessions/{world.hidden.id}/")
    missing = client.get(f"{BASE}/sessions/987654/")
    hidden_json = client.get(
        f"{BASE}/sessions/{world.hidden.id}/", headers={"Accept": "application/json"}
    )
    missing_json = client.get(f"{BASE}/sessions/987654/", headers={"Accept": "application/json"})

    if actor in SEES_ALL:
        assert hidden.status_code == 200
        assert "hidden abstract GRUE" in hidden.get_data(as_text=True)
    else:
        assert hidden.status_code == missing.status_code == 404
        assert page_body(hidden) == page_body(missing)
        assert hidden_json.get_data() == missing_json.get_data()
        assert dict(hidden.headers) == dict(missing.headers)


@pytest.mark.parametrize("actor", ACTORS)
def test_speakers_of_restricted_sessions_only_appear_to_those_who_see_them(
    actor, world, client_for
):
    client = client_for(actor)

    listed = client.get(f"{BASE}/speakers/{world.listed_speaker.id}/")
    hidden = client.get(f"{BASE}/speakers/{world.hidden_speaker.id}/")
    missing = client.get(f"{BASE}/speakers/987654/")

    if actor in SEES_ALL:
        assert listed.status_code == hidden.status_code == 200
        assert "Listed briefing XYZZY" in listed.get_data(as_text=True)
        assert "Hidden meeting FROBOZZ" in hidden.get_data(as_text=True)
    else:
        assert listed.status_code == hidden.status_code == missing.status_code == 404
        assert page_body(listed) == page_body(hidden) == page_body(missing)


@pytest.mark.parametrize("actor", ["attendee", "claimed", "verified"])
def test_my_agenda_shows_restricted_bookings_as_the_registrant_may_see_them(
    actor, world, client_for
):
    from conference import permissions

    registration = permissions.registration_for(world.users[actor], world.event)
    for session in (world.open, world.listed, world.hidden):
        make_booking(registration, session)
    client = client_for(actor)

    page = client.get(f"{BASE}/my-agenda").get_data(as_text=True)
    printed = pdf_text(client.get(f"{BASE}/my-agenda.pdf").data)

    assert "Open plenary" in page and "Open plenary" in printed
    if actor in SEES_ALL:
        assert page.index("Open plenary") < page.index("Listed briefing XYZZY")
        assert page.index("Listed briefing XYZZY") < page.index("Hidden meeting FROBOZZ")
        assert printed.index("Open plenary") < printed.index("Listed briefing XYZZY")
        assert printed.index("Listed briefing XYZZY") < printed.index("Hidden meeting FROBOZZ")
    else:
        assert "Closed session" in page and "Closed session" in printed
        for secret in LISTED_SECRETS + HIDDEN_SECRETS + CATEGORY_SECRETS:
            assert secret not in page
            assert secret not in printed, f"{secret!r} leaks into the my-agenda PDF for {actor}"
        assert f"/sessions/{world.hidden.id}/" not in page


@pytest.mark.parametrize("actor", ["anonymous", "attendee", "verified", "door_staff"])
def test_organiser_pages_refuse_everyone_but_organisers(actor, world, client_for):
    client = client_for(actor)

    pages = [
        f"{BASE}/manage/agenda/",
        f"{BASE}/manage/agenda/sessions/{world.hidden.id}/edit",
        f"{BASE}/manage/agenda/changes",
        f"{BASE}/manage/agenda/rooms/",
    ]
    for url in pages:
        response = client.get(url)
        body = response.get_data(as_text=True)
        if actor == "anonymous":
            assert response.status_code == 302 and "/account/login" in response.headers["Location"]
        else:
            assert response.status_code == 403, url
        for secret in LISTED_SECRETS + HIDDEN_SECRETS:
            assert secret not in body


@pytest.mark.parametrize("actor", ["anonymous", "attendee", "claimed"])
@pytest.mark.parametrize(
    "path",
    ["/sessions/{}/", "/sessions/{}/calendar.ics", "/speakers/{}/", "/tracks/{}/calendar.ics"],
)
def test_hidden_and_missing_ids_send_the_same_sql(actor, path, world, client_for):
    from conference.extensions import db
    from tests.querycount import count_queries

    client = client_for(actor)
    client.get(f"{BASE}/")  # the login session settles
    hidden_id = {
        "/sessions/{}/": world.hidden.id,
        "/sessions/{}/calendar.ics": world.hidden.id,
        "/speakers/{}/": world.hidden_speaker.id,
        "/tracks/{}/calendar.ics": world.secret_track.id,
    }[path]
    logs = {}
    for name, object_id in (("hidden", hidden_id), ("missing", 987654)):
        db.session.expire_all()
        with count_queries(db.engine) as log:
            response = client.get(BASE + path.format(object_id))
        assert response.status_code == 404, (name, path)
        # The id itself is a bound parameter, so the statements' text must be equal.
        logs[name] = log.statements

    assert logs["hidden"] == logs["missing"], (
        f"hidden:\n{logs['hidden']}\nmissing:\n{logs['missing']}"
    )
