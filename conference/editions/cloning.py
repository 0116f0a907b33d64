"""Cloning an event into its next edition: what is copied, how dates move, what never is.

Copied (each part optional): the settings, rooms, tracks, speakers and the agenda
skeleton. Never copied: registrations, bookings, check-ins, badges, signing keys,
device and calendar tokens, the agenda change log and the audit trail; the new
event is a draft with its own fresh badge key, so nothing of the old edition
verifies or grants anything in the new one.

Sessions move by whole days (the offset between the two first days), so day 2
stays day 2, and they keep their local wall-clock times: a 09:00 session is at
09:00 in the event's timezone even when daylight saving time differs between
the two dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from conference import permissions
from conference.agenda.models import (
    AgendaSession,
    Room,
    SessionStatus,
    Speaker,
    Track,
    session_delegations,
)
from conference.agenda.services import set_speakers
from conference.badges.signing import active_key
from conference.delegations.models import Delegation
from conference.errors import EventError, PermissionDenied
from conference.events.models import Event, StaffRole
from conference.events.services import EventDetails, grant_role, validate_event_details
from conference.extensions import db

# What an organiser may choose to copy, in the order the form lists them.
PARTS: dict[str, str] = {
    "settings": _l(
        "Settings (registration rules and window, moderation, capacity, "
        "privacy notice, venue, description, retention)"
    ),
    "rooms": _l("Rooms"),
    "tracks": _l("Tracks"),
    "speakers": _l("Speakers"),
    "sessions": _l("Agenda skeleton (sessions, moved to the new dates)"),
}
NEVER_COPIED = (
    _l("registrations and their bookings"),
    _l("check-ins and scans"),
    _l("badges, badge signing keys (the new event has its own) and scanning devices"),
    _l("calendar feed tokens"),
    _l("staff roles (you are organiser of the new event; grant the others again)"),
    _l("the agenda change log and the registration audit trail"),
)


@dataclass
class CloneRequest:
    """What to clone into: a new short name, a first day and the parts to copy."""

    slug: str
    start_date: date
    end_date: date | None = None
    title: str | None = None
    parts: frozenset[str] = frozenset(PARTS)


@dataclass
class CloneReport:
    event: Event
    counts: dict[str, int] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)


def shift_local(instant: datetime, days: int, zone: ZoneInfo) -> datetime:
    """Move an instant by whole days keeping its wall-clock time in ``zone`` (DST-proof)."""
    local = instant.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=zone).astimezone(UTC)


def suggested_title(source: Event, start_date: date) -> str:
    """The source's title with its year replaced by the new edition's, if it names one."""
    old, new = str(source.start_date.year), str(start_date.year)
    return re.sub(rf"\b{old}\b", new, source.title)


def _details(source: Event, request: CloneRequest, days: int) -> EventDetails:
    end_date = request.end_date or request.start_date + (source.end_date - source.start_date)
    details = EventDetails(
        slug=request.slug.strip(),
        title=(request.title or "").strip() or suggested_title(source, request.start_date),
        kind=source.kind,
        timezone=source.timezone,
        start_date=request.start_date,
        end_date=end_date,
        series_id=source.series_id,
        default_language=source.default_language,
    )
    if "settings" in request.parts:
        zone = source.tz
        details.venue = source.venue
        details.description = source.description
        details.registration_mode = source.registration_mode
        details.capacity = source.capacity
        details.privacy_notice_url = source.privacy_notice_url
        details.privacy_notice_version = source.privacy_notice_version
        details.retention_months = source.retention_months
        details.trusts_provider_second_factor = source.trusts_provider_second_factor
        for name in ("registration_opens_at", "registration_closes_at"):
            value = getattr(source, name)
            setattr(details, name, shift_local(value, days, zone) if value else None)
    return details


def _event_translations(source: Event, request: CloneRequest) -> dict:
    """The source's titles in other languages, with the year moved as in the title (unless the
    organiser named the edition), and its descriptions when the settings are copied."""
    old, new = str(source.start_date.year), str(request.start_date.year)
    copied = {}
    for language, texts in (source.translations or {}).items():
        kept = {}
        if texts.get("title") and not (request.title or "").strip():
            kept["title"] = re.sub(rf"\b{old}\b", new, texts["title"])
        if texts.get("description") and "settings" in request.parts:
            kept["description"] = texts["description"]
        if kept:
            copied[language] = kept
    return copied


def _sessions_to_copy(source: Event) -> list[AgendaSession]:
    # Cancelled sessions belong to the old edition's history, not to the next skeleton.
    return list(
        db.session.scalars(
            select(AgendaSession)
            .where(
                AgendaSession.event_id == source.id,
                AgendaSession.status != SessionStatus.CANCELLED.value,
            )
            .order_by(AgendaSession.starts_at, AgendaSession.id)
        )
    )


def _check_sessions_fit(sessions: list[AgendaSession], details: EventDetails, days: int) -> None:
    zone = ZoneInfo(details.timezone)
    outside = []
    for session in sessions:
        first = shift_local(session.starts_at, days, zone).astimezone(zone).date()
        last = shift_local(session.ends_at, days, zone).astimezone(zone).date()
        if first < details.start_date or last > details.end_date:
            outside.append((first, session.title))
    if outside:
        when, title = outside[0]
        raise EventError(
            _(
                "%(num)d session(s) would fall outside the new event's days, "
                "the first “%(title)s” on %(date)s: choose another first day "
                "or a later last day.",
                num=len(outside),
                title=title,
                date=when.isoformat(),
            ),
            field="start_date",
        )


def _copy_rows(model: Any, source: Event, target: Event, names: tuple[str, ...]) -> dict:
    """Copy the source's rows of ``model``; returns old id -> new row."""
    mapping = {}
    for row in db.session.scalars(select(model).where(model.event_id == source.id)):
        copy = model(event_id=target.id, **{name: getattr(row, name) for name in names})
        db.session.add(copy)
        mapping[row.id] = copy
    return mapping


