"""The security log (issue 18): who signed in or failed to, second-factor changes, sensitive
actions, with time, account and address. Rows are added here; the caller commits."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import select

from conference.accounts.models import SecurityEvent
from conference.extensions import db

PAGE_SIZE = 200


class SecurityEventKind(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    PROVIDER_SIGN_IN_FAILED = "provider_sign_in_failed"
    SECOND_FACTOR_FAILED = "second_factor_failed"
    RECOVERY_CODE_USED = "recovery_code_used"
    TOTP_ENABLED = "totp_enabled"
    TOTP_DISABLED = "totp_disabled"
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed"
    REAUTHENTICATED = "reauthenticated"
    REAUTHENTICATION_FAILED = "reauthentication_failed"
    SESSION_REVOKED = "session_revoked"
    LOGGED_OUT_EVERYWHERE = "logged_out_everywhere"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105  (an event name, not a password)
    ROLE_GRANTED = "role_granted"
    REGISTRANTS_EXPORTED = "registrants_exported"
    ATTENDANCE_EXPORTED = "attendance_exported"
    SCANS_EXPORTED = "scans_exported"
    BADGE_KEY_ROTATED = "badge_key_rotated"


def record(
    kind: SecurityEventKind,
    *,
    user: Any = None,
    email: str = "",
    address: str = "",
    detail: str = "",
) -> SecurityEvent:
    """Add one line; ``user`` may be None (an unknown account), then ``email`` names it."""
    row = SecurityEvent(
        kind=kind.value,
        user_id=getattr(user, "id", None),
        email=(email or getattr(user, "email", "") or "")[:254],
        address=(address or "")[:45],
        detail=(detail or "")[:300],
    )
    db.session.add(row)
    return row


def list_events(*, email: str | None = None, kind: str | None = None) -> list[SecurityEvent]:
    """The newest lines first (one page), optionally of one account or one kind."""
    query = select(SecurityEvent).order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc())
    if email:
        query = query.where(SecurityEvent.email == email.strip().lower())
    if kind:
        query = query.where(SecurityEvent.kind == kind)
    return list(db.session.scalars(query.limit(PAGE_SIZE)))
