"""Agenda rules shared by the organisers' pages, the importer and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import column, func, select, table
from sqlalchemy.orm.attributes import set_committed_value

from conference import permissions
from conference.agenda import rules
from conference.agenda.changelog import (
    SessionSnapshot,
    note_for_attendees,
    record_change,
    record_session_changes,
)
from conference.agenda.conflicts import ScheduleConflict, find_conflicts
from conference.agenda.dates import day_text
from conference.agenda.models import (
    AgendaSession,
    ChangeKind,
    RestrictedVisibility,
    Room,
    SessionKind,
    SessionSpeaker,
    SessionStatus,
    Speaker,
    Track,
    session_delegations,
)
from conference.categories import StakeholderCategory
from conference.db_types import utcnow
from conference.errors import DomainError, PermissionDenied
from conference.events.models import Event
from conference.events.services import bump_agenda_version
from conference.extensions import db
from conference.markings import TLP

# Changing any of these must reach subscribed calendars (iCalendar SEQUENCE).
REVISION_FIELDS = ("title", "starts_at", "ends_at", "room_id", "status")


class AgendaError(DomainError):
    pass


@dataclass
class SessionFields:
    """What an organiser or an import file says about one session."""

    title: str
    starts_at: datetime
    ends_at: datetime
    kind: str = SessionKind.TALK.value
    abstract: str = ""
    track_id: int | None = None
    room_id: int | None = None
    capacity: int | None = None
    requires_booking: bool = False
    restricted_to: list[str] = field(default_factory=list)
    restricted_visibility: str | None = None
    # Delegation ids whose accepted nominees the session admits; None leaves them as they are
    # (imports know nothing of delegations).
    restricted_delegations: list[int] | None = None
    status: str = SessionStatus.SCHEDULED.value
    speakers: list[Speaker] = field(default_factory=list)
    tlp: str | None = None
    chatham_house: bool = False


def validate_session_fields(fields: SessionFields) -> None:
    """Shape rules that hold for every session, whoever writes it."""
    if not fields.title.strip():
        raise AgendaError(_("Give the session a title."), field="title")
    if fields.starts_at.tzinfo is None or fields.ends_at.tzinfo is None:
        raise AgendaError(_("Session times must be timezone-aware."), field="starts_at")
    if fields.ends_at <= fields.starts_at:
        raise AgendaError(_("The session must end after it starts."), field="ends_at")
    if fields.kind not in {k.value for k in SessionKind}:
        raise AgendaError(_("Choose a kind of session."), field="kind")
    allowed = {c.value for c in StakeholderCategory}
    if any(value not in allowed for value in fields.restricted_to):
        raise AgendaError(_("Unknown stakeholder category."), field="restricted_to")
    if fields.restricted_to or fields.restricted_delegations:
        if fields.restricted_visibility not in {v.value for v in RestrictedVisibility}:
            raise AgendaError(
                _("Choose whether others see the restricted session as closed or not at all."),
                field="restricted_visibility",
            )
    elif fields.restricted_visibility is not None:
        fields.restricted_visibility = None
    if fields.tlp is not None and fields.tlp not in {t.value for t in TLP}:
        raise AgendaError(_("Choose a TLP marking, or none."), field="tlp")
    if fields.capacity is not None and fields.capacity < 1:
        raise AgendaError(
            _("Capacity must be at least 1, or empty for the room's."), field="capacity"
        )


def session_values(fields: SessionFields) -> dict[str, Any]:
    """The session's columns as ``fields`` sets them, validated (the importer inserts new
    sessions with these in bulk; ``apply_session_fields`` writes them onto one)."""
    validate_session_fields(fields)
    return {
        "title": fields.title.strip(),
        "abstract": fields.abstract,
        "kind": fields.kind,
        "track_id": fields.track_id,
        "room_id": fields.room_id,
        "starts_at": fields.starts_at,
        "ends_at": fields.ends_at,
        "capacity": fields.capacity,
        "requires_booking": fields.requires_booking,
        "restricted_to": sorted(fields.restricted_to),
        "restricted_visibility": fields.restricted_visibility,
        "status": fields.status,
        "tlp": fields.tlp or None,
        "chatham_house": bool(fields.chatham_house),
    }


def apply_session_fields(
    session: AgendaSession, fields: SessionFields, *, actor: Any = None
) -> set[str]:
    """Write ``fields`` onto ``session``; bump its revision when calendars must update.

    Changes to a session of a published event go to the changelog. Returns the
    names of the attributes that changed.
    """
    if fields.restricted_delegations is None and session.id is not None:
        fields.restricted_delegations = sorted(permissions.session_delegation_ids(session))
    values = session_values(fields)
    before = SessionSnapshot.of(session) if session.id is not None else None
    changed: set[str] = set()
    for name, value in values.items():
        if getattr(session, name) != value:
            setattr(session, name, value)
            changed.add(name)
    if set_session_delegations(session, fields.restricted_delegations or []):
        changed.add("restricted_delegations")
    speaker_ids = [s.id for s in fields.speakers]
    if session.id is None or [s.id for s in session.speakers] != speaker_ids:
        set_speakers(session, fields.speakers)
        if session.id is not None:
            changed.add("speakers")
    if session.id is not None and changed:
        session.updated_at = utcnow()
        if changed.intersection(REVISION_FIELDS):
            session.revision = (session.revision or 0) + 1
            if before is not None:
                record_session_changes(session.event, before, session, actor=actor)
                note_for_attendees(session.event, before, session, actor=actor)
    return changed


def set_session_delegations(session: AgendaSession, delegation_ids: list[int]) -> bool:
    """Admit the accepted nominees of these delegations (ids of the session's event) to the
    session; returns whether the list changed."""
    wanted = set(delegation_ids)
    current = set(permissions.session_delegation_ids(session)) if session.id is not None else set()
    if wanted == current:
        return False
    if session.id is None:
        db.session.add(session)
        db.session.flush()
    links = session_delegations.c
    db.session.execute(
        session_delegations.delete().where(
            links.session_id == session.id, links.delegation_id.not_in(wanted)
        )
    )
    if wanted - current:
        db.session.execute(
            session_delegations.insert(),
            [{"session_id": session.id, "delegation_id": i} for i in sorted(wanted - current)],
        )
    db.session.expire(session, ["invitation_only"])
    permissions.forget_cached_session_delegations()
    return True


def _check_delegations(event: Event, delegation_ids: list[int]) -> None:
    """Only the event's own delegations (they sit above the agenda: read as a bare table)."""
    if not delegation_ids:
        return
    delegations = table("delegations", column("id"), column("event_id"))
    found = db.session.scalar(
        select(func.count())
        .select_from(delegations)
        .where(delegations.c.id.in_(set(delegation_ids)), delegations.c.event_id == event.id)
    )
    if found != len(set(delegation_ids)):
        raise AgendaError(_("Choose delegations of this event."), field="restricted_delegations")


def set_speakers(session: AgendaSession, speakers: list[Speaker]) -> None:
    """Put ``speakers`` on the session in this order (the first is listed first)."""
    existing = {link.speaker_id: link for link in session.speaker_links} if session.id else {}
    links = []
    for position, speaker in enumerate(speakers):
        link = existing.get(speaker.id) if speaker.id is not None else None
        link = link or SessionSpeaker(speaker=speaker)
        link.position = position
        links.append(link)
    session.speaker_links = links
    # Keep the read-only list in step until the next load.
    set_committed_value(session, "speakers", list(speakers))


def cancel_session(session: AgendaSession, *, actor: Any = None) -> bool:
    """Mark a session cancelled (it stays visible as cancelled); returns whether it changed."""
    if session.status == SessionStatus.CANCELLED.value:
        return False
    before = SessionSnapshot.of(session)
    session.status = SessionStatus.CANCELLED.value
    session.revision = (session.revision or 0) + 1
    session.updated_at = utcnow()
    record_change(
        session.event, session, ChangeKind.CANCELLED, f"“{session.title}” is cancelled", actor=actor
    )
    note_for_attendees(session.event, before, session, actor=actor)
    bump_agenda_version(session.event)
    return True


def record_added(event: Event, session: AgendaSession, *, actor: Any = None) -> None:
    """Note a session added to an agenda that is already public."""
    when = session.starts_at.astimezone(event.tz)
    record_change(
        event, session, ChangeKind.ADDED, f"“{session.title}” on {when:%a %d %b %H:%M}", actor=actor
    )


def create_session(
    event: Event,
    fields: SessionFields,
    *,
    external_id: str | None = None,
    actor: Any = None,
) -> AgendaSession:
    """Add a session to the event's agenda."""
    session = AgendaSession(event=event, external_id=external_id, revision=0)
    apply_session_fields(session, fields)
    db.session.add(session)
    record_added(event, session, actor=actor)
    bump_agenda_version(event)
    return session


# --- Saving from the organisers' pages: schedule checks and conflicts -------------


class SessionConflicts(AgendaError):
    """The session would double-book a room or a speaker; organisers may save anyway."""

    def __init__(self, conflicts: list[ScheduleConflict]):
        self.conflicts = conflicts
        summary = " ".join(c.message for c in conflicts)
        super().__init__(
            _("This clashes with other sessions: %(conflicts)s", conflicts=summary),
            field="conflicts",
        )


@dataclass
class SavedSession:
    session: AgendaSession
    # Conflicts the organiser chose to save despite (shown as warnings).
    conflicts: list[ScheduleConflict]


def _owned(model: type, object_id: int | None, event: Event, message: str, field_name: str):
    if object_id is None:
        return None
    found = db.session.get(model, object_id)
    if found is None or found.event_id != event.id:
        raise AgendaError(message, field=field_name)
    return found


def check_session_rules(event: Event, fields: SessionFields) -> None:
    """Hard rules for a session of ``event``: valid fields, within the event, fits its room."""
    validate_session_fields(fields)
    first, last = event.days[0], event.days[-1]
    for name, instant in (("starts_at", fields.starts_at), ("ends_at", fields.ends_at)):
        if not first <= instant.astimezone(event.tz).date() <= last:
            raise AgendaError(
                _(
                    "The session must take place during the event (%(first)s to %(last)s, "
                    "%(zone)s).",
                    first=day_text(first, "%d %B %Y"),
                    last=day_text(last, "%d %B %Y"),
                    zone=event.timezone,
                ),
                field=name,
            )
    room = _owned(Room, fields.room_id, event, _("Choose a room of this event."), "room_id")
    _owned(Track, fields.track_id, event, _("Choose a track of this event."), "track_id")
    if any(speaker.event_id != event.id for speaker in fields.speakers):
        raise AgendaError(_("Choose speakers of this event."), field="speakers")
    _check_delegations(event, fields.restricted_delegations or [])
    if rules.exceeds_room(fields.capacity, room):
        raise AgendaError(
            _(
                "The session's capacity (%(capacity)s) is larger than %(room)s "
                "(%(seats)s seats). Lower it or choose a bigger room.",
                capacity=fields.capacity,
                room=room.name,
                seats=room.capacity,
            ),
            field="capacity",
        )


def save_session(
    event: Event,
    fields: SessionFields,
    *,
    actor: Any,
    session: AgendaSession | None = None,
    override_conflicts: bool = False,
) -> SavedSession:
    """Create or update a session; room and speaker clashes need ``override_conflicts``."""
    if actor is not None and not permissions.can_manage_event(actor, event):
        raise PermissionDenied(_("Only the event's organisers edit its agenda."))
    if session is not None and session.event_id != event.id:
        raise AgendaError(_("This session belongs to another event."))
    check_session_rules(event, fields)
    conflicts: list[ScheduleConflict] = []
    if fields.status != SessionStatus.CANCELLED.value:
        conflicts = find_conflicts(
            event,
            starts_at=fields.starts_at,
            ends_at=fields.ends_at,
            room_id=fields.room_id,
            speaker_ids=[s.id for s in fields.speakers],
            exclude_id=session.id if session is not None else None,
        )
    if conflicts and not override_conflicts:
        raise SessionConflicts(conflicts)
    if session is None:
        session = create_session(event, fields, actor=actor)
    elif apply_session_fields(session, fields, actor=actor):
        bump_agenda_version(event)
    db.session.flush()
    return SavedSession(session, conflicts)


def cancel_session_by(session: AgendaSession, *, actor: Any) -> bool:
    """An organiser cancels a session; it stays on the agenda, marked cancelled."""
    if actor is not None and not permissions.can_manage_event(actor, session.event):
        raise PermissionDenied(_("Only the event's organisers edit its agenda."))
    changed = cancel_session(session, actor=actor)
    db.session.flush()
    return changed
