"""The agenda in the frab schedule XML format read by Giggity, ConfClerk and other apps.

A pure function from an ``AgendaView`` (already filtered for the viewer) to
bytes: schedule / conference / day / room / event, as frab and the c3voc
schema lay it out.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from xml.etree import ElementTree as ET

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference.agenda.models import SessionKind
from conference.agenda.queries import CLOSED_KIND, AgendaView, VisibleSession
from conference.agenda.translated import event_field, session_field
from conference.i18n import language_for
from conference.markings import marking_text

GENERATOR = "conference"
NO_ROOM = _l("Room to be announced")
# Characters XML 1.0 cannot carry at all.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _INVALID_XML.sub("", value or "")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _slugify(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60]


def _duration(item: VisibleSession) -> str:
    minutes = int((item.ends_at - item.starts_at).total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _event_guid(uid: str) -> str:
    """frab wants a UUID: ours is ``<uuid>@conference``, an imported one may be anything."""
    try:
        return str(uuid.UUID(uid.split("@", 1)[0]))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, uid))


def _room_guid(view: AgendaView, room) -> str:
    key = f"{view.event.slug}/room/{room.id if room is not None else 'none'}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))


def _event(
    parent: ET.Element,
    item: VisibleSession,
    view: AgendaView,
    session_url: Callable[[int], str],
    language: str,
) -> None:
    tz = view.event.tz
    start = item.starts_at.astimezone(tz)
    title = session_field(item, "title", language)
    if item.is_cancelled:
        title = _("Cancelled: %(title)s", title=title)
    node = _sub(parent, "event", guid=_event_guid(item.uid), id=str(item.id))
    _sub(node, "date", start.isoformat(timespec="seconds"))
    _sub(node, "start", start.strftime("%H:%M"))
    _sub(node, "duration", _duration(item))
    _sub(node, "room", item.room.name if item.room is not None else str(NO_ROOM))
    _sub(node, "slug", f"{view.event.slug}-{item.id}-{_slugify(item.title)}")
    _sub(node, "url", session_url(item.id))
    recording = _sub(node, "recording")
    _sub(recording, "license", "")
    _sub(recording, "optout", "true")
    _sub(node, "title", title)
    _sub(node, "subtitle", "")
    _sub(node, "track", item.track.name if item.track is not None else "")
    _sub(node, "type", CLOSED_KIND if item.closed else SessionKind(item.kind).label)
    _sub(node, "language", language)
    _sub(node, "abstract", session_field(item, "abstract", language))
    # frab has no field for a marking: the description carries it (docs/agenda-json.md).
    _sub(node, "description", marking_text(item.marking_labels))
    _sub(node, "logo", "")
    persons = _sub(node, "persons")
    for speaker in item.speakers:
        _sub(persons, "person", speaker.name, id=str(speaker.id))
    links = _sub(node, "links")
    _sub(links, "link", _("Session page"), href=session_url(item.id))
    _sub(node, "attachments")


def frab_schedule(
    view: AgendaView,
    *,
    base_url: str,
    session_url: Callable[[int], str],
    language: str | None = None,
) -> bytes:
    """The viewer's agenda as frab schedule XML, written in ``language`` (default: the event's):
    titles and abstracts as translated (else the original), each ``<language>`` says which."""
    language = language or language_for(None, view.event)
    with force_locale(language):
        return _schedule(view, base_url, session_url, language)


def _schedule(
    view: AgendaView, base_url: str, session_url: Callable[[int], str], language: str
) -> bytes:
    event = view.event
    tz = event.tz
    root = ET.Element("schedule")
    _sub(root, "generator", name=GENERATOR)
    # A hash of what this viewer sees, so hidden changes leave it as it is.
    _sub(root, "version", view.digest[:16])
    conference = _sub(root, "conference")
    _sub(conference, "acronym", event.slug)
    _sub(conference, "title", event_field(event, "title", language))
    _sub(conference, "start", event.start_date.isoformat())
    _sub(conference, "end", event.end_date.isoformat())
    _sub(conference, "days", str(len(event.days)))
    _sub(conference, "timeslot_duration", "00:15")
    _sub(conference, "base_url", base_url)
    _sub(conference, "time_zone_name", event.timezone)
    for index, day in enumerate(event.days, start=1):
        day_start = datetime.combine(day, time.min, tz)
        day_end = datetime.combine(day + timedelta(days=1), time.min, tz)
        day_node = _sub(
            root,
            "day",
            index=str(index),
            date=day.isoformat(),
            start=day_start.isoformat(timespec="seconds"),
            end=day_end.isoformat(timespec="seconds"),
        )
        items = view.sessions_on(day)
        rooms = [*view.rooms, None]
        for room in rooms:
            in_room = [s for s in items if s.room_id == (room.id if room is not None else None)]
            if room is None and not in_room:
                continue
            room_node = _sub(
                day_node,
                "room",
                name=room.name if room is not None else str(NO_ROOM),
                guid=_room_guid(view, room),
            )
            for item in in_room:
                _event(room_node, item, view, session_url, language)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
