"""What an outsider gets is a function of what they may see, nothing else (issue #14).

An imported event is swept as every kind of outsider sees it: every page,
export and feed (track and room feeds for every id up to past the highest),
search, speaker pages, error pages. Then hidden sessions, a hidden-only
speaker, track and room are created, edited and deleted, and a listed
session's details are rewritten: every answer must stay byte-identical in
status, body (CSRF tokens masked) and headers (ETag, Last-Modified,
Content-Length and the rest). Control steps show that the sweep does see a
visible change, and that staff see everything.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conference.agenda import catalogue
from conference.agenda.models import AgendaSession, Room, SessionKind, Speaker, Track
from conference.agenda.services import SessionFields, cancel_session_by, save_session
from conference.events.models import Event
from conference.events.services import bump_agenda_version
from conference.extensions import db
from conference.feeds.models import FeedKind
from conference.feeds.services import get_or_create_token
from conference.workload.importer import import_event
from tests.factories import make_registration, make_staff, make_user
from tests.pages import page_body
from tests.workload import build_workload

SLUG = "invariance-2027"
BASE = f"/events/{SLUG}"
# Outsiders to the sessions restricted to member_state_expert.
OUTSIDERS = ["anonymous", "signed_in", "attendee", "claimed", "verified_other"]
# Headers that vary with the moment alone, not with the content.
UNCOMPARED_HEADERS = {"date"}
# A signed cookie carries the second it was signed; its payload must not move.
_SIGNED_COOKIE = re.compile(r"^(session=[^.;]*\.?[^.;]+)\.[^.;]+\.[^.;]+")
# The personal data export says when it was made.
_EXPORTED_AT = re.compile(rb'"exported_at": "[^"]*"')
# Ids created later must fall inside the swept ranges.
SPARE_IDS = 4
WORDS = ["ZEPHYR", "Quentin Quux", "Vault track", "security", "briefing", "Closed"]


@dataclass
class Setup:
    event: Event
    organiser: object
    clients: dict
    tokens: dict
    urls: list[tuple[str, str]]


def _max_id(model) -> int:
    return db.session.scalar(select(func.max(model.id))) or 0


def _id_range(model) -> range:
    """From just below the lowest id in use to past the highest.

    Ids below the lowest belong to rows earlier tests deleted (PostgreSQL never hands them
    out again): missing ids, which a few spare ids below the lowest stand for.
    """
    lowest = db.session.scalar(select(func.min(model.id))) or 1
    return range(max(1, lowest - SPARE_IDS), _max_id(model) + SPARE_IDS + 1)


def _sweep_urls(event: Event) -> list[tuple[str, str]]:
    """Every outsider-facing address of the event, for every id around the ones in use."""
    ranges = {model: _id_range(model) for model in (AgendaSession, Track, Room, Speaker)}
    gets = [
        "/",
        f"{BASE}/",
        f"{BASE}/agenda/",
        f"{BASE}/agenda/?view=list",
        f"{BASE}/agenda.json",
        f"{BASE}/schedule.xml",
        f"{BASE}/agenda.pdf",
        f"{BASE}/calendar.ics",
        f"{BASE}/speakers/",
        f"{BASE}/my-agenda",
        f"{BASE}/my-agenda.pdf",
        f"{BASE}/registration",
        f"{BASE}/register",
        "/account/data-export",
        f"{BASE}/no-such-page",
        "/events/no-such-event/",
        "/events/no-such-event/calendar.ics",
    ]
    for day in event.days:
        gets += [f"{BASE}/agenda/?day={day}", f"{BASE}/agenda/?view=list&day={day}"]
    gets += [f"{BASE}/agenda/?view=list&kind={kind.value}" for kind in SessionKind]
    gets += [f"{BASE}/agenda/?view=list&q={word}" for word in WORDS]
    for n in ranges[AgendaSession]:
        gets += [f"{BASE}/sessions/{n}/", f"{BASE}/sessions/{n}/calendar.ics"]
    for n in ranges[Track]:
        gets += [f"{BASE}/tracks/{n}/calendar.ics", f"{BASE}/agenda/?view=list&track={n}"]
    for n in ranges[Room]:
        gets += [f"{BASE}/rooms/{n}/calendar.ics", f"{BASE}/agenda/?room={n}"]
    gets += [f"{BASE}/speakers/{n}/" for n in ranges[Speaker]]
    urls = [("GET", url) for url in gets]
    # Booking a session that does not exist yet (and will be hidden) is refused alike.
    first_new = _max_id(AgendaSession) + 1
    urls += [("POST", f"{BASE}/sessions/{n}/book") for n in range(first_new, first_new + SPARE_IDS)]
    return urls


@pytest.fixture
def setup(app, login) -> Setup:
    document = copy.deepcopy(build_workload(sessions=10, attendees=0, rooms=2))
    document["event"]["slug"] = SLUG
    # Small: the tracks and speakers the sessions use, and one of each that none uses.
    for key, field in (("tracks", "track"), ("speakers", "speakers")):
        used = {
            v for s in document["sessions"] for v in (s[field] if key == "speakers" else [s[field]])
        }
        spare = [item for item in document[key] if item["id"] not in used][:1]
        document[key] = [item for item in document[key] if item["id"] in used] + spare
    import_event(document)
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    users = {
        "signed_in": make_user(),
        "attendee": make_registration(event, category="academia", verified=True).user,
        "claimed": make_registration(event, category="member_state_expert").user,
        "verified_other": make_registration(event, category="policy_maker", verified=True).user,
    }
    # Without a cookie jar: each anonymous answer stands alone, as for a crawler.
    clients = {"anonymous": app.test_client(use_cookies=False)}
    clients |= {name: login(user) for name, user in users.items()}
    tokens = {
        name: get_or_create_token(user, FeedKind.PERSONAL).token for name, user in users.items()
    }
    organiser = make_staff(event, "organiser")
    tokens["staff"] = get_or_create_token(organiser, FeedKind.STAFF, event).token
    db.session.commit()
    for client in clients.values():
        client.get(f"{BASE}/")  # the login session settles: no later answer sets a cookie
    return Setup(event, organiser, clients, tokens, _sweep_urls(event))


def _answer(response) -> tuple:
    headers = tuple(
        sorted(
            (k, _SIGNED_COOKIE.sub(r"\1", v) if k.lower() == "set-cookie" else v)
            for k, v in response.headers.items()
            if k.lower() not in UNCOMPARED_HEADERS
        )
    )
    return response.status_code, _EXPORTED_AT.sub(b"<when>", page_body(response)), headers


def _sweep(setup: Setup, actors=OUTSIDERS) -> dict[tuple[str, str, str], tuple]:
    """Every outsider's answer to every address."""
    answers = {}
    for actor in actors:
        client = setup.clients[actor]
        urls = list(setup.urls)
        if actor in setup.tokens:
            urls.append(("GET", f"/calendar/{setup.tokens[actor]}.ics"))
        for method, url in urls:
            answers[actor, method, url] = _answer(client.open(url, method=method))
        client.get(f"{BASE}/")  # shows what was flashed last, so the next sweep starts alike
    return answers


