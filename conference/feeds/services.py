"""Which sessions a feed holds for whom, built once per agenda version."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from conference import permissions
from conference.agenda.models import AgendaSession
from conference.agenda.queries import attach_speakers
from conference.db_types import utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.feeds.ical import FeedEntry, FeedMeta, render_calendar
from conference.feeds.models import CalendarToken, FeedKind, new_feed_token
from conference.markings import marking_labels, marking_text
from conference.outputcache import BuiltFeed, FeedCache, FragmentCache
from conference.registration.models import Booking, BookingStatus, Registration
from conference.urls import external_url

CLOSED_SESSION_TITLE = "Closed session"
STAFF_CLASS = "staff"
PUBLIC_CLASS = "public"


def feed_cache() -> FeedCache:
    return current_app.extensions.setdefault("feed_cache", FeedCache())


def fragment_cache() -> FragmentCache:
    return current_app.extensions.setdefault("feed_fragments", FragmentCache())


def visibility_class(user: Any, event: Event) -> str:
    """Viewers who see exactly the same sessions share one cached feed."""
    if permissions.is_event_staff(user, event):
        return STAFF_CLASS
    category = permissions.verified_category(permissions.registration_for(user, event))
    return f"verified:{category}" if category else PUBLIC_CLASS


def _load_sessions(*conditions: Any) -> list[AgendaSession]:
    """The sessions matching ``conditions``, with rooms, tracks and speakers, in time order."""
    sessions = list(
        db.session.scalars(
            select(AgendaSession)
            .where(*conditions)
            .options(
                joinedload(AgendaSession.room),
                joinedload(AgendaSession.track),
                lazyload(AgendaSession.speakers),
            )
            .order_by(AgendaSession.starts_at, AgendaSession.id)
        )
    )
    attach_speakers(sessions, *conditions)
    return sessions


def _visibility(session: AgendaSession, view_class: str) -> str:
    return permissions.visibility_for(
        session,
        staff=view_class == STAFF_CLASS,
        verified_category=view_class.removeprefix("verified:")
        if view_class.startswith("verified:")
        else None,
    )


def session_entry(session: AgendaSession, event: Event, visibility: str) -> FeedEntry:
    """One session as a feed entry, cut down to a closed block when the viewer may not see it."""
    room = session.room.name if session.room else ""
    location = ", ".join(part for part in (room, event.venue) if part)
    common = {
        "uid": session.uid,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "timezone": event.timezone,
        "sequence": session.revision,
        "created": session.created_at,
        "last_modified": session.updated_at,
        "cancelled": session.is_cancelled,
        "location": location,
    }
    if visibility == permissions.SESSION_CLOSED_BLOCK:
        return FeedEntry(
            summary=CLOSED_SESSION_TITLE,
            description="A closed session with restricted participation.",
            closed=True,
            **common,
        )
    url = external_url("agenda.session_detail", slug=event.slug, session_id=session.id)
    speakers = ", ".join(s.name for s in session.speakers)
    parts = [session.abstract.strip()]
    if speakers:
        parts.append(f"Speakers: {speakers}")
    labels = marking_labels(session.tlp, bool(session.chatham_house))
    if labels:
        parts.append(marking_text(labels))
    parts.append(url)
    categories = tuple(
        c for c in ((session.track.name if session.track else None), session.kind_label) if c
    ) + tuple(labels)
    title = f"{session.title} (cancelled)" if session.is_cancelled else session.title
    return FeedEntry(
        summary=title,
        description="\n\n".join(p for p in parts if p),
        url=url,
        categories=categories,
        **common,
    )


def _build(
    name: str,
    description: str,
    filename: str,
    entries: list[FeedEntry],
    zones: dict[str, tuple[date, date]],
) -> BuiltFeed:
    body = render_calendar(
        FeedMeta(name=name, description=description, timezones=zones), entries, fragment_cache()
    )
    last_modified = max((e.last_modified for e in entries), default=utcnow().replace(microsecond=0))
    return BuiltFeed(
        body=body,
        etag=hashlib.sha256(body).hexdigest()[:32],
        last_modified=last_modified,
        filename=filename,
    )


def _entries(sessions: Iterable[AgendaSession], event: Event, view_class: str) -> list[FeedEntry]:
    entries = []
    for session in sessions:
        visibility = _visibility(session, view_class)
        if visibility != permissions.SESSION_INVISIBLE:
            entries.append(session_entry(session, event, visibility))
    return entries


def event_feed(
    event: Event, view_class: str, *, track_id: int | None = None, room_id: int | None = None
) -> BuiltFeed:
    """The event's sessions as ``view_class`` sees them, optionally one track or room."""
    key = ("event", event.id, event.agenda_version, view_class, track_id, room_id)

    def build() -> BuiltFeed:
        conditions = [AgendaSession.event_id == event.id]
        suffix, slug_suffix = "", ""
        if track_id is not None:
            conditions.append(AgendaSession.track_id == track_id)
            slug_suffix = f"-track-{track_id}"
        if room_id is not None:
            conditions.append(AgendaSession.room_id == room_id)
            slug_suffix = f"-room-{room_id}"
        sessions = _load_sessions(*conditions)
        if track_id is not None or room_id is not None:
            from conference.agenda.models import Room, Track

            model, ident = (Track, track_id) if track_id is not None else (Room, room_id)
            named = db.session.get(model, ident)
            suffix = f" – {named.name}" if named else ""
        entries = _entries(sessions, event, view_class)
        return _build(
            f"{event.title}{suffix}",
            f"Programme of {event.title} ({event.timezone}), {event.venue}".rstrip(", "),
            f"{event.slug}{slug_suffix}.ics",
            entries,
            {event.timezone: (event.start_date, event.end_date)},
        )

    return feed_cache().get_or_build(key, build)


