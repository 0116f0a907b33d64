"""The organisers' web import of an agenda: upload, check, preview, then import off the request.

A file (the workload JSON format, or a CSV of sessions) is read and checked in full when it
is uploaded; nothing of the agenda is written then. It is kept as an ``AgendaUpload`` while
the organiser looks at the preview, which is the real import run in a transaction the view
rolls back, so it shows exactly what confirming will do. Confirming claims the upload once
and queues the import as a job (conference/jobs) with its progress page.

The page imports the agenda into the event it belongs to: rooms, tracks, speakers and
sessions. The event's own settings (title, dates, timezone) stay as they are, and people
(a JSON file's attendees) are imported only by an administrator with ``flask import-event``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, select, update

from conference.agenda.ids import room_public_id, speaker_public_id, track_public_id
from conference.agenda.models import Room, Speaker, Track
from conference.db_types import utcnow
from conference.errors import ImportValidationError
from conference.events.models import Event
from conference.extensions import db
from conference.request_limits import json_nesting_exceeds
from conference.workload.importer import ImportReport, import_event, validate_document
from conference.workload.models import AgendaUpload, UploadFormat
from conference.workload.sessions_csv import Names, read_sessions_csv

# The workload format is a few levels deep; anything deeper is not an agenda.
JSON_MAX_DEPTH = 32
# Unconfirmed uploads are removed after this long (``purge_stale_uploads``).
UPLOAD_LIFETIME = timedelta(days=1)


def _event_block(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "title": event.title,
        "timezone": event.timezone,
        "venue": event.venue or "",
        "description": event.description or "",
        "kind": event.kind,
        "start": event.start_date.isoformat(),
        "days": len(event.days),
        "published": bool(event.is_published),
    }


def _rows(model, event: Event) -> list:
    return list(
        db.session.scalars(select(model).where(model.event_id == event.id).order_by(model.id))
    )


def _catalogue(event: Event) -> dict[str, list[dict[str, Any]]]:
    """The event's rooms, tracks and speakers in the document's shape, by their public ids."""
    return {
        "rooms": [
            {"id": room_public_id(r), "name": r.name, "capacity": r.capacity}
            for r in _rows(Room, event)
        ],
        "tracks": [{"id": track_public_id(t), "name": t.name} for t in _rows(Track, event)],
        "speakers": [
            {
                "id": speaker_public_id(s),
                "name": s.name,
                "country": s.country or "",
                "organisation": s.organisation or "",
                "bio": s.bio or "",
            }
            for s in _rows(Speaker, event)
        ],
    }


def _names(catalogue: dict[str, list[dict[str, Any]]]) -> Names:
    """Ids and lower-cased names → ids; an id wins over another row's name."""

    def index(items):
        by_key = {item["name"].strip().lower(): item["id"] for item in items}
        by_key.update({item["id"]: item["id"] for item in items})
        return by_key

    return Names(
        rooms=index(catalogue["rooms"]),
        tracks=index(catalogue["tracks"]),
        speakers=index(catalogue["speakers"]),
    )


def document_for(event: Event, upload_format: str, content: dict[str, Any]) -> dict[str, Any]:
    """The document the importer reads: the event's own settings with the file's agenda.

    A CSV's sessions join the event's current rooms, tracks and speakers.
    """
    if upload_format == UploadFormat.CSV:
        return {"event": _event_block(event), **_catalogue(event), "sessions": content["sessions"]}
    document = {key: value for key, value in content.items() if key != "attendees"}
    document["event"] = _event_block(event)
    return document


def _csv_row_errors(errors: list[tuple[str, str]], lines: list[int]) -> list[tuple[str, str]]:
    """The importer's ``$.sessions[i].field`` paths named as the CSV's rows."""
    named = []
    for path, message in errors:
        if path.startswith("$.sessions["):
            index, _, rest = path[len("$.sessions[") :].partition("]")
            column = rest.lstrip(".").split("[", 1)[0] or "row"
            named.append((f"row {lines[int(index)]}, {column}", message))
        else:
            named.append((path, message))
    return named


