"""Faults mid-request: a database connection dropped or a constraint violated on the first or
second write, or at COMMIT, of real requests (registering, booking, scanning, bulk moderation).
Each must answer a clean 500 (a page, or JSON on the API) with nothing written, and the same
request must work once the fault is gone. And a mail server that is down loses no mail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from conference.badges import services as badge_services
from conference.badges.models import Scan
from conference.events.models import Event
from conference.extensions import db
from conference.mail.services import pending_count
from conference.registration.models import Booking, Registration
from tests.badges.helpers import badge_for
from tests.conftest import empty_tables
from tests.factories import (
    make_attendee,
    make_open_event,
    make_registration,
    make_room,
    make_session,
    make_staff,
    make_user,
)
from tests.registration.helpers import assert_counters_match_rows
from tests.security.faults import inject, table_counts

LEAKS = ("Traceback", "injected", "IntegrityError", "OperationalError", "sqlalchemy", "SELECT")


@pytest.fixture
def app(app_factory, smtp_server):
    """An app of its own, with unexpected exceptions answered as production answers them.

    Not the shared app: the faults kill connections, and this engine (with whatever the
    kills left in its pool) is disposed after each test.
    """
    application = app_factory(PROPAGATE_EXCEPTIONS=False)
    with application.app_context():
        empty_tables()
        smtp_server.clear()
        yield application
        db.session.remove()


@dataclass
class Scenario:
    client: FlaskClient
    send: Callable[[], object]
    json: bool
    done: Callable[[], bool]  # what the request, once it succeeds, has written


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _registering(login) -> Scenario:
    event = make_open_event(mode="automatic")
    user = make_user(name="Rita Register")
    client, url, user_id = login(user), f"/events/{event.slug}/register", user.id
    form = {"category": "academia", "organisation": "TU Delft", "country": "NL"}
    form["privacy_consent"] = "y"
    return Scenario(
        client,
        lambda: client.post(url, data=form),
        False,
        lambda: _count(Registration, Registration.user_id == user_id) == 1,
    )


def _booking(login) -> Scenario:
    event = make_open_event(mode="automatic")
    session = make_session(event, room=make_room(event, capacity=1))
    registration = make_attendee(event)
    client, url = login(registration.user), f"/events/{event.slug}/sessions/{session.id}/book"
    return Scenario(
        client,
        lambda: client.post(url),
        False,
        lambda: _count(Booking, Booking.status == "confirmed") == 1,
    )


def _scanning(login) -> Scenario:
    event = make_open_event()
    _, badge = badge_for(event)
    _, token = badge_services.create_device(event, "Door 1", actor=None)
    db.session.commit()
    client = login(make_user())  # a stray login must not matter: the token decides
    body = {"code": badge.token, "checkpoint": "entrance"}
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/events/{event.slug}/checkins"
    return Scenario(
        client,
        lambda: client.post(url, json=body, headers=headers),
        True,
        lambda: _count(Scan, Scan.result == "accepted") == 1,
    )


def _bulk_approving(login) -> Scenario:
    event = make_open_event(mode="moderated")
    pending = [make_registration(event, status="pending") for _ in range(3)]
    client = login(make_staff(event, "organiser"))
    form = {"action": "approve", "ids": [str(r.id) for r in pending]}
    url = f"/events/{event.slug}/manage/registrations/bulk"
    return Scenario(
        client,
        lambda: client.post(url, data=form),
        False,
        lambda: _count(Registration, Registration.status == "approved") == 3,
    )


SCENARIOS = {
    "register": _registering,
    "book": _booking,
    "scan": _scanning,
    "bulk-approve": _bulk_approving,
}
FAULTS = [
    ("dropped", 1, "write"),
    ("dropped", 2, "write"),
    ("integrity", 2, "write"),
    ("dropped", 1, "commit"),
]


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize(("kind", "nth", "at"), FAULTS, ids=lambda v: str(v))
def test_database_fault_mid_request_fails_cleanly_and_writes_nothing(
    app, login, name, kind, nth, at
):
    scenario = SCENARIOS[name](login)
    before = table_counts()

    with inject(kind, nth, at) as injector:
        response = scenario.send()
    db.session.remove()

    assert injector.fired, "the fault was never injected: the request wrote less than expected"
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    if scenario.json:
        assert response.get_json()["error"]["name"] == "server_error"
    else:
        assert "Something went wrong on our side" in body and "<html" in body
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert not [word for word in LEAKS if word in body]
    assert table_counts() == before, "a failed request left rows behind"
    assert not scenario.done()

    retry = scenario.send()

    assert retry.status_code < 400, retry.get_data(as_text=True)[:300]
    assert scenario.done()


def test_seat_counters_stay_true_after_a_failed_booking(app, login):
    event = make_open_event(mode="automatic")
    session = make_session(event, room=make_room(event, capacity=1))
    first, second = make_attendee(event), make_attendee(event)
    url, second_id, event_id = (
        f"/events/{event.slug}/sessions/{session.id}/book",
        second.id,
        event.id,
    )
    first_client, second_client = login(first.user), login(second.user)

    with inject("dropped", 2, "write"):
        failed = first_client.post(url)
    db.session.remove()
    taken = second_client.post(url)

    assert failed.status_code == 500 and taken.status_code == 303
    assert_counters_match_rows(db.session.get(Event, event_id))
    assert _count(Booking, Booking.registration_id == second_id, Booking.status == "confirmed")


def test_registration_while_the_mail_server_is_down_keeps_the_mail_until_it_is_back(
    app, login, runner, smtp_server
):
    event = make_open_event(mode="automatic", title="Crisis management day")
    user = make_user("mia@example.org", name="Mia Mail")
    client = login(user)
    form = {"category": "academia", "organisation": "KU Leuven", "country": "BE"}

    smtp_server.stop()
    try:
        response = client.post(
            f"/events/{event.slug}/register", data=form | {"privacy_consent": "y"}
        )
        down = runner.invoke(args=["send-mail", "--all"])
        queued = pending_count()
    finally:
        smtp_server.start()
    up = runner.invoke(args=["send-mail", "--all"])

    assert response.status_code == 302  # the registration did not wait for the mail
    assert _count(Registration, Registration.user_id == user.id) == 1
    assert queued == 1 and down.exit_code == 1
    assert up.exit_code == 0 and pending_count() == 0
    [message] = smtp_server.messages_to("mia@example.org")
    assert "Crisis management day" in message["Subject"] + smtp_server.text_of(message)
