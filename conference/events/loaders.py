"""The event a page or API call is about, loaded once for every blueprint.

A draft answers 404 to whoever may not see it, exactly like a missing event; an event one
may see but not manage answers 403. The loaded event's default language serves the page
when the visitor has no preference of their own (``conference.i18n.use_event_language``).
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from conference import permissions
from conference.events.models import Event
from conference.events.services import get_event
from conference.i18n import use_event_language


def load_visible_event(slug: str) -> Event:
    """The event, or 404 if it does not exist or is a draft the user may not see."""
    event = get_event(slug)
    if event is None or not permissions.can_view_event(current_user, event):
        abort(404)
    use_event_language(event)
    return event


def load_managed_event(slug: str) -> Event:
    """The event if the user organises it: 404 if they may not see it, 403 otherwise."""
    event = load_visible_event(slug)
    permissions.require(permissions.can_manage_event(current_user, event))
    return event
