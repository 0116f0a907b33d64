"""The checks made when an organiser saves a session, each with a clear message."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from conference.agenda.models import AgendaSession
from conference.agenda.services import AgendaError, SessionConflicts, SessionFields, save_session
from conference.extensions import db
from tests.agenda.conftest import at
from tests.factories import make_event, make_room, make_session, make_speaker, make_staff

NEW = "/events/checks/manage/agenda/sessions/new"


@pytest.fixture
def setup(login):
    event = make_event("checks", start=date(2027, 3, 23), days=2)
    big, small = make_room(event, "Big hall", 200), make_room(event, "Small room", 20)
    anna, ben = make_speaker(event, "Anna Speaker"), make_speaker(event, "Ben Speaker")
    existing = make_session(
        event, title="Existing talk", room=big, starts_at=at(10), minutes=60, speakers=[anna]
    )
    organiser = make_staff(event, "organiser")
    return event, big, small, anna, ben, existing, organiser, login(organiser)


def _form(room, **changes) -> dict:
    data = {
        "title": "New session",
        "kind": "talk",
        "day": "2027-03-23",
        "start_time": "10:30",
        "end_time": "11:30",
        "room": room.id,
        "track": "",
    }
    data.update(changes)
    return data


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(AgendaSession))


def test_end_must_come_after_start(setup):
    event, big, small, *_, client = setup

    response = client.post(NEW, data=_form(small, start_time="11:00", end_time="10:00"))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="end_time-error">The session must end after it starts.' in page
    assert _count() == 1


def test_capacity_larger_than_the_room_is_refused(setup):
    event, big, small, *_, client = setup

    response = client.post(NEW, data=_form(small, capacity="35"))

    assert response.status_code == 422
    assert (
        "The session&#39;s capacity (35) is larger than Small room (20 seats)"
        in response.get_data(as_text=True)
    )
    assert _count() == 1


def test_a_day_outside_the_event_is_refused(setup):
    event, big, small, *_, client = setup

    response = client.post(NEW, data=_form(small, day="2027-03-26"))

    assert response.status_code == 422
    assert 'id="day-error">Not a valid choice' in response.get_data(as_text=True)


def test_service_refuses_times_outside_the_event_days(setup):
    event, big, small, *_, organiser, client = setup
    fields = SessionFields(
        title="Too late", starts_at=at(10, day=2), ends_at=at(11, day=2), room_id=small.id
    )

    with pytest.raises(AgendaError) as refused:
        save_session(event, fields, actor=organiser)

    assert refused.value.field == "starts_at"
    assert "during the event (23 March 2027 to 24 March 2027, Europe/Brussels)" in str(
        refused.value
    )


def test_double_booked_room_is_refused_until_the_organiser_overrides(setup):
    event, big, small, anna, ben, existing, organiser, client = setup

    refused = client.post(NEW, data=_form(big))
    page = refused.get_data(as_text=True)

    assert refused.status_code == 422
    assert "Big hall is already taken by “Existing talk” (Tue 23 Mar 10:00–11:00)." in page
    assert 'name="override_conflicts"' in page and "Save despite the conflicts" in page
    assert _count() == 1

    saved = client.post(NEW, data=_form(big, override_conflicts="y"), follow_redirects=True)
    timetable = saved.get_data(as_text=True)

    assert _count() == 2
    assert "saved despite 1 conflict(s)" in timetable
    assert "2 sessions with conflicts" in timetable
    assert timetable.count("Room double-booked with") == 2
    assert "has-conflict" in timetable


def test_speaker_in_two_places_at_once_is_a_conflict(setup):
    event, big, small, anna, ben, existing, organiser, client = setup

    response = client.post(NEW, data=_form(small, speakers=[str(ben.id), str(anna.id)]))

    assert response.status_code == 422
    assert "Anna Speaker is also speaking in “Existing talk”" in response.get_data(as_text=True)
    with pytest.raises(SessionConflicts) as clash:
        save_session(
            event,
            SessionFields(
                title="Clash",
                starts_at=at(10, 30),
                ends_at=at(11, 30),
                room_id=small.id,
                speakers=[anna],
            ),
            actor=organiser,
        )
    assert [c.kind for c in clash.value.conflicts] == ["speaker"]


def test_back_to_back_sessions_and_cancelled_ones_do_not_clash(setup):
    event, big, small, anna, ben, existing, organiser, client = setup
    make_session(event, title="Cancelled", room=small, starts_at=at(12), status="cancelled")

    after = client.post(NEW, data=_form(big, start_time="11:00", end_time="12:00"))
    over_cancelled = client.post(
        NEW, data=_form(small, title="Other", start_time="12:00", end_time="13:00")
    )

    assert after.status_code == over_cancelled.status_code == 302


def test_editing_a_session_does_not_clash_with_itself(setup):
    event, big, small, anna, ben, existing, organiser, client = setup

    response = client.post(
        f"/events/checks/manage/agenda/sessions/{existing.id}/edit",
        data=_form(big, title="Existing talk, longer", start_time="10:00", end_time="11:15")
        | {"speakers": [str(anna.id)], "status": "scheduled"},
    )

    assert response.status_code == 302
    db.session.refresh(existing)
    assert existing.ends_at - existing.starts_at == timedelta(minutes=75)
    assert [s.name for s in existing.speakers] == ["Anna Speaker"]


def test_speaker_order_is_kept(setup):
    event, big, small, anna, ben, existing, organiser, client = setup

    client.post(
        NEW,
        data=_form(
            small, start_time="14:00", end_time="15:00", speakers=[str(ben.id), str(anna.id)]
        ),
    )

    session = db.session.scalar(select(AgendaSession).where(AgendaSession.title == "New session"))
    # The form posts speakers in the order of the list; services keep the order given.
    assert {s.name for s in session.speakers} == {"Anna Speaker", "Ben Speaker"}
    fields = SessionFields(
        title="Ordered", starts_at=at(16), ends_at=at(17), room_id=small.id, speakers=[ben, anna]
    )
    saved = save_session(event, fields, actor=organiser).session
    db.session.commit()
    db.session.expire_all()
    assert [s.name for s in saved.speakers] == ["Ben Speaker", "Anna Speaker"]
    fields.speakers = [anna, ben]
    save_session(event, fields, actor=organiser, session=saved)
    db.session.commit()
    db.session.expire_all()
    assert [s.name for s in saved.speakers] == ["Anna Speaker", "Ben Speaker"]


def test_timetable_warns_about_an_imported_session_larger_than_its_room(setup):
    event, big, small, anna, ben, existing, organiser, client = setup
    # The importer accepts it with a warning; the organisers' form would refuse it.
    session = make_session(event, title="Crowded", room=small, starts_at=at(15))
    session.capacity = 35
    db.session.commit()

    page = client.get("/events/checks/manage/agenda/?day=2027-03-23").get_data(as_text=True)

    assert "35 seats, more than Small room holds (20)." in page