def _differences(before: dict, after: dict) -> list[str]:
    changed = []
    for key, other in after.items():
        answer = before[key]
        if answer != other:
            parts = [
                n
                for n, a, b in zip(("status", "body", "headers"), answer, other, strict=True)
                if a != b
            ]
            changed.append(f"{key}: {', '.join(parts)}")
    return changed


def _fields(session: AgendaSession, **changes) -> SessionFields:
    fields = SessionFields(
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        kind=session.kind,
        abstract=session.abstract,
        track_id=session.track_id,
        room_id=session.room_id,
        capacity=session.capacity,
        requires_booking=session.requires_booking,
        restricted_to=list(session.restricted_to),
        restricted_visibility=session.restricted_visibility,
        status=session.status,
        speakers=list(session.speakers),
    )
    return replace(fields, **changes)


def _save(setup: Setup, fields: SessionFields, session: AgendaSession | None = None):
    saved = save_session(
        setup.event, fields, actor=setup.organiser, session=session, override_conflicts=True
    )
    db.session.commit()
    return saved.session


def _sessions(event: Event, visibility: str | None) -> list[AgendaSession]:
    return list(
        db.session.scalars(
            select(AgendaSession)
            .where(
                AgendaSession.event_id == event.id,
                AgendaSession.restricted_visibility.is_(None)
                if visibility is None
                else AgendaSession.restricted_visibility == visibility,
            )
            .order_by(AgendaSession.id)
        )
    )


