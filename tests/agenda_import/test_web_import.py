"""The organisers' agenda import page: every problem listed before anything is written, a
preview that is the real import rolled back, then one job per confirmation (issue #16, 10)."""

from __future__ import annotations

import copy
import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from conference.agenda.models import AgendaSession, Room, Speaker, Track
from conference.extensions import db
from conference.jobs.models import Job
from conference.workload.models import AgendaUpload
from tests.factories import make_event, make_room, make_speaker, make_staff, make_track
from tests.workload import build_workload

SLUG = "flagship-2027"
BASE = f"/events/{SLUG}/manage/agenda/import/"


@pytest.fixture
def organiser_client(app, login):
    event = make_event(SLUG, start=date(2027, 3, 23), days=1, timezone="Europe/Brussels")
    organiser = make_staff(event, "organiser")
    return event, login(organiser)


def _workload() -> dict:
    return copy.deepcopy(build_workload(sessions=6, attendees=3, rooms=2))


def _post_file(client, name: str, data: bytes):
    return client.post(
        BASE, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _preview_of(client, response):
    page = response.get_data(as_text=True)
    assert response.status_code == 302, page[page.find("<main") :][:3000]
    return response.headers["Location"], client.get(response.headers["Location"])


def _confirm(client, preview_url: str, page: str):
    version = page.split('name="agenda_version" type="hidden" value="', 1)[1].split('"', 1)[0]
    return client.post(preview_url + "/confirm", data={"agenda_version": version})


def test_json_file_is_previewed_without_writing_then_imported_by_a_job(organiser_client):
    event, client = organiser_client
    document = _workload()

    preview_url, preview = _preview_of(
        client, _post_file(client, "agenda.json", json.dumps(document).encode())
    )

    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Nothing is written until you confirm" in page
    assert "New sessions</th><td>6</td>" in page
    assert "New room: Room A" in page and "New session: Workshop: export control" in page
    assert "The file lists 3 attendees: they are not imported" in page
    assert _count(AgendaSession) == 0 and _count(Room) == 0  # the preview wrote nothing

    done = _confirm(client, preview_url, page)

    assert done.status_code == 302 and "/manage/jobs/" in done.headers["Location"]
    status = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Agenda import" in status and "sessions created: 6" in status
    assert "Back to the agenda of" in status
    assert _count(AgendaSession) == 6 and _count(Room) == 2
    assert db.session.scalar(select(AgendaUpload)).content == {}  # imported: not kept
    db.session.expire_all()
    assert event.title == "CERIS test event"  # the event's own settings stay
    assert db.session.scalar(select(Job)).status == "done"


def test_reimporting_the_same_file_shows_no_change(organiser_client):
    _event, client = organiser_client
    data = json.dumps(_workload()).encode()
    url, page = _preview_of(client, _post_file(client, "agenda.json", data))
    _confirm(client, url, page.get_data(as_text=True))

    _url, again = _preview_of(client, _post_file(client, "agenda.json", data))

    text = again.get_data(as_text=True)
    assert "None: the agenda already holds everything in this file." in text
    assert "New sessions</th><td>0</td>" in text and "Changed sessions</th><td>0</td>" in text


def test_json_errors_are_listed_by_path_and_nothing_is_kept(organiser_client):
    _event, client = organiser_client
    document = _workload()
    document["sessions"][0]["room"] = "NOPE"
    document["sessions"][1]["start"] = "2027-03-25T09:00"  # after the only day (and the end)
    document["sessions"][2]["kind"] = "Picnic"

    response = _post_file(client, "agenda.json", json.dumps(document).encode())

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "4 problems to correct" in page and "Nothing was written" in page
    assert "$.sessions[0].room" in page and "no room with id &#39;NOPE&#39;" in page
    assert "$.sessions[1].start" in page and "outside the event" in page
    assert "$.sessions[2].kind" in page and "unknown kind" in page
    assert _count(AgendaUpload) == 0 and _count(AgendaSession) == 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{not json", "not a JSON document"),
        (b"[1, 2]", "the document must be a JSON object"),
        (b"[" * 5000 + b"]" * 5000, "nested deeper than 32 levels"),
        (b"\xff\xfe\x00garbage", "not a JSON document"),
    ],
)
def test_unreadable_json_is_a_clear_error_not_a_500(organiser_client, data, expected):
    _event, client = organiser_client

    response = _post_file(client, "agenda.json", data)

    assert response.status_code == 422
    assert expected in response.get_data(as_text=True)


