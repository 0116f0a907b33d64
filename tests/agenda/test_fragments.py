"""The agenda page's session pieces are rendered once per content, language and zone.

After an agenda change the page is built again from the pieces of the sessions that did not
change; a piece is never reused for anything it does not show (issue 22)."""

from __future__ import annotations

from conference.agenda.fragments import fragment_cache
from conference.events.services import bump_agenda_version
from conference.extensions import db
from tests.factories import make_event, make_room, make_session, make_speaker


def _page(client, slug: str, query: str = "view=list", **headers) -> str:
    response = client.get(f"/events/{slug}/agenda/?{query}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _changed(event) -> None:
    bump_agenda_version(event)
    db.session.commit()


def test_only_the_changed_session_is_rendered_again_after_an_agenda_change(app, client):
    event = make_event("pieces")
    room = make_room(event, "Hall Jean Monnet")
    kept = make_session(event, title="Kept briefing", room=room)
    moved = make_session(event, title="Old title", room=room)
    _page(client, "pieces")
    cache = fragment_cache()
    before = len(cache)
    assert before == 2

    moved.title = "New title"
    _changed(event)
    page = _page(client, "pieces")

    assert "New title" in page and "Old title" not in page and "Kept briefing" in page
    assert len(cache) == before + 1  # one new piece; the unchanged one was reused
    assert kept.title == "Kept briefing"


def test_a_renamed_room_or_speaker_shows_on_every_piece_of_theirs(app, client):
    event = make_event("pieces-names")
    room = make_room(event, "Room Spinelli")
    speaker = make_speaker(event, "Ada Ashford")
    make_session(event, title="Panel", room=room, speakers=[speaker])
    first = _page(client, "pieces-names")
    assert "Room Spinelli" in first and "Ada Ashford" in first

    room.name = "Room Schuman"
    speaker.name = "Ada Brightwell"
    _changed(event)
    again = _page(client, "pieces-names")

    assert "Room Schuman" in again and "Ada Brightwell" in again
    assert "Room Spinelli" not in again and "Ada Ashford" not in again


def test_pieces_are_kept_apart_by_language_and_display_zone(app, client):
    event = make_event("pieces-lang")
    make_session(event, title="Opening", kind="workshop")
    english = _page(client, "pieces-lang", **{"Accept-Language": "en"})
    french = _page(app.test_client(), "pieces-lang", **{"Accept-Language": "fr"})
    tokyo = _page(app.test_client(), "pieces-lang", "view=list&tz=Asia/Tokyo")

    assert "Workshop" in english and "Workshop" not in french
    assert 'datetime="' in tokyo
    # The same session in three renderings: three pieces.
    assert len(fragment_cache()) == 3
    english_times = english.split('class="session-when"')[1].split("</p>")[0]
    tokyo_times = tokyo.split('class="session-when"')[1].split("</p>")[0]
    assert english_times != tokyo_times


def test_the_grid_and_the_list_have_pieces_of_their_own(app, client):
    event = make_event("pieces-grid")
    make_session(event, title="Workshop on threats")
    page = _page(client, "pieces-grid", "view=grid")

    assert 'class="slot-title"' in page and "Workshop on threats" in page
    assert 'class="session-item' not in page
    list_page = _page(client, "pieces-grid", "view=list")
    assert 'class="session-item' in list_page


def test_the_pieces_are_bounded(app, client):
    app.config["AGENDA_FRAGMENTS_MAX_ENTRIES"] = 3
    event = make_event("pieces-bound")
    room = make_room(event)
    for n in range(6):
        make_session(event, title=f"Session {n}", room=room)

    page = _page(client, "pieces-bound")

    assert all(f"Session {n}" in page for n in range(6))
    assert len(fragment_cache()) == 3