def _staff_sees(setup: Setup, app, login, title: str) -> bool:
    """The organiser's JSON and the staff feed both hold ``title``."""
    page = login(setup.organiser).get(f"{BASE}/agenda.json").get_data(as_text=True)
    feed = app.test_client().get(f"{BASE}/calendar/staff/{setup.tokens['staff']}.ics")
    return title in page and title.encode() in feed.get_data().replace(b"\r\n ", b"")


def test_hidden_sessions_created_edited_and_deleted_move_nothing_an_outsider_gets(
    setup, app, login
):
    event = setup.event
    baseline = _sweep(setup)
    assert sum(1 for answer in baseline.values() if answer[0] == 200) > 100
    open_sessions, hidden = _sessions(event, None), _sessions(event, "hidden")
    assert hidden and _sessions(event, "listed"), "the workload has restricted sessions"

    # Create: a hidden-only track, speaker and room, and hidden sessions in them and
    # in a visible room, track and speaker's programme.
    actor = setup.organiser
    track = catalogue.save_track(event, catalogue.TrackDetails("Vault track"), actor=actor)
    speaker = catalogue.save_speaker(
        event, catalogue.SpeakerDetails("Quentin Quux", "Secret Org", "BE", "bio"), actor=actor
    )
    room = catalogue.save_room(event, catalogue.RoomDetails("Vault room", 12), actor=actor)
    db.session.commit()
    restricted = {"restricted_to": ["member_state_expert"], "restricted_visibility": "hidden"}
    base = _fields(open_sessions[0], capacity=None, **restricted)
    created = [
        _save(
            setup,
            replace(
                base,
                title="ZEPHYR summit",
                abstract="ZEPHYR abstract",
                track_id=track.id,
                room_id=room.id,
                speakers=[speaker],
            ),
        ),
        _save(
            setup,
            replace(
                base,
                title="ZEPHYR side meeting",
                kind="workshop",
                starts_at=base.starts_at + timedelta(hours=1),
                ends_at=base.ends_at + timedelta(hours=1),
            ),
        ),
    ]
    assert _staff_sees(setup, app, login, "ZEPHYR summit")
    assert _differences(baseline, _sweep(setup)) == []

    # Edit: every field of the hidden sessions, old and new, and cancel one.
    other_room = db.session.scalar(
        select(Room).where(Room.event_id == event.id, Room.id != room.id)
    )
    for session in [*hidden, created[1]]:
        _save(
            setup,
            _fields(
                session,
                title=session.title + " ZEPHYR revised",
                abstract="rewritten",
                starts_at=session.starts_at + timedelta(minutes=30),
                ends_at=session.ends_at + timedelta(minutes=45),
                room_id=other_room.id,
                track_id=track.id,
                kind="panel",
                capacity=5,
                requires_booking=True,
                speakers=[speaker, *open_sessions[0].speakers],
                restricted_to=["member_state_expert", "practitioner"],
            ),
            session,
        )
    cancel_session_by(created[0], actor=actor)
    db.session.commit()
    assert _staff_sees(setup, app, login, "ZEPHYR revised")
    assert _differences(baseline, _sweep(setup)) == []

    # Delete: the sessions (the agenda has no delete page; as an operator would),
    # then the hidden-only speaker, track and room through their services.
    for session in [*created, *hidden]:
        db.session.delete(session)
    bump_agenda_version(event)
    db.session.commit()
    catalogue.delete_speaker(speaker, actor=actor)
    catalogue.delete_track(track, actor=actor)
    catalogue.delete_room(room, actor=actor)
    db.session.commit()
    assert _differences(baseline, _sweep(setup)) == []
    assert max(s.id for s in created) < _max_id(AgendaSession) + SPARE_IDS  # ids were swept

    # Control: a visible change does reach outsiders, feeds and headers included.
    _save(setup, _fields(open_sessions[0], title="Renamed in public"))
    changed = _differences(baseline, _sweep(setup, ["anonymous"]))
    assert any(f"{BASE}/calendar.ics" in line and "headers" in line for line in changed)
    assert any(f"{BASE}/schedule.xml" in line for line in changed)
    assert any(f"{BASE}/agenda.pdf" in line for line in changed)