def _catalogue(event):
    room = make_room(event, "Hemicycle", 300)
    track = make_track(event, "Borders")
    speakers = make_speaker(event, "Ana Silva", country="PT"), make_speaker(event, "Jan Novak")
    db.session.commit()
    return room, track, speakers


def test_csv_rows_name_rooms_tracks_and_speakers_and_leave_other_sessions(organiser_client):
    event, client = organiser_client
    room, track, (ana, jan) = _catalogue(event)
    _url, page = _preview_of(
        client,
        _post_file(
            client,
            "agenda.json",
            json.dumps(
                {
                    "event": {},
                    "rooms": [{"id": "R9", "name": "Annex", "capacity": 40}],
                    "tracks": [],
                    "speakers": [],
                    "sessions": [
                        {
                            "id": "keep",
                            "title": "Kept session",
                            "kind": "Talk",
                            "room": "R9",
                            "start": "2027-03-23T08:00",
                            "end": "2027-03-23T08:30",
                        }
                    ],
                }
            ).encode(),
        ),
    )
    _confirm(client, _url, page.get_data(as_text=True))
    # Semicolons, a byte-order mark, quoted lists and spreadsheet times, as Excel writes CSV
    # in much of Europe.
    csv = (
        "\ufeffid;title;kind;room;track;start;end;speakers;capacity;requires_booking\r\n"
        "c1;Opening;Plenary;hemicycle;Borders;2027-03-23 09:00;2027-03-23 10:00;"
        '"Ana Silva; Jan Novak";;no\r\n'
        "c2;Border data;Workshop;Hemicycle;;2027-03-23 10:30;2027-03-23 12:00;Jan Novak;30;yes\r\n"
        ";;;;;;;;;\r\n"
    ).encode()

    url, preview = _preview_of(client, _post_file(client, "sessions.csv", csv))

    text = preview.get_data(as_text=True)
    assert "New sessions</th><td>2</td>" in text
    assert "Cancelled (absent from the file)</th><td>0</td>" in text
    assert "Sessions the file does not list stay as they are." in text
    _confirm(client, url, text)
    sessions = {s.external_id: s for s in db.session.scalars(select(AgendaSession))}
    assert set(sessions) == {"keep", "c1", "c2"} and sessions["keep"].status == "scheduled"
    opening, workshop = sessions["c1"], sessions["c2"]
    assert opening.room_id == room.id and opening.track_id == track.id
    assert {s.id for s in opening.speakers} == {ana.id, jan.id}
    assert workshop.capacity == 30 and workshop.requires_booking and workshop.track_id is None
    assert opening.starts_at.isoformat() == "2027-03-23T08:00:00+00:00"  # 09:00 in Brussels


def test_csv_problems_are_named_by_row_and_column(organiser_client):
    event, client = organiser_client
    _catalogue(event)
    csv = (
        b"id,title,kind,room,start,end,capacity\n"
        b"a,Fine,Talk,Hemicycle,2027-03-23 09:00,2027-03-23 10:00,\n"
        b"b,No such room,Talk,Atrium,2027-03-23 09:00,2027-03-23 10:00,\n"
        b"c,Bad seats,Talk,Hemicycle,2027-03-23 11:00,2027-03-23 12:00,many\n"
        b"d,,Talk,Hemicycle,2027-03-23 11:00,2027-03-23 12:00,\n"
    )

    response = _post_file(client, "sessions.csv", csv)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "row 3, room" in page and "no room with the id or name &#39;Atrium&#39;" in page
    assert "row 4, capacity" in page and "not a whole number: &#39;many&#39;" in page
    assert "row 5, title" in page and "required" in page
    assert _count(AgendaSession) == 0 and _count(AgendaUpload) == 0


def test_csv_checked_by_the_importer_names_rows_too(organiser_client):
    event, client = organiser_client
    _catalogue(event)
    csv = (
        b"id,title,kind,room,start,end\n"
        b"a,Late,Talk,Hemicycle,2027-03-23 11:00,2027-03-23 10:00\n"
        b"a,Twice,Talk,Hemicycle,2027-03-23 12:00,2027-03-23 13:00\n"
    )

    page = _post_file(client, "sessions.csv", csv).get_data(as_text=True)

    assert "row 2, end" in page and "the session must end after it starts" in page
    assert "row 3, id" in page and "duplicate id" in page


def test_csv_header_must_hold_the_required_columns_and_no_unknown_ones(organiser_client):
    _event, client = organiser_client

    page = _post_file(client, "s.csv", b"id,title,room,starts,end\n").get_data(as_text=True)

    assert "missing column(s): kind, start" in page and "unknown column(s): starts" in page


