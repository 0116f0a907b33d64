"""The demo seeds a clean agenda that every kind of visitor can browse."""

from __future__ import annotations

from sqlalchemy import select

from conference.accounts.services import get_user_by_email
from conference.agenda.conflicts import timetable_conflicts
from conference.agenda.queries import load_agenda
from conference.demo import seed_demo
from conference.events.models import Event
from conference.extensions import db


def test_demo_agenda_has_no_conflicts_and_shows_restrictions(app, login):
    seed_demo()
    db.session.commit()
    flagship = db.session.scalar(select(Event).where(Event.slug == "flagship-2027"))

    everything = load_agenda(flagship, None, everything=True)
    public = app.test_client().get("/events/flagship-2027/agenda/?view=list").get_data(as_text=True)
    expert = login(get_user_by_email("expert@demo.ceris.eu"))
    expert_view = expert.get("/events/flagship-2027/agenda/?view=list").get_data(as_text=True)

    assert timetable_conflicts(everything.sessions) == {}
    assert "Closed session" in public and "Threat briefing" not in public
    assert "Member States&#39; coordination meeting" not in public
    assert "Threat briefing on state actors targeting research" in expert_view
    assert "Member States&#39; coordination meeting on knowledge security" in expert_view
