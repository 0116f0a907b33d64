"""Retention: registrants' personal data is erased a set time after an event ends.

Each event keeps personal data ``retention_months`` after its last day (12 by
default). ``RETENTION_WARNING_DAYS`` before that, its organisers (or, if it has
none, the site administrators) get one mail through the outbox; erasure never
happens sooner than that many days after the warning, so nobody is surprised by
it even if the command did not run for a while.

Erasure works like account deletion (registration.privacy), for one event: the
registrations stay with their status, category and country, so the event's
totals and the audit trail are kept, but each is moved to its own anonymous
"Deleted user" account and its free-text answers are wiped; the badges are
revoked, and the session documents' download log loses its names. The people's
own accounts, and their other events, are untouched. The public programme
(speakers included) stays readable.

``flask erase-expired`` runs both steps; schedule it daily (cron, a systemd timer
or, once it exists, the task queue's periodic schedule).
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from conference.accounts.models import User, new_session_token
from conference.badges.models import Badge
from conference.documents.models import DocumentDownload, SessionDocument
from conference.events.models import Event, EventStaff, StaffRole
from conference.extensions import db
from conference.i18n import language_for
from conference.mail.services import queue_templated_mail
from conference.registration import audit, search
from conference.registration.models import Registration
from conference.registration.privacy import DELETED_NAME
from conference.urls import external_url


@dataclass
class Erasure:
    event: Event
    registrations: int


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def erase_on(event: Event) -> date:
    """The first day the event's personal data may be erased."""
    return add_months(event.end_date, event.retention_months) + timedelta(days=1)


def warning_days() -> int:
    return int(current_app.config["RETENTION_WARNING_DAYS"])


def erasure_date(event: Event) -> date:
    """When erasure will happen: the retention date, or later if the warning went out late."""
    due = erase_on(event)
    if event.retention_warned_at is not None:
        due = max(due, event.retention_warned_at.date() + timedelta(days=warning_days()))
    return due


def _pending_events() -> list[Event]:
    return list(
        db.session.scalars(
            select(Event).where(Event.personal_data_erased_at.is_(None)).order_by(Event.id)
        )
    )


def _recipients(event: Event) -> list[User]:
    organisers = select(User).join(EventStaff, EventStaff.user_id == User.id)
    organisers = organisers.where(
        EventStaff.event_id == event.id,
        EventStaff.role == StaffRole.ORGANISER.value,
        User.is_active_account.is_(True),
    )
    users = list(db.session.scalars(organisers.order_by(User.email)))
    if not users:
        admins = select(User).where(User.is_admin, User.is_active_account.is_(True))
        users = list(db.session.scalars(admins.order_by(User.email)))
    return users


def warn_before_erasure(now: datetime) -> list[Event]:
    """Mail the organisers of events whose data goes within the warning period; once each."""
    today = now.astimezone(UTC).date()
    warned = []
    for event in _pending_events():
        if event.retention_warned_at is not None or event.end_date >= today:
            continue
        if today < erase_on(event) - timedelta(days=warning_days()):
            continue
        event.retention_warned_at = now
        for user in _recipients(event):
            queue_templated_mail(
                user.email,
                _l(
                    "Personal data of %(title)s will be erased on %(date)s",
                    title=event.title,
                    date=erasure_date(event),
                ),
                "retention_warning",
                language=language_for(user, event),
                event=event,
                erase_date=erasure_date(event),
                registrations_link=external_url("registration_manage.manage_list", slug=event.slug),
                settings_link=external_url("events.manage", slug=event.slug),
            )
        warned.append(event)
    db.session.flush()
    return warned


def erase_event_personal_data(event: Event, now: datetime) -> int:
    """Anonymise every registrant of ``event``; returns how many registrations."""
    registrations = list(
        db.session.scalars(
            select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
        )
    )
    for registration in registrations:
        # One anonymous account per registration: (event, user) is unique, and the
        # person's own account goes on with their other events.
        stand_in = User(
            email=f"erased-{uuid.uuid4().hex}@invalid",
            name=DELETED_NAME,
            password_hash=None,
            is_active_account=False,
            session_token=new_session_token(),
        )
        db.session.add(stand_in)
        db.session.flush()
        registration.user_id = stand_in.id
        registration.external_id = None
        registration.organisation = ""
        registration.job_title = ""
        registration.accessibility_needs = ""
        registration.dietary_needs = ""
        registration.rejection_reason = ""
        registration.category_refusal_reason = ""
        registration.mailing_list_opt_in = False
        registration.updated_at = now
        search.reindex_registration(registration)
        audit.record(registration, "personal_data_erased", actor=None)
    db.session.execute(
        update(Badge)
        .where(Badge.event_id == event.id, Badge.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    # Who downloaded which session document is personal data too: the record stays, unnamed.
    db.session.execute(
        update(DocumentDownload)
        .where(
            DocumentDownload.document_id.in_(
                select(SessionDocument.id).where(SessionDocument.event_id == event.id)
            )
        )
        .values(user_id=None)
    )
    event.personal_data_erased_at = now
    db.session.flush()
    return len(registrations)


def erase_expired(now: datetime) -> list[Erasure]:
    """Erase the personal data of every event past its retention date whose warning went out."""
    today = now.astimezone(UTC).date()
    done = []
    for event in _pending_events():
        if event.retention_warned_at is None or today < erasure_date(event):
            continue
        done.append(Erasure(event, erase_event_personal_data(event, now)))
    return done