def test_confirming_twice_imports_once(organiser_client):
    _event, client = organiser_client
    url, page = _preview_of(client, _post_file(client, "a.json", json.dumps(_workload()).encode()))
    text = page.get_data(as_text=True)

    first, second = _confirm(client, url, text), _confirm(client, url, text)

    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Job) == 1 and _count(AgendaSession) == 6


def test_a_preview_made_before_another_change_is_shown_again(organiser_client):
    event, client = organiser_client
    url, page = _preview_of(client, _post_file(client, "a.json", json.dumps(_workload()).encode()))
    event.agenda_version = (event.agenda_version or 0) + 1  # an organiser saved a session
    db.session.commit()

    response = _confirm(client, url, page.get_data(as_text=True))

    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert _count(Job) == 0 and _count(AgendaSession) == 0
    assert "The agenda changed since this preview" in client.get(url).get_data(as_text=True)


def test_a_file_above_the_limit_is_refused_next_to_the_field(organiser_client, app):
    _event, client = organiser_client
    app.config["AGENDA_IMPORT_MAX_BYTES"] = 1024

    response = _post_file(client, "a.json", json.dumps(_workload()).encode())

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="file-error"' in page and "The file is larger than 0 MB." in page


def test_other_files_are_refused_next_to_the_field(organiser_client):
    _event, client = organiser_client

    response = _post_file(client, "agenda.xlsx", b"PK\x03\x04")

    assert response.status_code == 422
    assert "Choose a .json or a .csv file." in response.get_data(as_text=True)


def test_another_events_upload_is_missing_here(organiser_client, login):
    _event, client = organiser_client
    url, _page = _preview_of(client, _post_file(client, "a.json", json.dumps(_workload()).encode()))
    other = make_event("other-2027", start=date(2027, 3, 23), days=1)
    other_client = login(make_staff(other, "organiser"))
    public_id = url.rstrip("/").rsplit("/", 1)[1]

    assert (
        other_client.get(f"/events/other-2027/manage/agenda/import/{public_id}").status_code == 404
    )
    assert client.get(f"{BASE}no-such-upload").status_code == 404


def test_the_page_lists_no_tracks_or_speakers_it_did_not_import(organiser_client):
    """Unused catalogue items of the file are still created (as the CLI import does)."""
    _event, client = organiser_client
    url, page = _preview_of(client, _post_file(client, "a.json", json.dumps(_workload()).encode()))
    _confirm(client, url, page.get_data(as_text=True))

    assert _count(Track) == 12 and _count(Speaker) == 10


def test_csv_and_json_files_carry_translations(organiser_client):
    event, client = organiser_client
    _catalogue(event)
    csv = (
        "id,title,kind,room,start,end,title_fr,abstract_de\r\n"
        "t1,Opening,Plenary,Hemicycle,2027-03-23 09:00,2027-03-23 10:00,Ouverture,Grußworte\r\n"
    ).encode()
    url, preview = _preview_of(client, _post_file(client, "sessions.csv", csv))
    _confirm(client, url, preview.get_data(as_text=True))
    session = db.session.scalar(select(AgendaSession).where(AgendaSession.external_id == "t1"))
    assert session.translations == {"fr": {"title": "Ouverture"}, "de": {"abstract": "Grußworte"}}

    # The JSON export carries them; imported again, they stay (and a file without the
    # field leaves them as they are).
    exported = client.get(f"/events/{SLUG}/agenda.json").get_json()
    (item,) = [s for s in exported["sessions"] if s["id"] == "t1"]
    assert item["translations"] == session.translations
    url, preview = _preview_of(
        client, _post_file(client, "agenda.json", json.dumps(exported).encode())
    )
    assert "None: the agenda already holds everything in this file." in preview.get_data(
        as_text=True
    )
    csv = (
        b"id,title,kind,room,start,end\r\n"
        b"t1,Opening,Plenary,Hemicycle,2027-03-23 09:00,2027-03-23 10:00\r\n"
    )
    url, preview = _preview_of(client, _post_file(client, "sessions.csv", csv))
    _confirm(client, url, preview.get_data(as_text=True))
    db.session.expire_all()
    session = db.session.scalar(select(AgendaSession).where(AgendaSession.external_id == "t1"))
    assert session.translations == {"fr": {"title": "Ouverture"}, "de": {"abstract": "Grußworte"}}
