"""The agenda as JSON (docs/agenda-json.md): a superset of the import format.

A pure function from an ``AgendaView`` (already filtered for the viewer) to a
JSON-ready dict, so what the viewer may not see is never in the document.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from conference.agenda.ids import room_public_id, speaker_public_id, track_public_id
from conference.agenda.models import SessionKind
from conference.agenda.queries import CLOSED_KIND, AgendaView, VisibleSession
from conference.agenda.translated import clean_translations, thawed
from conference.events.translated import EVENT_FIELDS

FORMAT = "conference-agenda"
FORMAT_VERSION = 1


def _local(instant: datetime, view: AgendaView) -> str:
    return instant.astimezone(view.event.tz).replace(tzinfo=None).isoformat(timespec="minutes")


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _session(item: VisibleSession, view: AgendaView, session_url: Callable[[int], str]) -> dict:
    document = {
        "id": item.public_id,
        "uid": item.uid,
        "title": item.title,
        "abstract": item.abstract,
        "kind": CLOSED_KIND if item.closed else SessionKind(item.kind).english_label,
        "track": track_public_id(item.track) if item.track is not None else None,
        "room": room_public_id(item.room) if item.room is not None else None,
        "start": _local(item.starts_at, view),
        "end": _local(item.ends_at, view),
        "start_utc": _utc(item.starts_at),
        "end_utc": _utc(item.ends_at),
        "speakers": [speaker_public_id(s) for s in item.speakers],
        "restricted_to": list(item.restricted_to),
        "restricted_visibility": item.restricted_visibility,
        # Open to named delegations' experts (never which: that is the organisers' business).
        "invitation_only": item.invitation_only,
        "capacity": item.capacity,
        "requires_booking": item.requires_booking,
        # The information-sharing marking (null/false on a closed block).
        "tlp": item.tlp,
        "chatham_house": item.chatham_house,
        "status": item.status,
        "revision": item.revision,
        "closed": item.closed,
        "url": session_url(item.id),
    }
    # The French and German title and abstract, as imported (none on a closed block).
    if item.translations:
        document["translations"] = thawed(item.translations)
    return document


def agenda_document(
    view: AgendaView,
    *,
    event_url: str,
    session_url: Callable[[int], str],
    speaker_url: Callable[[int], str],
) -> dict[str, Any]:
    """The viewer's agenda as a document that ``import-event`` reads back."""
    event = view.event
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "event": {
            "slug": event.slug,
            "title": event.title,
            "kind": event.kind,
            "timezone": event.timezone,
            "venue": event.venue or "",
            "description": event.description or "",
            "start": event.start_date.isoformat(),
            "days": len(event.days),
            "published": bool(event.is_published),
            "past": event.is_past,
            "url": event_url,
        },
        "rooms": [
            {"id": room_public_id(r), "name": r.name, "capacity": r.capacity} for r in view.rooms
        ],
        "tracks": [{"id": track_public_id(t), "name": t.name} for t in view.tracks],
        "speakers": [
            {
                "id": speaker_public_id(s),
                "name": s.name,
                "country": s.country or "",
                "organisation": s.organisation or "",
                "bio": s.bio or "",
                "url": speaker_url(s.id),
            }
            for s in view.speakers
        ],
        "sessions": [_session(item, view, session_url) for item in view.sessions],
    }
    translations = clean_translations(event.translations, EVENT_FIELDS)
    if translations:
        document["event"]["translations"] = translations
    return document
