"""Which sessions a feed holds for whom, built once per agenda version and audience.

Every feed is made of the agenda's visible rows (``agenda.queries.visible_rows``
or ``visible_session``): its body, ETag and Last-Modified come from what the
audience sees only, so a change to something hidden from it moves nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from conference.agenda.filters import AgendaFilters
from conference.agenda.models import AgendaSession, Room, SessionKind, Track
from conference.agenda.queries import (
    STAFF,
    Audience,
    VisibleSession,
    latest_change,
    visible_rows,
    visible_session,
)
from conference.agenda.translated import event_field, session_field
from conference.db_types import MAX_DB_INT, utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.feeds.ical import FeedEntry, FeedMeta, render_calendar
from conference.feeds.models import CalendarToken, FeedKind, new_feed_token
from conference.i18n import language_for
from conference.markings import marking_text
from conference.outputcache import BuiltFeed, FeedCache, FragmentCache, app_cache
from conference.registration.models import Booking, BookingStatus, Registration
from conference.urls import external_url

CLOSED_DESCRIPTION = _l("A closed session with restricted participation.")


def feed_cache() -> FeedCache:
    return app_cache("feed_cache", "FEED_CACHE")


def fragment_cache() -> FragmentCache:
    cache = current_app.extensions.get("feed_fragments")
    if cache is None:
        cache = FragmentCache(max_bytes=current_app.config["FEED_FRAGMENTS_MAX_BYTES"])
        current_app.extensions["feed_fragments"] = cache
    return cache


def visibility_class(user: Any, event: Event) -> Audience:
    """Viewers who see exactly the same sessions share one cached feed."""
    return Audience.of(user, event)


@dataclass(frozen=True)
class EntryTexts:
    """What every entry of one feed writes the same way, looked up once per feed build
    (a w5000 feed has 5,000 entries: per entry, these lookups were a third of its build)."""

    speakers: str
    cancelled: str
    closed_description: str
    kind_labels: dict[str, str]
    session_url_head: str
    session_url_tail: str

    @classmethod
    def of(cls, event: Event) -> EntryTexts:
        """In the locale in force (the feed's language)."""
        # The address of a session with a stand-in id, split where the id goes.
        stand_in = str(MAX_DB_INT)
        url = external_url("agenda.session_detail", slug=event.slug, session_id=MAX_DB_INT)
        head, _found, tail = url.rpartition(stand_in)
        return cls(
            speakers=_("Speakers: %(names)s"),
            cancelled=_("%(title)s (cancelled)"),
            closed_description=str(CLOSED_DESCRIPTION),
            kind_labels={kind.value: kind.label for kind in SessionKind},
            session_url_head=head,
            session_url_tail=tail,
        )

    def session_url(self, session_id: int) -> str:
        return f"{self.session_url_head}{session_id}{self.session_url_tail}"


def session_entry(
    item: VisibleSession,
    event: Event,
    language: str | None = None,
    texts: EntryTexts | None = None,
) -> FeedEntry:
    """One visible session as a feed entry; a closed block keeps its time, room and status.

    Written in ``language`` (the feed's: its title and abstract as translated, else the
    original, and the fixed texts); the caller has forced that locale. A feed of many
    entries passes its ``texts`` (``EntryTexts.of``)."""
    texts = texts or EntryTexts.of(event)
    room = item.room.name if item.room else ""
    common = {
        "uid": item.uid,
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "timezone": event.timezone,
        "sequence": item.revision,
        "created": item.created_at,
        "last_modified": item.updated_at,
        "cancelled": item.is_cancelled,
        "location": ", ".join(part for part in (room, event.venue) if part),
    }
    if item.closed:
        return FeedEntry(
            summary=session_field(item, "title", language),
            description=texts.closed_description,
            closed=True,
            **common,
        )
    url = texts.session_url(item.id)
    speakers = ", ".join(s.name for s in item.speakers)
    parts = [session_field(item, "abstract", language).strip()]
    if speakers:
        parts.append(texts.speakers % {"names": speakers})
    labels = item.marking_labels
    if labels:
        parts.append(marking_text(labels))
    parts.append(url)
    kind_label = texts.kind_labels.get(item.kind, "") if item.kind else ""
    categories = tuple(
        c for c in ((item.track.name if item.track else None), kind_label) if c
    ) + tuple(labels)
    title = session_field(item, "title", language)
    if item.is_cancelled:
        title = texts.cancelled % {"title": title}
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
    last_modified: datetime,
) -> BuiltFeed:
    body = render_calendar(
        FeedMeta(name=name, description=description, timezones=zones), entries, fragment_cache()
    )
    return BuiltFeed(
        body=body,
        etag=hashlib.sha256(body).hexdigest()[:32],
        last_modified=last_modified,
        filename=filename,
    )


def _scope_name(
    items: list[VisibleSession], audience: Audience, event: Event, model: type, ident: int
) -> str | None:
    """The track's or room's name as the feed may give it, or None if it must be absent.

    Taken from a session shown in it: a track or room the audience sees no
    session in answers as a missing one. Staff see every one of the event.
    """
    if items:
        shown = items[0].track if model is Track else items[0].room
        return shown.name
    if audience.staff:
        found = db.session.get(model, ident)
        if found is not None and found.event_id == event.id:
            return found.name
    return None


