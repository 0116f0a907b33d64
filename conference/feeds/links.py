""" "Add to calendar" links for one session (our .ics, Google Calendar, Outlook), and the
addresses of the event's public feeds to subscribe to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask_babel import gettext as _

from conference.agenda.models import AgendaSession
from conference.agenda.translated import current_language, session_field
from conference.events.models import Event
from conference.i18n import language_for
from conference.urls import external_url


def _language_args(event: Event) -> dict[str, str]:
    """``?lang=`` when the page's language is not the one the event's feeds default to."""
    language = current_language()
    return {} if language == language_for(None, event) else {"lang": language}


def add_to_calendar_links(session: AgendaSession, event: Event) -> dict[str, str]:
    """Links for a session the viewer may see in full."""
    page = external_url("agenda.session_detail", slug=event.slug, session_id=session.id)
    location = ", ".join(p for p in ((session.room.name if session.room else ""), event.venue) if p)
    language = current_language()
    title = session_field(session, "title", language)
    abstract = session_field(session, "abstract", language)
    details = f"{abstract.strip()}\n\n{page}".strip()
    start_utc = session.starts_at.strftime("%Y%m%dT%H%M%SZ")
    end_utc = session.ends_at.strftime("%Y%m%dT%H%M%SZ")
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": title,
            "dates": f"{start_utc}/{end_utc}",
            "details": details,
            "location": location,
            "ctz": event.timezone,
        }
    )
    outlook = "https://outlook.office.com/calendar/0/deeplink/compose?" + urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": title,
            "startdt": session.starts_at.isoformat(),
            "enddt": session.ends_at.isoformat(),
            "body": details,
            "location": location,
        }
    )
    ics = external_url(
        "feeds.session_calendar", slug=event.slug, session_id=session.id, **_language_args(event)
    )
    return {"ics": ics, "google": google, "outlook": outlook}


@dataclass(frozen=True)
class FeedLink:
    """A public calendar feed: what it holds, and its https and webcal addresses."""

    label: str
    https: str

    @property
    def webcal(self) -> str:
        return "webcal://" + self.https.split("://", 1)[1]


@dataclass(frozen=True)
class EventFeeds:
    """The event's own feeds: the whole programme, and one per track and per room."""

    event: FeedLink
    tracks: list[FeedLink]
    rooms: list[FeedLink]
    # The track or room the page is narrowed to, offered first.
    current: list[FeedLink]


def event_feed_links(
    event: Event,
    sessions: Sequence[Any] = (),
    *,
    track_id: int | None = None,
    room_id: int | None = None,
) -> EventFeeds:
    """Links to the event's public feeds, for the tracks and rooms of ``sessions``.

    Calendar apps fetch these without the viewer's login, so only tracks and rooms of
    sessions anyone may see (not restricted) are offered: no link answers 404 in the app.
    """
    public = [s for s in sessions if not s.closed and not s.is_restricted]
    lang = _language_args(event)
    tracks = {s.track.id: s.track for s in public if s.track is not None}
    rooms = {s.room.id: s.room for s in public if s.room is not None}
    track_links = {
        t.id: FeedLink(
            _("Track “%(name)s”", name=t.name),
            external_url("feeds.track_calendar", slug=event.slug, track_id=t.id, **lang),
        )
        for t in sorted(tracks.values(), key=lambda t: (t.position, t.id))
    }
    room_links = {
        r.id: FeedLink(
            _("Room “%(name)s”", name=r.name),
            external_url("feeds.room_calendar", slug=event.slug, room_id=r.id, **lang),
        )
        for r in sorted(rooms.values(), key=lambda r: (r.position, r.id))
    }
    current = [
        link for link in (track_links.get(track_id), room_links.get(room_id)) if link is not None
    ]
    return EventFeeds(
        FeedLink(
            _("The whole programme"),
            external_url("feeds.event_calendar", slug=event.slug, **lang),
        ),
        list(track_links.values()),
        list(room_links.values()),
        current,
    )
