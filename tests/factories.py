"""Plain factory functions with valid defaults; each flushes, the test commits if it needs to."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import inspect as sa_inspect

from conference.accounts.models import User
from conference.accounts.services import create_user
from conference.agenda.models import AgendaSession, Room, Speaker, Track
from conference.agenda.services import SessionFields, create_session
from conference.db_types import utcnow
from conference.events.models import Event
from conference.events.services import EventDetails, create_event, grant_role, set_published
from conference.extensions import db
from conference.registration import search
from conference.registration.models import Booking, Registration, RegistrationStatus

PASSWORD = "correct horse battery"  # noqa: S105
_counter = itertools.count(1)


def make_user(
    email: str | None = None,
    *,
    name: str = "Test Person",
    password: str | None = PASSWORD,
    admin: bool = False,
    verified: bool = True,
    category: str | None = None,
    second_factor: bool | None = None,
) -> User:
    """An account; administrators get a second factor unless ``second_factor=False``
    (without one their role is unusable, issue 18)."""
    n = next(_counter)
    user = create_user(
        email or f"person{n}@example.org",
        name,
        password,
        is_admin=admin,
        email_verified=verified,
        claimed_category=category,
    )
    if second_factor if second_factor is not None else admin:
        enable_totp(user)
    db.session.commit()
    return user


def enable_totp(user: User) -> list[str]:
    """Give the account TOTP as if it had enrolled earlier; returns its recovery codes.

    The secret is ``user.totp_secret``: ``totp_code(user)`` makes a current code.
    """
    from conference.accounts import two_factor

    two_factor.begin_totp_enrolment(user)
    user.totp_enabled_at = utcnow()
    codes = two_factor.regenerate_recovery_codes(user)
    db.session.flush()
    return codes


def totp_code(user: User, *, at: datetime | None = None, steps: int = 0) -> str:
    """The code the account's authenticator shows at ``at`` (now), ``steps`` steps later."""
    import pyotp

    moment = (at or utcnow()) + timedelta(seconds=30 * steps)
    return pyotp.TOTP(user.totp_secret).at(moment)


def make_event(
    slug: str | None = None,
    *,
    title: str = "CERIS test event",
    published: bool = True,
    start: date | None = None,
    days: int = 2,
    timezone: str = "Europe/Brussels",
    kind: str = "thematic",
    **extra,
) -> Event:
    n = next(_counter)
    start = start or (utcnow().date() + timedelta(days=30))
    event = create_event(
        EventDetails(
            slug=slug or f"event-{n}",
            title=title,
            kind=kind,
            timezone=timezone,
            start_date=start,
            end_date=start + timedelta(days=days - 1),
            **extra,
        ),
        actor=None,
    )
    if published:
        set_published(event, True, actor=None)
    db.session.commit()
    return event


def make_staff(event: Event, role: str, *, second_factor: bool = True, **user_kwargs) -> User:
    """A staff member of ``event``, with the second factor staff need (unless told not to)."""
    user = make_user(second_factor=second_factor, **user_kwargs)
    grant_role(event, user, role, actor=None)
    db.session.commit()
    return user


def make_room(event: Event, name: str = "Room A", capacity: int = 50) -> Room:
    room = Room(event_id=event.id, name=name, capacity=capacity)
    db.session.add(room)
    db.session.commit()
    return room


def make_track(event: Event, name: str = "Track 1") -> Track:
    track = Track(event_id=event.id, name=name)
    db.session.add(track)
    db.session.commit()
    return track


def make_speaker(event: Event, name: str = "Speaker One", country: str = "BE") -> Speaker:
    speaker = Speaker(event_id=event.id, name=name, country=country)
    db.session.add(speaker)
    db.session.commit()
    return speaker