def test_a_listed_sessions_details_move_nothing_but_its_block(setup, app, login):
    event = setup.event
    listed = _sessions(event, "listed")[0]
    open_session = _sessions(event, None)[0]
    hidden_speaker = catalogue.save_speaker(
        event, catalogue.SpeakerDetails("Quentin Quux"), actor=setup.organiser
    )
    db.session.commit()
    baseline = _sweep(setup)

    # Everything but its time, room and status: title, abstract, kind, track,
    # speakers (a public one too), seats and who may attend.
    _save(
        setup,
        _fields(
            listed,
            title="ZEPHYR listed retitled",
            abstract="a new secret abstract",
            kind="workshop",
            track_id=open_session.track_id,
            speakers=[hidden_speaker, *open_session.speakers],
            capacity=7,
            requires_booking=True,
            restricted_to=["member_state_expert", "practitioner"],
        ),
        listed,
    )
    assert _staff_sees(setup, app, login, "ZEPHYR listed retitled")
    assert _differences(baseline, _sweep(setup)) == []

    # What the block shows does move it: here its time.
    _save(
        setup,
        _fields(
            listed,
            starts_at=listed.starts_at + timedelta(minutes=15),
            ends_at=listed.ends_at + timedelta(minutes=15),
        ),
        listed,
    )
    changed = _differences(baseline, _sweep(setup, ["anonymous"]))
    assert any(f"{BASE}/sessions/{listed.id}/'" in line for line in changed)
    assert any(f"{BASE}/agenda.json" in line for line in changed)


@pytest.fixture
def delegation_setup(setup, login) -> tuple[Setup, object, object]:
    """Two delegations; a nominee and the NCP of B join the outsiders of sessions for A."""
    from tests.delegations.helpers import invite_and_accept, make_delegation, make_ncp

    alpha = make_delegation(setup.event, "Alphaland", quota=2)
    bravo = make_delegation(setup.event, "Bravonia", quota=2, country="EE")
    ncp_b = make_ncp(bravo)
    _, nominee_b = invite_and_accept(bravo, ncp_b, name="Boris Bravo")
    ncp_a = make_ncp(alpha)
    _, nominee_a = invite_and_accept(alpha, ncp_a, name="Anna Alpha")
    for name, user in (("nominee_other", nominee_b.user), ("ncp_other", ncp_b)):
        setup.clients[name] = login(user)
        setup.tokens[name] = get_or_create_token(user, FeedKind.PERSONAL).token
        setup.clients[name].get(f"{BASE}/")
    db.session.commit()
    return setup, alpha, nominee_a.user


DELEGATION_OUTSIDERS = ["anonymous", "verified_other", "nominee_other", "ncp_other"]


