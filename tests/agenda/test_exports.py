"""The JSON and frab XML exports: structure, stable ids, and the import/export round trip."""

from __future__ import annotations

import copy
import json
from datetime import date

from sqlalchemy import select

from conference.agenda.models import AgendaChange, AgendaSession
from conference.events.models import Event
from conference.extensions import db
from conference.workload.importer import validate_document
from tests.agenda.conftest import at
from tests.agenda.frabxml import parse_schedule
from tests.conftest import empty_tables
from tests.factories import make_event, make_room, make_session, make_speaker, make_track
from tests.workload import build_workload

VOLATILE = {"url"}


def _import(runner, tmp_path, document, name="in.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import-event", str(path)])
    assert result.exit_code == 0, result.output
    return result


def _export(runner, slug, *extra) -> dict:
    result = runner.invoke(args=["export-event", slug, *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _strip(document: dict, *keys: str) -> dict:
    """The document without the keys that name where it lives (links, and uids if asked)."""
    drop = VOLATILE | set(keys)
    cleaned = copy.deepcopy(document)
    cleaned["event"] = {k: v for k, v in cleaned["event"].items() if k not in drop | {"slug"}}
    for key in ("rooms", "tracks", "speakers", "sessions"):
        cleaned[key] = [{k: v for k, v in item.items() if k not in drop} for item in cleaned[key]]
    return cleaned


def test_import_export_import_gives_the_same_agenda_in_a_fresh_database(runner, tmp_path):
    workload = build_workload(sessions=60, attendees=0, rooms=4)
    _import(runner, tmp_path, workload)
    first = _export(runner, "flagship-2027")

    db.session.close()  # let go of the tables before emptying them (PostgreSQL locks)
    empty_tables()
    _import(runner, tmp_path, first, "exported.json")
    second = _export(runner, "flagship-2027")

    assert _strip(second) == _strip(first)  # uids included: the import keeps them
    assert {s["id"] for s in first["sessions"]} == {f"X{i}" for i in range(1, 61)}
    original = {s["id"]: s for s in workload["sessions"]}
    for exported in first["sessions"]:
        source = original[exported["id"]]
        for key in ("title", "abstract", "kind", "track", "room", "start", "end", "speakers"):
            assert exported[key] == source[key], (exported["id"], key)
        assert exported["restricted_to"] == source["restricted_to"]
        assert exported["restricted_visibility"] == source["restricted_visibility"]
        assert exported["capacity"] == source["capacity"]


def test_export_imported_under_another_slug_gives_the_same_agenda(runner, tmp_path):
    _import(runner, tmp_path, build_workload(sessions=30, attendees=0, rooms=3))
    first = _export(runner, "flagship-2027")
    copy_document = copy.deepcopy(first)
    copy_document["event"]["slug"] = "flagship-copy"

    _import(runner, tmp_path, copy_document, "copy.json")
    second = _export(runner, "flagship-copy")

    # The original keeps its calendar UIDs, so the copy gets new ones.
    assert _strip(second, "uid") == _strip(first, "uid")
    assert {s["uid"] for s in first["sessions"]}.isdisjoint(s["uid"] for s in second["sessions"])


def test_reimporting_an_export_into_its_own_event_changes_nothing(runner, tmp_path, app):
    _import(runner, tmp_path, build_workload(sessions=20, attendees=0, rooms=2))
    event = db.session.scalar(select(Event))
    first = _export(runner, "flagship-2027")
    revisions = dict(db.session.execute(select(AgendaSession.id, AgendaSession.revision)).all())

    result = _import(runner, tmp_path, first, "again.json")

    assert "sessions updated" not in result.stderr and "sessions created" not in result.stderr
    db.session.expire_all()
    assert (
        dict(db.session.execute(select(AgendaSession.id, AgendaSession.revision)).all())
        == revisions
    )
    assert db.session.scalar(select(AgendaChange)) is None
    assert _export(runner, "flagship-2027") == first
    assert event.slug == "flagship-2027"


def test_sessions_made_on_the_organisers_pages_round_trip_without_duplicates(runner, tmp_path):
    event = make_event("handmade", start=date(2027, 3, 23), days=1)
    room, track = make_room(event, "Hall", 100), make_track(event, "Main")
    speaker = make_speaker(event, "Sam Speaker")
    session = make_session(
        event, title="Handmade", room=room, starts_at=at(10), track_id=track.id, speakers=[speaker]
    )
    first = _export(runner, "handmade")

    _import(runner, tmp_path, first)

    assert first["sessions"][0]["id"].startswith("s-")
    assert first["rooms"][0]["id"] == f"room-{room.id}"
    assert len(db.session.scalars(select(AgendaSession)).all()) == 1
    db.session.expire_all()
    assert db.session.get(AgendaSession, session.id).external_id == first["sessions"][0]["id"]
    assert _export(runner, "handmade")["sessions"] == first["sessions"]


def test_every_export_is_a_valid_import_document(runner, tmp_path, client):
    _import(runner, tmp_path, build_workload(sessions=40, attendees=0, rooms=3))

    full = _export(runner, "flagship-2027")
    public = _export(runner, "flagship-2027", "--public")
    over_http = client.get("/events/flagship-2027/agenda.json").get_json()

    assert validate_document(full) == []
    assert validate_document(public) == []
    assert over_http == public
    assert len(public["sessions"]) < len(full["sessions"])  # hidden sessions left out
    assert any(s["closed"] for s in public["sessions"])
    assert public["format"] == "conference-agenda" and public["version"] == 1


def test_frab_schedule_of_a_workload_has_the_frab_structure(runner, tmp_path, client):
    _import(runner, tmp_path, build_workload(sessions=80, attendees=0, rooms=4))
    document = client.get("/events/flagship-2027/agenda.json").get_json()

    response = client.get("/events/flagship-2027/schedule.xml")
    schedule = parse_schedule(response.data)

    assert response.mimetype == "application/xml"
    assert response.data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    events = list(schedule.iter("event"))
    assert len(events) == len(document["sessions"])
    assert schedule.find("conference/time_zone_name").text == "Europe/Brussels"
    by_title = {s["title"]: s for s in document["sessions"] if not s["closed"]}
    for node in events:
        if node.findtext("title") in by_title:
            source = by_title[node.findtext("title")]
            assert node.findtext("start") == source["start"][11:16]
            assert node.findtext("abstract") == source["abstract"]
    # Commas, semicolons, backslashes, newlines and non-ASCII survive the trip.
    assert any("\\" in (n.findtext("abstract") or "") for n in events)
    assert any("\n" in (n.findtext("abstract") or "") for n in events)


def test_exports_answer_conditional_requests_with_validators_of_what_is_shown(app, client):
    from conference.events.services import bump_agenda_version

    event = make_event("conditional", start=date(2027, 3, 23))
    make_session(event, title="Open one", starts_at=at(9))
    for url in ("/events/conditional/schedule.xml", "/events/conditional/agenda.json"):
        first = client.get(url)
        assert first.headers["ETag"] and first.headers["Last-Modified"], url
        by_etag = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert by_etag.status_code == 304 and by_etag.get_data() == b"", url
        # A rebuild (the agenda's version moved, nothing shown did) keeps the validators.
        bump_agenda_version(event)
        db.session.commit()
        again = client.get(url)
        assert (again.headers["ETag"], again.headers["Last-Modified"]) == (
            first.headers["ETag"],
            first.headers["Last-Modified"],
        )
        assert again.get_data() == first.get_data()
