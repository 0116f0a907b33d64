"""Event rules: creating, editing and publishing events, and granting staff roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import case, select

from conference import permissions, signals
from conference.accounts.models import User
from conference.db_types import utcnow
from conference.errors import EventError, PermissionDenied
from conference.events.models import (
    DEFAULT_RETENTION_MONTHS,
    Event,
    EventKind,
    EventSeries,
    EventStaff,
    RegistrationMode,
    StaffRole,
)
from conference.extensions import db
from conference.i18n import DEFAULT_LANGUAGE, LANGUAGES

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_RETENTION_MONTHS = 120


def is_valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass
class EventDetails:
    """The editable fields of an event, as a form or an import provides them."""

    slug: str
    title: str
    kind: str
    timezone: str
    start_date: date
    end_date: date
    venue: str = ""
    description: str = ""
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    registration_mode: str = RegistrationMode.MODERATED.value
    capacity: int | None = None
    privacy_notice_url: str = ""
    privacy_notice_version: str = "1"
    retention_months: int = DEFAULT_RETENTION_MONTHS
    series_id: int | None = None
    # Re-entry at the entrance the same day; None: yes for events of several days.
    entrance_readmits: bool | None = None
    # Staff signed in through the identity provider with its second factor may use their roles.
    trusts_provider_second_factor: bool = False
    # The language of the event's own texts, and of its pages for visitors who chose none.
    default_language: str = DEFAULT_LANGUAGE


def validate_event_details(details: EventDetails, *, existing: Event | None = None) -> None:
    """Raise EventError naming the field when the details cannot make an event."""
    if not SLUG_PATTERN.match(details.slug) or len(details.slug) > 80:
        raise EventError(
            _("Use lowercase letters, digits and single hyphens for the short name."), field="slug"
        )
    other = get_event(details.slug)
    if other is not None and other is not existing:
        raise EventError(_("Another event already uses this short name."), field="slug")
    if details.kind not in {k.value for k in EventKind}:
        raise EventError(_("Choose the kind of event."), field="kind")
    if not is_valid_timezone(details.timezone):
        raise EventError(_("Choose a timezone from the list (an IANA name)."), field="timezone")
    if details.end_date < details.start_date:
        raise EventError(_("The event cannot end before it starts."), field="end_date")
    if (details.end_date - details.start_date).days > 31:
        raise EventError(_("An event lasts at most 31 days."), field="end_date")
    opens, closes = details.registration_opens_at, details.registration_closes_at
    if opens and closes and closes <= opens:
        raise EventError(
            _("Registration must close after it opens."), field="registration_closes_at"
        )
    if details.registration_mode not in {m.value for m in RegistrationMode}:
        raise EventError(_("Choose how registrations are approved."), field="registration_mode")
    if details.capacity is not None and details.capacity < 1:
        raise EventError(_("Capacity must be at least 1, or empty for no limit."), field="capacity")
    if not 1 <= details.retention_months <= MAX_RETENTION_MONTHS:
        raise EventError(
            _(
                "Keep personal data between 1 and %(months)d months after the event.",
                months=MAX_RETENTION_MONTHS,
            ),
            field="retention_months",
        )
    if details.default_language not in LANGUAGES:
        raise EventError(_("Choose the event's default language."), field="default_language")
    if details.series_id is not None and db.session.get(EventSeries, details.series_id) is None:
        raise EventError(_("Choose a series from the list."), field="series_id")


def _apply(event: Event, details: EventDetails) -> None:
    for name, value in vars(details).items():
        setattr(event, name, value)


def create_event(details: EventDetails, *, actor: Any) -> Event:
    """Create a draft event; only site administrators may."""
    if actor is not None and not permissions.can_create_event(actor):
        raise PermissionDenied("Only site administrators create events.")
    validate_event_details(details)
    event = Event()
    _apply(event, details)
    event.is_published = False
    db.session.add(event)
    db.session.flush()
    return event


def update_event(event: Event, details: EventDetails, *, actor: Any) -> Event:
    """Change an event's details; its agenda's times keep their instants."""
    if actor is not None and not permissions.can_manage_event(actor, event):
        raise PermissionDenied("Only the event's organisers edit it.")
    validate_event_details(details, existing=event)
    _apply(event, details)
    # Titles, venue and dates appear in every agenda output and feed.
    bump_agenda_version(event)
    db.session.flush()
    return event


def set_published(event: Event, published: bool, *, actor: Any) -> Event:
    """Publish an event (public page and agenda) or take it back to draft."""
    if actor is not None and not permissions.can_manage_event(actor, event):
        raise PermissionDenied("Only the event's organisers publish it.")
    if published and not event.is_published:
        event.published_at = event.published_at or utcnow()
    event.is_published = published
    bump_agenda_version(event)
    db.session.flush()
    return event


def bump_agenda_version(event: Event) -> None:
    """Invalidate every cache built from the event's agenda."""
    event.agenda_version = (event.agenda_version or 0) + 1
    event.agenda_updated_at = utcnow()