def _invited_categories(source: Event) -> dict[int, set[str]]:
    """Per session of ``source``, the categories of the delegations it is restricted to."""
    links = session_delegations.c
    rows = db.session.execute(
        select(links.session_id, Delegation.category)
        .join(Delegation, Delegation.id == links.delegation_id)
        .where(Delegation.event_id == source.id)
    )
    found: dict[int, set[str]] = {}
    for session_id, category in rows:
        found.setdefault(session_id, set()).add(category)
    return found


def clone_event(source: Event, request: CloneRequest, *, actor: Any) -> CloneReport:
    """Create the next edition of ``source`` as a draft; everything or nothing (caller commits)."""
    if actor is not None and not permissions.can_clone_event(actor, source):
        raise PermissionDenied(_("Only the event's organisers clone it."))
    unknown = set(request.parts) - set(PARTS)
    if unknown:
        raise EventError(
            _("Unknown part to copy: %(parts)s.", parts=", ".join(sorted(unknown))), field="parts"
        )
    days = (request.start_date - source.start_date).days
    details = _details(source, request, days)
    validate_event_details(details)
    sessions = _sessions_to_copy(source) if "sessions" in request.parts else []
    _check_sessions_fit(sessions, details, days)

    # Every check is done: from here on only writes, flushed in the caller's transaction.
    target = Event(cloned_from_id=source.id, is_published=False)
    for name, value in vars(details).items():
        setattr(target, name, value)
    target.translations = _event_translations(source, request)
    db.session.add(target)
    db.session.flush()
    report = CloneReport(event=target, parts=[p for p in PARTS if p in request.parts])

    rooms = tracks = speakers = {}
    if "rooms" in request.parts:
        rooms = _copy_rows(Room, source, target, ("external_id", "name", "capacity", "position"))
        report.counts["rooms"] = len(rooms)
    if "tracks" in request.parts:
        tracks = _copy_rows(Track, source, target, ("external_id", "name", "position"))
        report.counts["tracks"] = len(tracks)
    if "speakers" in request.parts:
        speakers = _copy_rows(
            Speaker, source, target, ("external_id", "name", "organisation", "country", "bio")
        )
        report.counts["speakers"] = len(speakers)
    db.session.flush()
    invited = _invited_categories(source)
    for session in sessions:
        copy = AgendaSession(
            event_id=target.id,
            external_id=session.external_id,
            title=session.title,
            abstract=session.abstract,
            kind=session.kind,
            track=tracks.get(session.track_id),
            room=rooms.get(session.room_id),
            starts_at=shift_local(session.starts_at, days, target.tz),
            ends_at=shift_local(session.ends_at, days, target.tz),
            capacity=session.capacity,
            requires_booking=session.requires_booking,
            # Delegations are per edition and not copied: an invitation-only session stays
            # restricted, to the categories its delegations' nominees held (organisers
            # invite the new edition's delegations again).
            restricted_to=sorted(set(session.restricted_to or []) | invited.get(session.id, set())),
            restricted_visibility=session.restricted_visibility,
            tlp=session.tlp,
            chatham_house=bool(session.chatham_house),
            translations=dict(session.translations or {}),
        )
        set_speakers(copy, [speakers[s.id] for s in session.speakers if s.id in speakers])
        db.session.add(copy)
    if "sessions" in request.parts:
        report.counts["sessions"] = len(sessions)
    active_key(target)  # a fresh signing key: no badge of the old edition verifies here
    if actor is not None and not permissions.is_site_admin(actor):
        grant_role(target, actor, StaffRole.ORGANISER.value, actor=None)
    db.session.flush()
    return report
