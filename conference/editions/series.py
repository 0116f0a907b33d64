"""Series of editions: creating them, and finding an event's earlier and later editions."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from conference import permissions
from conference.errors import EventError, PermissionDenied
from conference.events.models import Event, EventSeries
from conference.events.services import SLUG_PATTERN
from conference.extensions import db


def create_series(slug: str, title: str, description: str = "", *, actor: Any) -> EventSeries:
    """Create a series; only site administrators may (like events)."""
    if actor is not None and not permissions.can_create_event(actor):
        raise PermissionDenied(_("Only site administrators create series."))
    slug, title = slug.strip(), title.strip()
    if not SLUG_PATTERN.match(slug) or len(slug) > 80:
        raise EventError(
            _("Use lowercase letters, digits and single hyphens for the short name."), field="slug"
        )
    if not title or len(title) > 200:
        raise EventError(_("Give the series a title (at most 200 characters)."), field="title")
    if get_series(slug) is not None:
        raise EventError(_("Another series already uses this short name."), field="slug")
    series = EventSeries(slug=slug, title=title, description=description)
    db.session.add(series)
    db.session.flush()
    return series


def get_series(slug: str) -> EventSeries | None:
    return db.session.scalar(select(EventSeries).where(EventSeries.slug == slug))


def list_series() -> list[EventSeries]:
    return list(db.session.scalars(select(EventSeries).order_by(EventSeries.title)))


def set_series(event: Event, series: EventSeries | None, *, actor: Any) -> None:
    """Put an event in a series (or take it out)."""
    if actor is not None and not permissions.can_manage_event(actor, event):
        raise PermissionDenied(_("Only the event's organisers change its series."))
    event.series = series
    event.series_id = series.id if series is not None else None
    db.session.flush()


def list_editions(series: EventSeries, viewer: Any) -> list[Event]:
    """The editions ``viewer`` may see, oldest first."""
    events = db.session.scalars(
        select(Event).where(Event.series_id == series.id).order_by(Event.start_date, Event.id)
    )
    return [event for event in events if permissions.can_view_event(viewer, event)]


def neighbours(event: Event, viewer: Any) -> tuple[Event | None, Event | None]:
    """The previous and next editions of the same series that ``viewer`` may see."""
    if event.series_id is None:
        return None, None
    editions = list_editions(event.series, viewer)
    ids = [e.id for e in editions]
    if event.id not in ids:
        return None, None
    at = ids.index(event.id)
    previous = editions[at - 1] if at > 0 else None
    following = editions[at + 1] if at + 1 < len(editions) else None
    return previous, following


def group_by_series(events: list[Event]) -> list[tuple[EventSeries | None, list[Event]]]:
    """The events in their series (in the order given), events of no series last."""
    groups: dict[int | None, tuple[EventSeries | None, list[Event]]] = {}
    for event in events:
        groups.setdefault(event.series_id, (event.series, []))[1].append(event)
    loose = groups.pop(None, None)
    # The flagship conference's series leads, as the flagship did before series existed.
    ordered = sorted(
        groups.values(),
        key=lambda group: (not any(e.kind == "flagship" for e in group[1]), group[0].title),
    )
    return ordered + ([loose] if loose else [])
