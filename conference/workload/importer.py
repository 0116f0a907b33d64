"""Load an event and its agenda from the shared workload format (docs/formats.md).

The whole document is validated first (JSON Schema, then references, times
and uniqueness) and every problem is reported with its JSON path; nothing is
written unless the document is valid. Re-importing updates the event in place,
matching rooms, tracks, speakers and sessions by the file's ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import fastjsonschema
from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from conference.agenda.ids import (
    room_public_id,
    session_public_id,
    speaker_public_id,
    track_public_id,
)
from conference.agenda.models import (
    AgendaSession,
    Room,
    SessionKind,
    SessionStatus,
    Speaker,
    Track,
    new_session_uid,
    session_speakers,
)
from conference.agenda.services import (
    SessionFields,
    apply_session_fields,
    cancel_session,
    record_added,
    session_values,
)
from conference.agenda.translated import SESSION_FIELDS
from conference.bulk_insert import insert_rows
from conference.categories import StakeholderCategory
from conference.db_types import utcnow
from conference.errors import ImportValidationError
from conference.events.models import Event, EventKind
from conference.events.services import SLUG_PATTERN, bump_agenda_version, is_valid_timezone
from conference.events.translated import EVENT_FIELDS, TRANSLATED_LANGUAGES, clean_translations
from conference.extensions import db
from conference.localtime import NonexistentLocalTime, to_instant
from conference.markings import TLP
from conference.workload.attendees import ATTENDEE_SCHEMA, load_attendees, validate_attendees

_ID = {"type": "string", "minLength": 1, "maxLength": 80}
_TEXT = {"type": "string", "maxLength": 300}
_LOCAL_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"}
_COUNTRY = {"type": "string", "pattern": "^([A-Z]{2})?$"}


def _translations_schema(*fields: str) -> dict[str, Any]:
    """Optional ``{"fr": {...}, "de": {...}}``: each language's texts, every field optional."""
    texts = {
        "type": "object",
        "properties": {name: {"type": "string"} for name in fields},
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {language: texts for language in TRANSLATED_LANGUAGES},
        "additionalProperties": False,
    }


SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event", "rooms", "tracks", "speakers", "sessions"],
    "properties": {
        "event": {
            "type": "object",
            "required": ["slug", "title", "timezone", "start", "days"],
            "properties": {
                "slug": {"type": "string", "minLength": 1, "maxLength": 80},
                "title": {"type": "string", "minLength": 1, "maxLength": 200},
                "timezone": {"type": "string"},
                "venue": {"type": "string", "maxLength": 200},
                "description": {"type": "string"},
                "kind": {"enum": [k.value for k in EventKind]},
                "start": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                "days": {"type": "integer", "minimum": 1, "maximum": 31},
                "published": {"type": "boolean"},
                "translations": _translations_schema(*EVENT_FIELDS),
            },
        },
        "rooms": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "capacity"],
                "properties": {
                    "id": _ID,
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "capacity": {"type": "integer", "minimum": 1},
                },
            },
        },
        "tracks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": _ID,
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                },
            },
        },
        "speakers": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": _ID,
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "country": _COUNTRY,
                    "organisation": {"type": "string", "maxLength": 200},
                    "bio": {"type": "string"},
                },
            },
        },
        "sessions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "title", "kind", "room", "start", "end"],
                "properties": {
                    "id": _ID,
                    "title": {**_TEXT, "minLength": 1},
                    "abstract": {"type": "string"},
                    "kind": {"type": "string"},
                    "track": {"type": ["string", "null"]},
                    "room": {"type": "string"},
                    "start": _LOCAL_TIME,
                    "end": _LOCAL_TIME,
                    "speakers": {"type": "array", "items": {"type": "string"}},
                    "restricted_to": {
                        "type": "array",
                        "items": {"enum": [c.value for c in StakeholderCategory]},
                    },
                    "restricted_visibility": {"enum": ["listed", "hidden", None]},
                    "capacity": {"type": ["integer", "null"], "minimum": 1},
                    "status": {"enum": [s.value for s in SessionStatus]},
                    "requires_booking": {"type": "boolean"},
                    "tlp": {"enum": [*(t.value for t in TLP), None]},
                    "chatham_house": {"type": "boolean"},
                    # Kept when the session is created, unless another session has it.
                    "uid": {"type": "string", "minLength": 1, "maxLength": 120},
                    "translations": _translations_schema(*SESSION_FIELDS),
                },
            },
        },
        "attendees": {"type": "array", "items": ATTENDEE_SCHEMA},
    },
}


