""" "Add to calendar" links for one session: our .ics, Google Calendar and Outlook."""

from __future__ import annotations

from urllib.parse import urlencode

from conference.agenda.models import AgendaSession
from conference.events.models import Event
from conference.urls import external_url


def add_to_calendar_links(session: AgendaSession, event: Event) -> dict[str, str]:
    """Links for a session the viewer may see in full."""
    page = external_url("agenda.session_detail", slug=event.slug, session_id=session.id)
    location = ", ".join(p for p in ((session.room.name if session.room else ""), event.venue) if p)
    details = f"{session.abstract.strip()}\n\n{page}".strip()
    start_utc = session.starts_at.strftime("%Y%m%dT%H%M%SZ")
    end_utc = session.ends_at.strftime("%Y%m%dT%H%M%SZ")
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": session.title,
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
            "subject": session.title,
            "startdt": session.starts_at.isoformat(),
            "enddt": session.ends_at.isoformat(),
            "body": details,
            "location": location,
        }
    )
    ics = external_url("feeds.session_calendar", slug=event.slug, session_id=session.id)
    return {"ics": ics, "google": google, "outlook": outlook}
