"""The attendee's data rights: a copy of everything held about them, and erasure.

Erasure anonymises rather than deletes: the account row stays (renamed
"Deleted user", no email, no password, inactive) so registrations still count
in the event's totals and the audit trail still resolves, but nothing in them
identifies the person any more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash

from conference import permissions
from conference.accounts.models import User, new_session_token
from conference.db_types import utcnow
from conference.errors import AccountError
from conference.events.models import EventStaff
from conference.extensions import db
from conference.mail.models import OutboxMessage
from conference.registration import audit, search
from conference.registration.models import AuditEntry, Booking, Registration, RegistrationStatus
from conference.registration.services import cancel_registration

DELETED_NAME = "Deleted user"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _who(entry: AuditEntry, user: User) -> str:
    if entry.actor_id is None:
        return "system"
    return "you" if entry.actor_id == user.id else "event organiser"


def _session_title(user: User, session: Any) -> str:
    if session is None:
        return ""
    return session.title if permissions.can_see_session_details(user, session) else "Closed session"


def _booking(user: User, booking: Booking) -> dict:
    session = booking.session
    return {
        "session": _session_title(user, session),
        "starts_at": _iso(session.starts_at),
        "ends_at": _iso(session.ends_at),
        "status": booking.status,
        "waitlist_position": booking.waitlist_position,
        "seat_offer_expires_at": _iso(booking.offer_expires_at),
        "created_at": _iso(booking.created_at),
        "updated_at": _iso(booking.updated_at),
    }


def _registration(user: User, registration: Registration) -> dict:
    history = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.registration_id == registration.id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return {
        "event": {"slug": registration.event.slug, "title": registration.event.title},
        "status": registration.status,
        "stakeholder_category": registration.category,
        "category_verified": registration.category_verified,
        "category_verified_at": _iso(registration.category_verified_at),
        "organisation": registration.organisation,
        "country": registration.country,
        "job_title": registration.job_title,
        "accessibility_needs": registration.accessibility_needs,
        "dietary_needs": registration.dietary_needs,
        "privacy_notice_version": registration.privacy_consent_version,
        "privacy_consented_at": _iso(registration.privacy_consented_at),
        "mailing_list_opt_in": registration.mailing_list_opt_in,
        "rejection_reason": registration.rejection_reason,
        "category_refused_at": _iso(registration.category_refused_at),
        "category_refusal_reason": registration.category_refusal_reason,
        "event_waitlist_position": registration.waitlist_position,
        "created_at": _iso(registration.created_at),
        "updated_at": _iso(registration.updated_at),
        "bookings": [_booking(user, b) for b in registration.bookings],
        "history": [
            {
                "at": _iso(entry.at),
                "action": audit.action_label(entry.action),
                "from": entry.from_state,
                "to": entry.to_state,
                "session": _session_title(user, entry.session),
                "by": _who(entry, user),
                "detail": entry.detail,
            }
            for entry in history
        ],
    }


def export_user_data(user: User) -> dict:
    """Everything held about ``user``, as JSON-ready data."""
    registrations = db.session.scalars(
        select(Registration).where(Registration.user_id == user.id).order_by(Registration.id)
    )
    roles = db.session.scalars(select(EventStaff).where(EventStaff.user_id == user.id))
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient == user.email)
        .order_by(OutboxMessage.id)
    )
    return {
        "exported_at": _iso(utcnow()),
        "account": {
            "email": user.email,
            "name": user.name,
            "organisation": user.organisation,
            "country": user.country,
            "claimed_category": user.claimed_category,
            "email_verified_at": _iso(user.email_verified_at),
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "has_password": user.password_hash is not None,
        },
        "staff_roles": [
            {"event": role.event.slug, "role": role.role, "granted_at": _iso(role.granted_at)}
            for role in roles
        ],
        "registrations": [_registration(user, r) for r in registrations],
        "emails_sent_to_you": [
            {
                "subject": m.subject,
                "queued_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
                "text": m.text_body,
            }
            for m in messages
        ],
    }


def check_password(user: User, password: str) -> None:
    """Refuse unless ``password`` is the account's (confirms a destructive action)."""
    if user.password_hash is None or not check_password_hash(user.password_hash, password):
        raise AccountError(_("The password is not correct."), field="password")


def delete_account(user: User) -> None:
    """Erase the person: registrations cancelled (seats freed), personal data wiped, login gone."""
    active = {RegistrationStatus.PENDING.value, RegistrationStatus.APPROVED.value}
    active.add(RegistrationStatus.WAITLISTED.value)
    registrations = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.user_id == user.id)
            .order_by(Registration.event_id, Registration.id)
        )
    )
    for registration in registrations:
        if registration.status in active:
            cancel_registration(registration, actor=user, notify_attendee=False)
        registration.organisation = ""
        registration.job_title = ""
        registration.accessibility_needs = ""
        registration.dietary_needs = ""
        registration.rejection_reason = ""
        registration.category_refusal_reason = ""
        registration.mailing_list_opt_in = False
        registration.updated_at = utcnow()
        audit.record(registration, "account_deleted", actor=None)
    db.session.execute(delete(EventStaff).where(EventStaff.user_id == user.id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == user.email))
    user.name = DELETED_NAME
    user.email = f"deleted-{user.id}@invalid"
    user.password_hash = None
    user.organisation = ""
    user.country = ""
    user.claimed_category = None
    user.is_admin = False
    user.is_active_account = False
    user.email_verified_at = None
    user.last_login_at = None
    search.reindex_users([user.id])
    user.session_token = new_session_token()
    db.session.flush()