@dataclass
class ImportReport:
    slug: str
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # What the import changes in the agenda, a line each (the web import's preview shows it).
    changes: list[str] = field(default_factory=list)

    def bump(self, key: str, amount: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + amount


def _json_path(parts) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _check_unique_ids(document: dict, key: str, errors: list[tuple[str, str]]) -> set[str]:
    seen: set[str] = set()
    for index, item in enumerate(document.get(key, [])):
        if item["id"] in seen:
            errors.append((f"$.{key}[{index}].id", f"duplicate id {item['id']!r}"))
        seen.add(item["id"])
    return seen


@cache
def _shape_check() -> Callable[[Any], Any]:
    """The schema compiled to Python (fastjsonschema): a 9 MB file is checked in a fraction of
    a second, where the interpreting validator takes seconds. It stops at the first problem,
    so a file that fails it is read again by ``jsonschema`` for every problem with its path.
    Defaults are not filled in and formats not asserted, as ``jsonschema`` does here."""
    return fastjsonschema.compile(SCHEMA, use_default=False, use_formats=False)


def _shape_errors(document: Any) -> list[tuple[str, str]]:
    try:
        _shape_check()(document)
    except fastjsonschema.JsonSchemaException:
        validator = Draft202012Validator(SCHEMA)
        found = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path)))
        return [(_json_path(error.absolute_path), error.message) for error in found]
    return []


def validate_document(document: Any) -> list[tuple[str, str]]:
    """Every problem in the document as (JSON path, message); empty when it is valid."""
    errors = _shape_errors(document)
    if errors:
        return errors
    ev = document["event"]
    if not SLUG_PATTERN.match(ev["slug"]):
        errors.append(("$.event.slug", "use lowercase letters, digits and single hyphens"))
    if not is_valid_timezone(ev["timezone"]):
        errors.append(("$.event.timezone", f"unknown IANA timezone {ev['timezone']!r}"))
        return errors
    try:
        first_day = date.fromisoformat(ev["start"])
    except ValueError:
        errors.append(("$.event.start", f"not a date: {ev['start']!r}"))
        return errors
    last_day = first_day + timedelta(days=ev["days"] - 1)
    zone = ZoneInfo(ev["timezone"])
    room_ids = _check_unique_ids(document, "rooms", errors)
    track_ids = _check_unique_ids(document, "tracks", errors)
    speaker_ids = _check_unique_ids(document, "speakers", errors)
    session_ids = _check_unique_ids(document, "sessions", errors)
    errors.extend(validate_attendees(document, session_ids))
    for index, item in enumerate(document["sessions"]):
        path = f"$.sessions[{index}]"
        try:
            SessionKind.from_label(item["kind"])
        except ValueError:
            labels = ", ".join(k.label for k in SessionKind)
            errors.append((f"{path}.kind", f"unknown kind {item['kind']!r} (one of: {labels})"))
        if item["room"] not in room_ids:
            errors.append((f"{path}.room", f"no room with id {item['room']!r}"))
        if item.get("track") is not None and item["track"] not in track_ids:
            errors.append((f"{path}.track", f"no track with id {item['track']!r}"))
        for s_index, speaker in enumerate(item.get("speakers", [])):
            if speaker not in speaker_ids:
                errors.append((f"{path}.speakers[{s_index}]", f"no speaker with id {speaker!r}"))
        if item.get("restricted_to") and item.get("restricted_visibility") is None:
            errors.append(
                (f"{path}.restricted_visibility", "a restricted session needs listed or hidden")
            )
        times = {}
        for key in ("start", "end"):
            try:
                local = datetime.fromisoformat(item[key])
                times[key] = to_instant(local, zone)
            except NonexistentLocalTime as error:
                errors.append((f"{path}.{key}", str(error)))
                continue
            except ValueError:
                errors.append((f"{path}.{key}", f"not a date and time: {item[key]!r}"))
                continue
            if not first_day <= local.date() <= last_day:
                errors.append(
                    (
                        f"{path}.{key}",
                        f"{item[key]} is outside the event ({first_day} to {last_day})",
                    )
                )
        if len(times) == 2 and times["end"] <= times["start"]:
            errors.append((f"{path}.end", "the session must end after it starts"))
    return errors