def event_feed(
    event: Event,
    audience: Audience,
    *,
    track_id: int | None = None,
    room_id: int | None = None,
    language: str | None = None,
) -> BuiltFeed | None:
    """The event's sessions as ``audience`` sees them, optionally one track or room, written
    in ``language`` (default: the event's, docs/feeds-language.md).

    None when the track or room is one the audience sees no session in: the
    caller answers 404, as for a track or room that does not exist.
    """
    # A finished edition says so: the key changes the day it ends.
    past = event.is_past
    language = language or language_for(None, event)
    key = ("event", event.id, event.agenda_version, past, audience, track_id, room_id, language)

    def build() -> BuiltFeed | None:
        with force_locale(language):
            return _build_event_feed(language)

    def _build_event_feed(language: str) -> BuiltFeed | None:
        conditions, suffix, slug_suffix = [], "", ""
        if track_id is not None:
            conditions.append(AgendaSession.track_id == track_id)
            slug_suffix = f"-track-{track_id}"
        if room_id is not None:
            conditions.append(AgendaSession.room_id == room_id)
            slug_suffix = f"-room-{room_id}"
        # The agenda's own filter: a closed block is in its room but in no track.
        items = AgendaFilters(track=track_id, room=room_id).apply(
            visible_rows(event, audience, *conditions)
        )
        if track_id is not None or room_id is not None:
            model, ident = (Track, track_id) if track_id is not None else (Room, room_id)
            name = _scope_name(items, audience, event, model, ident)
            if name is None:
                return None
            suffix = f" – {name}"
        title = event_field(event, "title", language)
        texts = EntryTexts.of(event)
        return _build(
            f"{title}{suffix}",
            (_("Past edition.") + " " if past else "")
            + _(
                "Programme of %(title)s (%(timezone)s), %(venue)s",
                title=title,
                timezone=event.timezone,
                venue=event.venue or "",
            ).rstrip(", "),
            f"{event.slug}{slug_suffix}.ics",
            [session_entry(item, event, language, texts) for item in items],
            {event.timezone: (event.start_date, event.end_date)},
            latest_change(event, items),
        )

    return feed_cache().get_or_build(key, build, family=event.id, version=event.agenda_version)


def staff_feed(event: Event, language: str | None = None) -> BuiltFeed:
    """Everything of the event, hidden sessions included."""
    feed = event_feed(event, STAFF, language=language)
    assert feed is not None
    return BuiltFeed(feed.body, feed.etag, feed.last_modified, f"{event.slug}-staff.ics")


def single_session_feed(
    item: VisibleSession, event: Event, language: str | None = None
) -> BuiltFeed:
    """One session as the viewer sees it, for "add to calendar", in ``language``."""
    language = language or language_for(None, event)
    with force_locale(language):
        entry = session_entry(item, event, language)
        title = event_field(event, "title", language)
    return _build(
        entry.summary,
        title,
        f"{event.slug}-session-{item.id}.ics",
        [entry],
        {event.timezone: (event.start_date, event.end_date)},
        item.updated_at,
    )


def changed_sessions_calendar(
    event: Event, items: list[VisibleSession], language: str | None = None
) -> bytes:
    """Sessions as a calendar file for a change notice, with the feeds' own entries.

    Same UID, SEQUENCE and content as in every feed (METHOD:PUBLISH, as the feeds), so a
    calendar app that imports it updates the event it already holds rather than adding one.
    """
    language = language or language_for(None, event)
    with force_locale(language):
        title = event_field(event, "title", language)
        meta = FeedMeta(
            name=_("%(title)s: programme changes", title=title),
            description=_(
                "Changed sessions of %(title)s (%(timezone)s)",
                title=title,
                timezone=event.timezone,
            ),
            timezones={event.timezone: (event.start_date, event.end_date)},
        )
        texts = EntryTexts.of(event)
        entries = [session_entry(item, event, language, texts) for item in items]
    return render_calendar(meta, entries, fragment_cache())


def personal_feed(user: Any, since: datetime, language: str | None = None) -> BuiltFeed:
    """The sessions the person holds a confirmed seat in, across every published event, in
    ``language`` (default: the person's own).

    ``since`` (when the feed's address was made) is its Last-Modified while it is empty.
    """
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
    language = language or language_for(user)
    with force_locale(language):
        return _personal_feed(user, since, rows, language)


def _personal_feed(user: Any, since: datetime, rows: list, language: str) -> BuiltFeed:
    entries, zones = [], {}
    texts: dict[int, EntryTexts] = {}
    for session, registration in rows:
        event = session.event
        item = visible_session(user, session, registration)
        if item is None:
            continue
        if event.id not in texts:
            texts[event.id] = EntryTexts.of(event)
        entries.append(session_entry(item, event, language, texts[event.id]))
        zones[event.timezone] = (
            min(event.start_date, zones.get(event.timezone, (event.start_date,))[0]),
            max(event.end_date, zones.get(event.timezone, (None, event.end_date))[1]),
        )
    return _build(
        _("My sessions – %(name)s", name=user.name),
        _("The sessions you booked at CERIS events"),
        "my-sessions.ics",
        entries,
        zones,
        max((e.last_modified for e in entries), default=since.replace(microsecond=0)),
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