def test_hidden_sessions_of_another_delegation_move_nothing_its_outsiders_get(
    delegation_setup, app, login
):
    setup, alpha, nominee_a = delegation_setup
    event = setup.event
    baseline = _sweep(setup, DELEGATION_OUTSIDERS)
    open_session = _sessions(event, None)[0]

    # Create a hidden session for delegation A only, and one for A or a category.
    only_a = {"restricted_to": [], "restricted_visibility": "hidden"}
    created = [
        _save(
            setup,
            _fields(
                open_session,
                title="ZEPHYR delegation huddle",
                restricted_delegations=[alpha.id],
                **only_a,
            ),
        ),
        _save(
            setup,
            _fields(
                open_session,
                title="ZEPHYR mixed huddle",
                restricted_to=["practitioner"],
                restricted_visibility="hidden",
                restricted_delegations=[alpha.id],
                starts_at=open_session.starts_at + timedelta(hours=1),
                ends_at=open_session.ends_at + timedelta(hours=1),
            ),
        ),
    ]
    assert _staff_sees(setup, app, login, "ZEPHYR delegation huddle")
    nominee_view = login(nominee_a).get(f"{BASE}/agenda.json").get_data(as_text=True)
    assert "ZEPHYR delegation huddle" in nominee_view and "ZEPHYR mixed huddle" in nominee_view
    assert _differences(baseline, _sweep(setup, DELEGATION_OUTSIDERS)) == []

    # Edit them (title, time, delegations kept), then delete them.
    for session in created:
        _save(
            setup,
            _fields(
                session,
                title=session.title + " revised",
                starts_at=session.starts_at + timedelta(minutes=30),
                ends_at=session.ends_at + timedelta(minutes=30),
                restricted_delegations=[alpha.id],
            ),
            session,
        )
    assert _differences(baseline, _sweep(setup, DELEGATION_OUTSIDERS)) == []
    for session in created:
        db.session.delete(session)
    bump_agenda_version(event)
    db.session.commit()
    assert _differences(baseline, _sweep(setup, DELEGATION_OUTSIDERS)) == []


def test_translations_of_restricted_sessions_move_nothing_an_outsider_gets(setup, app, login):
    """French and German titles and abstracts are exactly as restricted as the originals, in
    every language an outsider may ask for (pages in French, feeds with ``?lang=``)."""
    event = setup.event
    french = app.test_client(use_cookies=False)
    french.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    setup.clients["anonymous_fr"] = french
    setup.urls += [
        ("GET", f"{BASE}/calendar.ics?lang=fr"),
        ("GET", f"{BASE}/calendar.ics?lang=de"),
        ("GET", f"{BASE}/schedule.xml?lang=fr"),
        ("GET", f"{BASE}/schedule.xml?lang=de"),
    ]
    actors = [*OUTSIDERS, "anonymous_fr"]
    baseline = _sweep(setup, actors)
    restricted = [*_sessions(event, "hidden"), *_sessions(event, "listed")]
    assert restricted
    for session in restricted:
        session.translations = {
            "fr": {"title": "XANTHOS secret en francais", "abstract": "XANTHOS résumé secret"},
            "de": {
                "title": "XANTHOS geheim auf Deutsch",
                "abstract": "XANTHOS geheime Zusammenfassung",
            },
        }
    bump_agenda_version(event)
    db.session.commit()
    staff_json = login(setup.organiser).get(f"{BASE}/agenda.json").get_data(as_text=True)
    staff_feed = app.test_client().get(f"{BASE}/calendar/staff/{setup.tokens['staff']}.ics?lang=fr")
    assert "XANTHOS secret en francais" in staff_json
    assert b"XANTHOS secret en francais" in staff_feed.get_data().replace(b"\r\n ", b"")
    after = _sweep(setup, actors)
    assert _differences(baseline, after) == []
    for (_actor, _method, _url), (_status, body, _headers) in after.items():
        assert b"XANTHOS" not in body.replace(b"\r\n ", b"")

    # Control: a public session's translation does reach outsiders in their language.
    public = _sessions(event, None)[0]
    public.translations = {"fr": {"title": "Séance publique XANTHOS"}}
    bump_agenda_version(event)
    db.session.commit()
    page = french.get(f"{BASE}/sessions/{public.id}/").get_data(as_text=True)
    assert "Séance publique XANTHOS" in page
    english = setup.clients["anonymous"].get(f"{BASE}/sessions/{public.id}/")
    assert "Séance publique XANTHOS" not in english.get_data(as_text=True)