def staff_feed(event: Event) -> BuiltFeed:
    """Everything of the event, hidden sessions included."""
    feed = event_feed(event, STAFF_CLASS)
    return BuiltFeed(feed.body, feed.etag, feed.last_modified, f"{event.slug}-staff.ics")


def single_session_feed(session: AgendaSession, event: Event, visibility: str) -> BuiltFeed:
    entry = session_entry(session, event, visibility)
    return _build(
        entry.summary,
        event.title,
        f"{event.slug}-session-{session.id}.ics",
        [entry],
        {event.timezone: (event.start_date, event.end_date)},
    )


def personal_feed(user: Any) -> BuiltFeed:
    """The sessions the person holds a confirmed seat in, across every published event."""
    rows = db.session.execute(
        select(AgendaSession, Registration)
        .join(Booking, Booking.session_id == AgendaSession.id)
        .join(Registration, Registration.id == Booking.registration_id)
        .join(Event, Event.id == AgendaSession.event_id)
        .where(
            Registration.user_id == user.id,
            Registration.status == "approved",
            Booking.status == BookingStatus.CONFIRMED.value,
            Event.is_published.is_(True),
        )
        .options(
            joinedload(AgendaSession.room),
            joinedload(AgendaSession.track),
            joinedload(AgendaSession.event),
            selectinload(AgendaSession.speakers),
        )
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    ).all()
    entries, zones = [], {}
    for session, registration in rows:
        event = session.event
        visibility = permissions.session_visibility(user, session, registration)
        if visibility == permissions.SESSION_INVISIBLE:
            continue
        entries.append(session_entry(session, event, visibility))
        zones[event.timezone] = (
            min(event.start_date, zones.get(event.timezone, (event.start_date,))[0]),
            max(event.end_date, zones.get(event.timezone, (None, event.end_date))[1]),
        )
    return _build(
        f"My sessions – {user.name}",
        "The sessions you booked at CERIS events",
        "my-sessions.ics",
        entries,
        zones,
    )


# --- Tokens ------------------------------------------------------------------


def find_token_of(user: Any, kind: FeedKind, event: Event | None = None) -> CalendarToken | None:
    """The user's existing feed token of this kind, if any."""
    event_id = event.id if event is not None else None
    return db.session.scalar(
        select(CalendarToken).where(
            CalendarToken.user_id == user.id,
            CalendarToken.kind == kind.value,
            CalendarToken.event_id.is_(None)
            if event_id is None
            else CalendarToken.event_id == event_id,
        )
    )


def get_or_create_token(user: Any, kind: FeedKind, event: Event | None = None) -> CalendarToken:
    """The user's feed token of this kind, created on first use."""
    token = find_token_of(user, kind, event)
    if token is None:
        token = CalendarToken(
            user_id=user.id, kind=kind.value, event_id=event.id if event is not None else None
        )
        db.session.add(token)
        db.session.flush()
    return token


def rotate_token(user: Any, kind: FeedKind, event: Event | None = None) -> CalendarToken:
    """Give the feed a new secret address; the old one stops working at once."""
    token = get_or_create_token(user, kind, event)
    token.token = new_feed_token()
    token.created_at = utcnow()
    db.session.flush()
    return token


def find_token(value: str, kind: FeedKind) -> CalendarToken | None:
    if not value or len(value) > 64:
        return None
    return db.session.scalar(
        select(CalendarToken).where(CalendarToken.token == value, CalendarToken.kind == kind.value)
    )


def feed_addresses(token: CalendarToken, event: Event | None = None) -> dict[str, str]:
    """The https:// address and the webcal:// one that calendar apps subscribe to."""
    if token.kind == FeedKind.PERSONAL.value:
        https = external_url("feeds.personal_calendar", token=token.token)
    else:
        assert event is not None
        https = external_url("feeds.staff_calendar", slug=event.slug, token=token.token)
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}
