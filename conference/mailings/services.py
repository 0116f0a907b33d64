"""Mail from organisers to registrants: choose the audience, preview, test, send.

Sending renders one message per registrant from a placeholder template and puts it
in the outbox (``mail.services``) in the caller's transaction: the request only
writes rows, and the outbox delivers them afterwards (after the request, and by
``flask send-mail``), so progress is the share of the mailing's messages sent.
Each registrant mailed gets an entry in the registration audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import joinedload

from conference import permissions
from conference.accounts.models import User
from conference.agenda.models import AgendaSession
from conference.badges.models import Scan, ScanResult
from conference.errors import DomainError, PermissionDenied
from conference.events.models import Event
from conference.extensions import db
from conference.i18n import DEFAULT_LANGUAGE, language_for
from conference.mail.models import OutboxMessage
from conference.mail.services import queue_mail
from conference.mailings import placeholders
from conference.mailings.models import Mailing, MailingRecipient
from conference.registration import audit
from conference.registration.models import (
    REGISTRATION_STATUS_LABELS,
    Booking,
    BookingStatus,
    Registration,
    registration_status_label,
)
from conference.templating import category_label, format_date_range
from conference.urls import external_url

MAX_SUBJECT = 200
MAX_BODY = 20_000


class MailingError(DomainError):
    pass


@dataclass
class Audience:
    """Which registrants: by state, category, a session booked, checked in or not."""

    status: str = ""
    category: str = ""
    session_id: int | None = None
    checked_in: str = ""  # "yes", "no" or ""

    def describe(self, event: Event) -> str:
        """The filters in words, kept with the mailing: stored data, so always in English."""
        with force_locale(DEFAULT_LANGUAGE):
            parts = [REGISTRATION_STATUS_LABELS.get(self.status, "Every state")]
            if self.category:
                parts.append(category_label(self.category))
            if self.session_id is not None:
                session = db.session.get(AgendaSession, self.session_id)
                if session is not None and session.event_id == event.id:
                    parts.append(f"booked in “{session.title}”")
            if self.checked_in:
                parts.append("checked in" if self.checked_in == "yes" else "not checked in")
            return " · ".join(str(part) for part in parts)


def check_may_mail(actor: Any, event: Event) -> None:
    if not permissions.can_mail_registrants(actor, event):
        raise PermissionDenied(_("Only the event's organisers mail its registrants."))


def recipients_query(event: Event, audience: Audience) -> Select:
    """The registrations the audience names, with a live account, by name."""
    query = (
        select(Registration)
        .join(User, User.id == Registration.user_id)
        .options(joinedload(Registration.user))
        .where(Registration.event_id == event.id, User.is_active_account.is_(True))
    )
    if audience.status:
        query = query.where(Registration.status == audience.status)
    if audience.category:
        query = query.where(Registration.category == audience.category)
    if audience.session_id is not None:
        query = query.where(
            exists().where(
                Booking.registration_id == Registration.id,
                Booking.session_id == audience.session_id,
                Booking.status == BookingStatus.CONFIRMED.value,
            )
        )
    if audience.checked_in:
        entered = exists().where(
            Scan.registration_id == Registration.id,
            Scan.session_id.is_(None),
            Scan.result == ScanResult.ACCEPTED.value,
            Scan.repeat_of_id.is_(None),
        )
        query = query.where(entered if audience.checked_in == "yes" else ~entered)
    return query.order_by(func.lower(User.name), Registration.id)


def count_recipients(event: Event, audience: Audience) -> int:
    ids = recipients_query(event, audience).with_only_columns(Registration.id).order_by(None)
    return db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0


def values_for(event: Event, registration: Registration) -> dict[str, str]:
    """What each placeholder becomes for one registrant."""
    user = registration.user
    return {
        "name": user.name,
        "email": user.email,
        "organisation": registration.organisation or user.organisation or "",
        "category": str(category_label(registration.category)),
        "status": registration_status_label(registration.status),
        "event": event.title,
        "dates": str(format_date_range(event.start_date, event.end_date)),
        "venue": event.venue,
        "event_url": external_url("events.event_detail", slug=event.slug),
        "registration_url": external_url("registration.my_registration", slug=event.slug),
    }


def check_message(subject: str, body: str) -> None:
    subject, body = subject.strip(), body.strip()
    if not subject or len(subject) > MAX_SUBJECT:
        raise MailingError(
            _("Give a subject of at most %(num)d characters.", num=MAX_SUBJECT), field="subject"
        )
    if not body or len(body) > MAX_BODY:
        raise MailingError(
            _("Write a message of at most %(num)d characters.", num=MAX_BODY), field="body"
        )
    if "\n" in subject or "\r" in subject:
        raise MailingError(_("The subject is one line."), field="subject")
    for field, text in (("subject", subject), ("body", body)):
        try:
            placeholders.check(text)
        except placeholders.TemplateError as error:
            raise MailingError(error.message, field=field) from None


def render(event: Event, registration: Registration, subject: str, body: str) -> tuple[str, str]:
    values = values_for(event, registration)
    return placeholders.render(subject, values), placeholders.render(body, values)


@dataclass
class Preview:
    count: int
    sample: Registration | None
    subject: str
    body: str


def preview(event: Event, audience: Audience, subject: str, body: str, *, actor: Any) -> Preview:
    """How many would get it, and the message as the first of them would read it."""
    check_may_mail(actor, event)
    check_message(subject, body)
    sample = db.session.scalars(recipients_query(event, audience).limit(1)).first()
    rendered = render(event, sample, subject, body) if sample is not None else (subject, body)
    return Preview(count_recipients(event, audience), sample, *rendered)


def send_test(event: Event, audience: Audience, subject: str, body: str, *, actor: Any):
    """The message as the first registrant would get it, sent to the organiser only."""
    shown = preview(event, audience, subject, body, actor=actor)
    note = _(
        "This is a test of a message to registrants; it will go to %(num)d registrant(s).",
        num=shown.count,
    )
    return queue_mail(
        actor.email, _("[Test] %(subject)s", subject=shown.subject), note + "\n\n" + shown.body
    )


def send(
    event: Event, audience: Audience, subject: str, body: str, *, actor: Any, expected: int
) -> Mailing:
    """Queue the message for every registrant of the audience; ``expected`` is the count the
    organiser saw in the preview (a changed audience is refused, not silently mailed)."""
    check_may_mail(actor, event)
    check_message(subject, body)
    registrations = db.session.scalars(recipients_query(event, audience)).unique().all()
    if len(registrations) != expected:
        raise MailingError(
            _(
                "The audience changed since the preview (%(now)d now, "
                "%(then)d then): preview again before sending.",
                now=len(registrations),
                then=expected,
            ),
            code="audience_changed",
        )
    if not registrations:
        raise MailingError(_("No registrant matches these filters."), code="no_recipients")
    mailing = Mailing(
        event_id=event.id,
        subject=subject.strip(),
        body=body.strip(),
        audience=audience.describe(event),
        recipient_count=len(registrations),
        sent_by_id=getattr(actor, "id", None),
    )
    db.session.add(mailing)
    db.session.flush()
    for registration in registrations:
        # The placeholders' words (category, state, dates) in the registrant's language.
        with force_locale(language_for(registration.user, event)):
            rendered_subject, rendered_body = render(
                event, registration, mailing.subject, mailing.body
            )
        message = queue_mail(registration.user.email, rendered_subject, rendered_body)
        db.session.add(
            MailingRecipient(
                mailing_id=mailing.id,
                registration_id=registration.id,
                outbox_message_id=message.id,
            )
        )
        audit.record(registration, "mailed", actor=actor, detail=mailing.subject[:200])
    db.session.flush()
    return mailing


@dataclass
class Progress:
    total: int
    sent: int
    failed: int

    @property
    def waiting(self) -> int:
        return self.total - self.sent - self.failed


def progress(mailing: Mailing) -> Progress:
    """How many of the mailing's messages the outbox has sent, and gave up on."""
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    sent, failed = db.session.execute(
        select(
            func.count(OutboxMessage.sent_at),
            func.count(OutboxMessage.id).filter(
                OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= max_attempts
            ),
        )
        .select_from(MailingRecipient)
        .join(OutboxMessage, OutboxMessage.id == MailingRecipient.outbox_message_id)
        .where(MailingRecipient.mailing_id == mailing.id)
    ).one()
    return Progress(mailing.recipient_count, sent, failed)


def list_mailings(event: Event) -> list[Mailing]:
    return list(
        db.session.scalars(
            select(Mailing)
            .options(joinedload(Mailing.sent_by))
            .where(Mailing.event_id == event.id)
            .order_by(Mailing.created_at.desc(), Mailing.id.desc())
        )
    )


def get_mailing(event: Event, mailing_id: int) -> Mailing | None:
    mailing = db.session.get(Mailing, mailing_id)
    return mailing if mailing is not None and mailing.event_id == event.id else None
