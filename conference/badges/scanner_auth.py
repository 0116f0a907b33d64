"""Who is calling the JSON APIs of an event: a scanning device with its token, or a logged-in
staff member (who then sends the CSRF token like any form). Shared by the check-in, dashboard
and mailing APIs, so each decides nothing of it on its own."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user

from conference import permissions
from conference.badges import services
from conference.db_types import utcnow
from conference.errors import DomainError, PermissionDenied
from conference.events.models import Event
from conference.events.services import get_event
from conference.extensions import csrf


class ApiError(DomainError):
    """A request the API cannot act on; always answered as JSON."""


class Unauthorised(DomainError):
    status_code = 401


def bearer_token() -> str | None:
    """The device token of ``Authorization: Bearer <token>``, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def rate_key() -> str:
    """Limits apply per device token, else per logged-in user, else per address."""
    token = bearer_token()
    if token:
        return "device:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "addr:" + (request.remote_addr or "unknown")


def load_api_actor(slug: str) -> tuple[Event, Any]:
    """The event and the scanner acting on it; 401/403/404 as JSON otherwise."""
    token = bearer_token()
    if token is not None:
        device = services.device_for_token(token)
        if device is None or device.is_revoked:
            raise Unauthorised("This device token is unknown or was revoked.", code="unauthorised")
        # The device's own event came with it: one query where a slug lookup would be another.
        event = device.event if device.event.slug == slug else None
        if event is None or not permissions.can_use_device_token(device, event):
            raise PermissionDenied("This device token is for another event.", code="forbidden")
        now = utcnow()
        # A minute's precision is enough, and spares a write on every scan.
        if device.last_used_at is None or now - device.last_used_at > timedelta(minutes=1):
            device.last_used_at = now
        return event, device
    event = get_event(slug)
    if not current_user.is_authenticated:
        raise Unauthorised(
            "Log in as door staff, or send a device token as 'Authorization: Bearer <token>'.",
            code="unauthorised",
        )
    if event is None or not permissions.can_view_event(current_user, event):
        abort(404)
    if not permissions.can_scan_as(current_user, event):
        raise PermissionDenied("You are not door staff of this event.", code="forbidden")
    if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    return event, current_user._get_current_object()