def get_event(slug: str) -> Event | None:
    return db.session.scalar(select(Event).where(Event.slug == slug))


def list_public_events(today: date | None = None) -> list[Event]:
    """Published events: upcoming and running ones first (soonest first), then past ones."""
    today = today or utcnow().date()
    is_past = case((Event.end_date < today, 1), else_=0)
    upcoming_key = case((Event.end_date >= today, Event.start_date), else_=None)
    query = (
        select(Event)
        .where(Event.is_published.is_(True))
        .order_by(is_past, upcoming_key, Event.start_date.desc(), Event.id)
    )
    return list(db.session.scalars(query))


def list_all_events() -> list[Event]:
    return list(db.session.scalars(select(Event).order_by(Event.start_date.desc(), Event.id)))


def list_events_staffed_by(user: User) -> list[tuple[Event, list[str]]]:
    rows = db.session.execute(
        select(Event, EventStaff.role)
        .join(EventStaff, EventStaff.event_id == Event.id)
        .where(EventStaff.user_id == user.id)
        .order_by(Event.start_date.desc(), Event.id)
    )
    grouped: dict[int, tuple[Event, list[str]]] = {}
    for event, role in rows:
        grouped.setdefault(event.id, (event, []))[1].append(role)
    return list(grouped.values())


def grant_role(event: Event, user: User, role: str, *, actor: Any) -> EventStaff:
    """Give ``user`` a staff role at ``event``; granting twice changes nothing."""
    if role not in {r.value for r in StaffRole}:
        raise EventError(_("The role must be organiser or door staff."), field="role")
    if actor is not None and not permissions.can_grant_role(actor, event, role):
        raise PermissionDenied("You may not grant this role.")
    existing = db.session.scalar(
        select(EventStaff).where(
            EventStaff.event_id == event.id, EventStaff.user_id == user.id, EventStaff.role == role
        )
    )
    if existing is not None:
        return existing
    grant = EventStaff(
        event_id=event.id,
        user_id=user.id,
        role=role,
        granted_by_id=getattr(actor, "id", None),
    )
    db.session.add(grant)
    db.session.flush()
    permissions.forget_cached_roles(user)
    signals.staff_role_granted.send(None, event=event, user=user, role=role)
    return grant


def find_role(event: Event, user: User, role: str) -> EventStaff | None:
    """The grant of ``role`` to ``user`` at ``event``, if there is one."""
    return db.session.scalar(
        select(EventStaff).where(
            EventStaff.event_id == event.id, EventStaff.user_id == user.id, EventStaff.role == role
        )
    )


def revoke_role(event: Event, user: User, role: str, *, actor: Any) -> bool:
    """Take a staff role away; returns whether there was one."""
    if actor is not None and not permissions.can_grant_role(actor, event, role):
        raise PermissionDenied("You may not revoke this role.")
    grant = find_role(event, user, role)
    if grant is None:
        return False
    db.session.delete(grant)
    db.session.flush()
    permissions.forget_cached_roles(user)
    return True


def list_staff(event: Event) -> list[EventStaff]:
    return list(
        db.session.scalars(
            select(EventStaff)
            .join(User, User.id == EventStaff.user_id)
            .where(EventStaff.event_id == event.id)
            .order_by(EventStaff.role, User.name)
        )
    )


def registration_is_open(event: Event, now: datetime | None = None) -> bool:
    """Published, and within the registration window if one is set."""
    now = now or utcnow()
    if not event.is_published:
        return False
    if event.registration_opens_at and now < event.registration_opens_at:
        return False
    return not (event.registration_closes_at and now >= event.registration_closes_at)
