"""Anonymous agenda pages come from memory until the agenda changes, never across viewers."""

from __future__ import annotations

from conference.agenda.pagecache import _cache
from conference.agenda.services import SessionFields, apply_session_fields
from conference.events.services import bump_agenda_version
from conference.extensions import db
from tests.factories import make_event, make_registration, make_session


def _fields(session, **changes) -> SessionFields:
    values = dict(
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        kind=session.kind,
        room_id=session.room_id,
        restricted_to=list(session.restricted_to),
        restricted_visibility=session.restricted_visibility,
    )
    values.update(changes)
    return SessionFields(**values)


def test_anonymous_agenda_is_cached_until_the_agenda_changes(app, client):
    event = make_event("cached")
    session = make_session(event, title="First title")
    cache = _cache()
    builds = cache.builds

    first = client.get("/events/cached/agenda/?view=list").get_data(as_text=True)
    again = client.get("/events/cached/agenda/?view=list").get_data(as_text=True)
    assert "First title" in first and again == first
    assert cache.builds == builds + 1

    apply_session_fields(session, _fields(session, title="Second title"))
    bump_agenda_version(event)
    db.session.commit()
    changed = client.get("/events/cached/agenda/?view=list").get_data(as_text=True)

    assert "Second title" in changed and "First title" not in changed
    assert cache.builds == builds + 2


def test_logged_in_viewers_never_get_the_anonymous_copy(app, client, login):
    event = make_event("cached-2")
    make_session(
        event, title="Experts only", restricted_to=["member_state_expert"], visibility="listed"
    )
    anonymous = client.get("/events/cached-2/agenda.json").get_data(as_text=True)
    expert = make_registration(event, category="member_state_expert", verified=True).user

    seen = login(expert).get("/events/cached-2/agenda.json").get_data(as_text=True)

    assert "Experts only" not in anonymous
    assert "Experts only" in seen


def test_unpublishing_drops_the_cached_pages(app, client):
    from conference.events.services import set_published

    event = make_event("cached-3")
    assert client.get("/events/cached-3/schedule.xml").status_code == 200

    set_published(event, False, actor=None)
    db.session.commit()

    assert client.get("/events/cached-3/schedule.xml").status_code == 404