def read_upload(event: Event, filename: str, data: bytes) -> tuple[str, dict[str, Any], int]:
    """The file's format, its content as stored, and its number of sessions.

    Raises ``ImportValidationError`` listing every problem (JSON paths, or CSV rows and
    columns) when the file is not one the import would take.
    """
    upload_format = UploadFormat.CSV if filename.lower().endswith(".csv") else UploadFormat.JSON
    if upload_format == UploadFormat.CSV:
        rows = read_sessions_csv(data, _names(_catalogue(event)))
        if rows.errors:
            raise ImportValidationError(rows.errors)
        content: dict[str, Any] = {"sessions": rows.items}
        errors = _csv_row_errors(
            validate_document(document_for(event, upload_format, content)), rows.lines
        )
    else:
        if json_nesting_exceeds(data, JSON_MAX_DEPTH):
            raise ImportValidationError([("file", f"nested deeper than {JSON_MAX_DEPTH} levels")])
        try:
            content = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ImportValidationError([("file", f"not a JSON document ({error})")]) from None
        if not isinstance(content, dict):
            raise ImportValidationError([("$", "the document must be a JSON object")])
        content.setdefault("event", {})
        errors = validate_document(document_for(event, upload_format, content))
    if errors:
        raise ImportValidationError(errors)
    return upload_format, content, len(content.get("sessions", []))


def file_notes(event: Event, upload: AgendaUpload) -> list[str]:
    """What the preview should say about the file beyond its changes."""
    notes = []
    content = upload.content
    people = content.get("attendees") or []
    if people:
        notes.append(
            ngettext(
                "The file lists %(num)d attendees: they are not imported from this page "
                "(an administrator imports people with flask import-event).",
                "The file lists %(num)d attendees: they are not imported from this page "
                "(an administrator imports people with flask import-event).",
                len(people),
            )
        )
    zone = (content.get("event") or {}).get("timezone")
    if zone and zone != event.timezone:
        notes.append(
            _(
                "The file's times are read in the event's timezone, %(timezone)s "
                "(the file names %(zone)s).",
                timezone=event.timezone,
                zone=zone,
            )
        )
    if upload.format == UploadFormat.CSV:
        notes.append(_("Sessions the file does not list stay as they are."))
    else:
        notes.append(_("Sessions the file does not list are cancelled (calendars are told)."))
    return notes


def stage_upload(event: Event, filename: str, data: bytes, *, actor: Any) -> AgendaUpload:
    """Check the file and keep it for its preview; raises ``ImportValidationError``."""
    upload_format, content, rows = read_upload(event, filename, data)
    purge_stale_uploads()  # uploading is what leaves them: no cron needed to clear them
    upload = AgendaUpload(
        event_id=event.id,
        uploaded_by_id=getattr(actor, "id", None),
        filename=filename[-200:] or "upload",
        format=upload_format.value,
        content=content,
        rows=rows,
        agenda_version=event.agenda_version or 0,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def get_upload(event: Event, public_id: str) -> AgendaUpload | None:
    """The event's upload with this public id (another event's does not exist here)."""
    return db.session.scalar(
        select(AgendaUpload).where(
            AgendaUpload.event_id == event.id, AgendaUpload.public_id == public_id
        )
    )


def import_upload(upload: AgendaUpload, *, progress=None) -> ImportReport:
    """Import the upload into its event (the caller commits, or rolls back for a preview)."""
    event = db.session.get(Event, upload.event_id)
    document = document_for(event, upload.format, upload.content)
    return import_event(
        document, cancel_absent=upload.format == UploadFormat.JSON, progress=progress
    )


def claim_upload(upload: AgendaUpload, job_id: int) -> bool:
    """Tie the upload to the job importing it; false when another confirmation came first."""
    claimed = db.session.execute(
        update(AgendaUpload)
        .where(AgendaUpload.id == upload.id, AgendaUpload.job_id.is_(None))
        .values(job_id=job_id)
    )
    return claimed.rowcount == 1


def report_text(report: ImportReport, filename: str) -> str:
    """The import's summary as the job's downloadable text."""
    lines = [f"Imported {filename} into {report.slug}.", ""]
    lines += [f"{key}: {value}" for key, value in sorted(report.counts.items())]
    if report.warnings:
        lines += ["", "Warnings:", *(f"- {w}" for w in report.warnings)]
    lines += ["", "Changes:", *(f"- {c}" for c in report.changes or ["none"])]
    return "\n".join(lines) + "\n"


def purge_stale_uploads(now: datetime | None = None) -> int:
    """Remove uploads older than a day (imported ones are removed by their job)."""
    cutoff = (now or utcnow()) - UPLOAD_LIFETIME
    return db.session.execute(delete(AgendaUpload).where(AgendaUpload.created_at < cutoff)).rowcount
