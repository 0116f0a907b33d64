"""Two doors scanning at the same instant: real threads, each with its own connection."""

from __future__ import annotations

import threading

from conference.agenda.models import AgendaSession
from conference.badges import checkin, services
from conference.badges.checkpoints import Checkpoint
from conference.badges.models import Badge, ScanDevice
from conference.events.models import Event
from conference.extensions import db
from tests.badges.helpers import badge_for
from tests.factories import make_event, make_room, make_session


def _scan_together(app, event_id, jobs):
    """Run (badge_id, device_id, session_id) scans at once; return the results."""
    barrier = threading.Barrier(len(jobs))
    results: list[str] = []
    errors: list[BaseException] = []

    def work(badge_id, device_id, session_id):
        try:
            with app.app_context():
                event = db.session.get(Event, event_id)
                badge = db.session.get(Badge, badge_id)
                device = db.session.get(ScanDevice, device_id)
                session = db.session.get(AgendaSession, session_id) if session_id else None
                code = badge.token
                barrier.wait(timeout=30)
                scan = checkin.scan(event, Checkpoint(event, session), code, actor=device)
                db.session.commit()
                results.append(scan.reason)
                db.session.remove()
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return sorted(results)


def _devices(event, count):
    devices = [services.create_device(event, f"Door {i}", actor=None)[0] for i in range(count)]
    db.session.commit()
    return [d.id for d in devices]


def test_same_badge_at_two_doors_at_once_enters_once(app):
    event = make_event(entrance_readmits=False)
    _, badge = badge_for(event)
    first, second = _devices(event, 2)

    reasons = _scan_together(app, event.id, [(badge.id, first, None), (badge.id, second, None)])

    assert reasons == ["already_checked_in", "checked_in"]


def test_last_seat_goes_to_one_of_two_simultaneous_scans(app):
    event = make_event()
    session = make_session(event, room=make_room(event, capacity=1))
    _, one = badge_for(event, name="One")
    _, two = badge_for(event, name="Two")
    first, second = _devices(event, 2)

    reasons = _scan_together(
        app, event.id, [(one.id, first, session.id), (two.id, second, session.id)]
    )

    assert reasons == ["checked_in", "session_full"]