def make_session(
    event: Event,
    *,
    title: str = "A session",
    room: Room | None = None,
    starts_at: datetime | None = None,
    minutes: int = 60,
    restricted_to: list[str] | None = None,
    visibility: str | None = None,
    **extra,
) -> AgendaSession:
    room = room or make_room(event)
    starts_at = starts_at or datetime.combine(event.start_date, datetime.min.time(), UTC).replace(
        hour=9
    )
    session = create_session(
        event,
        SessionFields(
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            room_id=room.id,
            restricted_to=restricted_to or [],
            restricted_visibility=visibility or ("listed" if restricted_to else None),
            **extra,
        ),
    )
    db.session.commit()
    return session


def make_registration(
    event: Event,
    user: User | None = None,
    *,
    category: str = "academia",
    status: str = RegistrationStatus.APPROVED.value,
    verified: bool = False,
) -> Registration:
    user = user or make_user(category=category)
    registration = Registration(
        event_id=event.id,
        user_id=user.id,
        category=category,
        status=status,
        category_verified_at=utcnow() if verified else None,
    )
    db.session.add(registration)
    # As the registration services do: the door's name search knows the new registrant.
    search.reindex_registration(registration)
    db.session.commit()
    return registration


# --- Agenda and bookings -------------------------------------------------------


def make_booking(
    registration: Registration,
    session: AgendaSession,
    *,
    status: str = "confirmed",
    waitlist_position: int | None = None,
):
    """A booking row as the registration feature would write it."""

    booking = Booking(
        registration_id=registration.id,
        session_id=session.id,
        status=status,
        waitlist_position=waitlist_position,
    )
    db.session.add(booking)
    db.session.commit()
    return booking


# --- Registration (services, so seat counters and the audit trail stay right) ----


def make_open_event(slug: str | None = None, *, mode: str = "automatic", **extra) -> Event:
    """A published event whose registration is open now."""
    now = utcnow()
    extra.setdefault("registration_opens_at", now - timedelta(days=1))
    extra.setdefault("registration_closes_at", now + timedelta(days=20))
    return make_event(slug, registration_mode=mode, **extra)


def registration_details(category: str = "academia", **overrides):
    from conference.registration.services import RegistrationDetails

    values = {
        "category": category,
        "organisation": "University of Tartu",
        "country": "EE",
        "job_title": "Researcher",
        "privacy_consent": True,
    }
    values.update(overrides)
    return RegistrationDetails(**values)


def register(
    event: Event, user: User | None = None, *, category: str = "academia", verified: bool = False
) -> Registration:
    """Register through the service (approved or pending by the event's mode), then commit."""
    from conference.registration import services

    user = user or make_user(category=category)
    registration = services.register(event, user, registration_details(category))
    if verified:
        from conference.registration.moderation import verify_category

        verify_category(registration, actor=None)
    db.session.commit()
    return registration


def make_attendee(
    event: Event, *, category: str = "academia", verified: bool = False, name: str = "Attendee"
) -> Registration:
    """An approved registration made by the services (the event must have room)."""
    from conference.registration import moderation

    user = make_user(category=category, name=name)
    registration = moderation.enrol(event, user, category=category, actor=None, verified=verified)
    db.session.commit()
    return registration


def _primary_key(user) -> int:
    # An account loaded by another app's session must not be refreshed through it: that
    # session would borrow a connection of this app's engine and keep it past the test.
    state = sa_inspect(user, raiseerr=False)
    if state is not None and state.identity:
        return state.identity[0]
    return user.id  # a world's plain snapshot of the account


def sign_in(client, user: User):
    """Make ``client`` a browser signed in as ``user``, as a completed log-in leaves it: the
    login token and a live session row (two-factor passed when the account has it)."""
    from conference.accounts.sessions import open_session

    user = db.session.get(User, _primary_key(user))
    method = "totp" if user.has_totp else "password"
    row = open_session(user, method=method, user_agent="Test client", address="127.0.0.1")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
        session["sid"] = row.key
        session["signed_in_with"] = method
    return client