def _existing(model, event: Event, public_id) -> dict[str, Any]:
    """Rows by external id, or for rows made on the organisers' pages by their exported id."""
    if event.id is None:
        return {}
    rows = db.session.scalars(select(model).where(model.event_id == event.id))
    return {public_id(row): row for row in rows}


def _insert_sessions(
    event: Event, rows: list[dict[str, Any]], speakers: list[list[int]], *, record: bool
) -> None:
    """Insert new sessions and their speakers' places in bulk; ``record``: the agenda was
    already public, so each goes to its changelog as added (``record_added``)."""
    if not rows:
        return
    db.session.flush()
    connection = db.session.connection()
    insert_rows(connection, AgendaSession.__table__, rows)
    table = AgendaSession.__table__
    ids = dict(
        db.session.execute(
            select(table.c.external_id, table.c.id).where(
                table.c.event_id == event.id,
                table.c.external_id.in_([row["external_id"] for row in rows]),
            )
        ).all()
    )
    links = [
        {"session_id": ids[row["external_id"]], "speaker_id": speaker_id, "position": position}
        for row, speaker_ids in zip(rows, speakers, strict=True)
        for position, speaker_id in enumerate(speaker_ids)
    ]
    insert_rows(connection, session_speakers, links)
    if record:
        added = db.session.scalars(
            select(AgendaSession).where(AgendaSession.id.in_(list(ids.values())))
        )
        by_id = {session.id: session for session in added}
        for row in rows:
            record_added(event, by_id[ids[row["external_id"]]])


