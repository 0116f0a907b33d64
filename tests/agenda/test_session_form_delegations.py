"""The session form's invited delegations (issue 17): only the event's own, shown on edit."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from conference import permissions
from conference.agenda.models import AgendaSession
from conference.extensions import db
from tests.delegations.helpers import make_delegation
from tests.factories import make_event, make_room, make_staff

NEW = "/events/waw-d/manage/agenda/sessions/new"


@pytest.fixture
def event_with_delegations(login):
    event = make_event("waw-d", start=date(2027, 5, 18), days=2, timezone="Europe/Warsaw")
    other = make_event("other-d", start=date(2027, 5, 18), days=2)
    room = make_room(event, "Sala A", 60)
    belgium, estonia = make_delegation(event, "Belgium"), make_delegation(event, "Estonia")
    foreign = make_delegation(other, "Foreignland")
    organiser = make_staff(event, "organiser")
    return event, room, (belgium, estonia, foreign), login(organiser)


def _data(room, **extra):
    return {
        "title": "Delegates' huddle",
        "kind": "closed_door_briefing",
        "day": "2027-05-19",
        "start_time": "14:00",
        "end_time": "15:00",
        "room": room.id,
        **extra,
    }


def test_form_offers_only_the_events_delegations(event_with_delegations):
    event, room, (belgium, estonia, foreign), client = event_with_delegations

    page = client.get(NEW).get_data(as_text=True)

    assert "Or invited delegations" in page
    assert "Belgium" in page and "Estonia" in page and "Foreignland" not in page


def test_invitation_only_session_is_saved_and_shown_again(event_with_delegations):
    event, room, (belgium, estonia, foreign), client = event_with_delegations

    response = client.post(
        NEW,
        data=_data(room, restricted_delegations=[str(estonia.id)], restricted_visibility="hidden"),
    )

    assert response.status_code == 302
    session = db.session.scalar(select(AgendaSession))
    assert session.restricted_to == [] and session.restricted_visibility == "hidden"
    assert session.invitation_only and session.is_restricted
    assert permissions.session_delegation_ids(session) == {estonia.id}
    edit = client.get(f"/events/waw-d/manage/agenda/sessions/{session.id}/edit")
    boxes = re.findall(r"<input[^>]*restricted_delegations[^>]*>", edit.get_data(as_text=True))
    ticked = [b for b in boxes if " checked" in b]
    assert len(boxes) == 2 and len(ticked) == 1 and f'value="{estonia.id}"' in ticked[0]


def test_unticking_every_delegation_opens_the_session(event_with_delegations):
    event, room, (belgium, estonia, foreign), client = event_with_delegations
    client.post(
        NEW,
        data=_data(room, restricted_delegations=[str(belgium.id)], restricted_visibility="listed"),
    )
    session = db.session.scalar(select(AgendaSession))

    response = client.post(
        f"/events/waw-d/manage/agenda/sessions/{session.id}/edit", data=_data(room)
    )

    assert response.status_code == 302
    db.session.expire_all()
    permissions.forget_cached_session_delegations()
    session = db.session.scalar(select(AgendaSession))
    assert not session.invitation_only and session.restricted_visibility is None


def test_another_events_delegation_is_refused_next_to_the_field(event_with_delegations):
    event, room, (belgium, estonia, foreign), client = event_with_delegations

    response = client.post(
        NEW,
        data=_data(room, restricted_delegations=[str(foreign.id)], restricted_visibility="hidden"),
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="restricted_delegations-error"' in page
    assert db.session.scalar(select(AgendaSession)) is None


def test_invitation_only_session_needs_a_visibility(event_with_delegations):
    event, room, (belgium, estonia, foreign), client = event_with_delegations

    response = client.post(
        NEW, data=_data(room, restricted_delegations=[str(belgium.id)], restricted_visibility="")
    )

    assert response.status_code == 422
    assert "Choose whether others see the restricted session" in response.get_data(as_text=True)
