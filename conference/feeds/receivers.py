"""What feeds do when accounts and staff roles are created: their secret addresses exist
from the start, so showing an address never writes."""

from __future__ import annotations

from typing import Any

from conference import signals
from conference.bulk_insert import insert_rows
from conference.db_types import utcnow
from conference.events.models import StaffRole
from conference.extensions import db
from conference.feeds.models import CalendarToken, FeedKind, new_feed_token
from conference.feeds.services import feed_addresses, get_or_create_token


def create_personal_tokens(_sender: Any, *, user_ids: list[int]) -> None:
    """Give each new account its personal calendar address (one statement for many)."""
    if not user_ids:
        return
    now = utcnow()
    rows = [
        {
            "user_id": user_id,
            "kind": FeedKind.PERSONAL.value,
            "token": new_feed_token(),
            "created_at": now,
        }
        for user_id in user_ids
    ]
    insert_rows(db.session.connection(), CalendarToken.__table__, rows)


def create_staff_token(_sender: Any, *, event: Any, user: Any, role: str) -> None:
    """An organiser's staff feed address comes with the role."""
    if role == StaffRole.ORGANISER.value:
        get_or_create_token(user, FeedKind.STAFF, event)


def calendar_for_mail(_sender: Any, *, registration: Any) -> dict[str, Any]:
    """The approval mail gives the personal calendar's addresses (https and webcal)."""
    token = get_or_create_token(registration.user, FeedKind.PERSONAL)
    return {"calendar": feed_addresses(token)}


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per function)."""
    signals.accounts_created.connect(create_personal_tokens)
    signals.staff_role_granted.connect(create_staff_token)
    signals.approval_mail_context.connect(calendar_for_mail)
