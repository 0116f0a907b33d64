"""An event with booked and waiting attendees, and the organiser's moves, for the notice tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from conference.agenda.models import AgendaSession
from conference.agenda.services import SessionFields, save_session
from conference.db_types import utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Registration
from tests.factories import make_booking, make_event, make_registration, make_room, make_session

START = date(2027, 3, 23)  # a Tuesday, before the clocks change: Brussels is UTC+1
NINE_LOCAL = datetime(2027, 3, 23, 8, 0, tzinfo=UTC)


@dataclass
class Programme:
    event: Event
    sessions: list[AgendaSession]
    rooms: list
    people: dict[str, Registration] = field(default_factory=dict)


def programme(slug: str = "notices", *, published: bool = True, count: int = 10) -> Programme:
    """``count`` one-hour sessions on the first day, in two rooms, from 09:00 Brussels time."""
    event = make_event(slug, title="Research security days", start=START, days=2, published=False)
    rooms = [make_room(event, "Room A", 80), make_room(event, "Room B", 80)]
    sessions = [
        make_session(
            event,
            title=f"Session {number:02d}",
            room=rooms[number % 2],
            starts_at=NINE_LOCAL + timedelta(minutes=30 * number),
            minutes=60,
        )
        for number in range(count)
    ]
    if published:
        from conference.events.services import set_published

        set_published(event, True, actor=None)
        db.session.commit()
    return Programme(event, sessions, rooms)


def attendee(prog: Programme, name: str, booked=(), waiting=()) -> Registration:
    """An approved registrant with seats in ``booked`` and waiting-list places in ``waiting``."""
    registration = make_registration(prog.event)
    registration.user.name = name
    registration.user.email = f"{name.lower()}@example.org"
    for session in booked:
        make_booking(registration, session)
    for position, session in enumerate(waiting, start=1):
        make_booking(registration, session, status="waitlisted", waitlist_position=position)
    db.session.commit()
    prog.people[name] = registration
    return registration


def fields_of(session: AgendaSession, **changes) -> SessionFields:
    values = {
        "title": session.title,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "kind": session.kind,
        "abstract": session.abstract,
        "track_id": session.track_id,
        "room_id": session.room_id,
        "capacity": session.capacity,
        "requires_booking": session.requires_booking,
        "restricted_to": list(session.restricted_to),
        "restricted_visibility": session.restricted_visibility,
        "status": session.status,
        "speakers": list(session.speakers),
        "tlp": session.tlp,
        "chatham_house": session.chatham_house,
    }
    values.update(changes)
    return SessionFields(**values)


def move(session: AgendaSession, *, by: timedelta = timedelta(days=1), **changes) -> None:
    """The organiser's edit form: move the session (and change whatever else), save, commit."""
    fields = fields_of(
        session, starts_at=session.starts_at + by, ends_at=session.ends_at + by, **changes
    )
    save_session(session.event, fields, actor=None, session=session, override_conflicts=True)
    db.session.commit()


def after_quiet_period(app, minutes: int = 1) -> datetime:
    """An instant once the agenda has been quiet for the notice delay."""
    return utcnow() + timedelta(minutes=app.config["CHANGE_NOTICE_DELAY_MINUTES"] + minutes)
