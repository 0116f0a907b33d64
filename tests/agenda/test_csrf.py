"""The organisers' agenda forms carry and check a CSRF token."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from conference.agenda.models import AgendaSession, Room
from conference.extensions import db
from tests.agenda.conftest import at
from tests.conftest import csrf_token_from
from tests.factories import make_event, make_room, make_session, make_staff


def test_agenda_forms_need_the_token_of_the_page(app_factory, app, login):
    csrf_app = app_factory(WTF_CSRF_ENABLED=True)
    event = make_event("csrf-agenda", start=date(2027, 3, 23), days=1)
    room = make_room(event, "Hall", 50)
    session = make_session(event, title="Protected", room=room, starts_at=at(10))
    organiser = make_staff(event, "organiser")
    client = login(organiser, csrf_app.test_client())
    base = "/events/csrf-agenda/manage/agenda"
    data = {
        "title": "Forged",
        "kind": "talk",
        "day": "2027-03-23",
        "start_time": "14:00",
        "end_time": "15:00",
        "room": room.id,
    }

    forged = client.post(f"{base}/sessions/new", data=data)
    forged_cancel = client.post(f"{base}/sessions/{session.id}/cancel")
    forged_room = client.post(f"{base}/rooms/", data={"name": "X", "capacity": "3"})
    token = csrf_token_from(client.get(f"{base}/sessions/new").get_data(as_text=True))
    genuine = client.post(f"{base}/sessions/new", data=data | {"csrf_token": token})

    assert forged.status_code == forged_cancel.status_code == forged_room.status_code == 400
    assert "The form expired" in forged.get_data(as_text=True)
    assert genuine.status_code == 302
    titles = set(db.session.scalars(select(AgendaSession.title)))
    assert titles == {"Protected", "Forged"}
    assert db.session.get(AgendaSession, session.id).status == "scheduled"
    assert [r.name for r in db.session.scalars(select(Room))] == ["Hall"]