def import_event(
    document: Any,
    *,
    cancel_absent: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate then create or update the event, rooms, tracks, speakers and sessions.

    Sessions of the event that the file does not list are cancelled unless ``cancel_absent``
    is false (a CSV of some sessions adds and updates those only). ``progress(done, total)``
    is called as sessions are written.
    """
    errors = validate_document(document)
    if errors:
        raise ImportValidationError(errors)
    ev = document["event"]
    event = db.session.scalar(select(Event).where(Event.slug == ev["slug"]))
    report = ImportReport(slug=ev["slug"], created=event is None)
    # Changes to an agenda that was already public go to its changelog.
    was_published = event is not None and event.is_published
    first_day = date.fromisoformat(ev["start"])
    if event is None:
        event = Event(slug=ev["slug"])
        db.session.add(event)
    event.title = ev["title"]
    event.timezone = ev["timezone"]
    event.venue = ev.get("venue", event.venue or "")
    if "description" in ev:
        event.description = ev["description"]
    if "translations" in ev:
        event.translations = clean_translations(ev["translations"], EVENT_FIELDS)
    event.kind = (
        ev.get("kind")
        or event.kind
        or (EventKind.FLAGSHIP.value if "flagship" in ev["slug"] else EventKind.THEMATIC.value)
    )
    event.start_date = first_day
    event.end_date = first_day + timedelta(days=ev["days"] - 1)
    published = ev.get("published", True)
    if published and not event.is_published:
        event.published_at = event.published_at or utcnow()
    event.is_published = published
    db.session.flush()

    rooms = _existing(Room, event, room_public_id)
    for position, item in enumerate(document["rooms"]):
        room = rooms.get(item["id"])
        if room is None:
            room = Room(event_id=event.id)
            report.changes.append(f"New room: {item['name']}")
        room.external_id = item["id"]
        room.name, room.capacity, room.position = item["name"], item["capacity"], position
        db.session.add(room)
        rooms[item["id"]] = room
    tracks = _existing(Track, event, track_public_id)
    for position, item in enumerate(document["tracks"]):
        track = tracks.get(item["id"])
        if track is None:
            track = Track(event_id=event.id)
            report.changes.append(f"New track: {item['name']}")
        track.external_id = item["id"]
        track.name, track.position = item["name"], position
        db.session.add(track)
        tracks[item["id"]] = track
    speakers = _existing(Speaker, event, speaker_public_id)
    for item in document["speakers"]:
        speaker = speakers.get(item["id"])
        if speaker is None:
            speaker = Speaker(event_id=event.id)
            report.changes.append(f"New speaker: {item['name']}")
        speaker.external_id = item["id"]
        speaker.name = item["name"]
        speaker.country = item.get("country", "")
        speaker.organisation = item.get("organisation", speaker.organisation or "")
        speaker.bio = item.get("bio", speaker.bio or "")
        db.session.add(speaker)
        speakers[item["id"]] = speaker
    db.session.flush()
    report.counts.update(rooms=len(document["rooms"]), tracks=len(document["tracks"]))
    report.counts["speakers"] = len(document["speakers"])

    zone = ZoneInfo(ev["timezone"])
    existing = _existing(AgendaSession, event, session_public_id)
    wanted_uids = [item["uid"] for item in document["sessions"] if item.get("uid")]
    taken_uids = set(
        db.session.scalars(select(AgendaSession.uid).where(AgendaSession.uid.in_(wanted_uids)))
        if wanted_uids
        else []
    )
    if existing:
        # Load every speaker list in one query rather than one per session.
        db.session.scalars(
            select(AgendaSession)
            .where(AgendaSession.event_id == event.id)
            .options(selectinload(AgendaSession.speakers))
        ).all()
    seen: set[str] = set()
    # New sessions are inserted in bulk after the loop (plain rows: no ORM object each).
    new_sessions: list[dict[str, Any]] = []
    new_speakers: list[list[int]] = []
    total = len(document["sessions"])
    for done, item in enumerate(document["sessions"], 1):
        if progress is not None:
            progress(done, total)
        seen.add(item["id"])
        room = rooms[item["room"]]
        fields = SessionFields(
            title=item["title"],
            abstract=item.get("abstract", ""),
            kind=SessionKind.from_label(item["kind"]).value,
            track_id=tracks[item["track"]].id if item.get("track") else None,
            room_id=room.id,
            starts_at=to_instant(datetime.fromisoformat(item["start"]), zone),
            ends_at=to_instant(datetime.fromisoformat(item["end"]), zone),
            capacity=item.get("capacity"),
            # A session with its own seat limit is booked in advance unless the file says otherwise.
            requires_booking=item.get("requires_booking", item.get("capacity") is not None),
            restricted_to=list(item.get("restricted_to", [])),
            restricted_visibility=item.get("restricted_visibility"),
            status=item.get("status", SessionStatus.SCHEDULED.value),
            speakers=[speakers[s] for s in item.get("speakers", [])],
            tlp=item.get("tlp"),
            chatham_house=bool(item.get("chatham_house", False)),
        )
        if fields.capacity is not None and fields.capacity > room.capacity:
            report.warnings.append(
                f"session {item['id']}: capacity {fields.capacity} exceeds room "
                f"{room.name} ({room.capacity})"
            )
        session = existing.get(item["id"])
        if session is None:
            uid = item.get("uid")
            if uid and uid not in taken_uids:
                taken_uids.add(uid)
            else:
                uid = new_session_uid()
            values = session_values(fields)
            new_sessions.append(
                {
                    "event_id": event.id,
                    "external_id": item["id"],
                    "revision": 0,
                    "uid": uid,
                    "translations": clean_translations(item.get("translations"), SESSION_FIELDS),
                    **values,
                }
            )
            new_speakers.append([s.id for s in fields.speakers])
            report.bump("sessions created")
            report.changes.append(f"New session: {values['title']}")
        else:
            session.external_id = item["id"]
            changed = apply_session_fields(session, fields)
            if "translations" in item:
                translations = clean_translations(item["translations"], SESSION_FIELDS)
                if translations != (session.translations or {}):
                    session.translations = translations
                    if not changed:  # calendars must update: the summary they show changed
                        session.revision = (session.revision or 0) + 1
                    changed = {*changed, "translations"}
            if changed:
                report.bump("sessions updated")
                what = ", ".join(sorted(name.replace("_", " ") for name in changed))
                report.changes.append(f"Changed session: {session.title} — {what}")
    _insert_sessions(event, new_sessions, new_speakers, record=was_published)
    absent = [s for e, s in existing.items() if e not in seen] if cancel_absent else []
    for session in absent:
        if cancel_session(session):
            report.bump("sessions cancelled (absent from the file)")
            report.changes.append(f"Cancelled (absent from the file): {session.title}")
    report.counts["sessions"] = len(document["sessions"])
    bump_agenda_version(event)
    db.session.flush()
    if document.get("attendees"):
        load_attendees(event, document["attendees"], report)
    return report
