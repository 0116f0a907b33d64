"""Queue mail in the database, then deliver it; a dead mail server never loses an action."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from conference.db_types import utcnow
from conference.extensions import db
from conference.i18n import DEFAULT_LANGUAGE
from conference.mail import claims
from conference.mail.models import OutboxAttachment, OutboxMessage
from conference.tasks.registry import background_task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    """A file to send with a message: its name, MIME type (with parameters) and bytes."""

    filename: str
    content_type: str
    data: bytes


def queue_mail(
    recipient: str,
    subject: str,
    text_body: str,
    html_body: str | None = None,
    *,
    attachments: Sequence[Attachment] = (),
) -> OutboxMessage:
    """Store a message for delivery; the caller's commit makes it durable with the action."""
    message = OutboxMessage(
        recipient=recipient, subject=subject, text_body=text_body, html_body=html_body
    )
    message.attachments = [
        OutboxAttachment(filename=a.filename, content_type=a.content_type, data=a.data)
        for a in attachments
    ]
    db.session.add(message)
    db.session.flush()
    return message


def queue_templated_mail(
    recipient: str,
    subject: str | LazyString,
    template: str,
    *,
    attachments: Sequence[Attachment] = (),
    language: str | None = None,
    **context: Any,
) -> OutboxMessage:
    """Render ``mail/<template>.txt`` and ``.html`` and queue them as one message.

    Written in ``language`` (``i18n.language_for(recipient_user, event)``), not the language of
    whoever's request sends it: pass ``subject`` as ``lazy_gettext(...)`` so it is translated
    here too.
    """
    context.setdefault("base_url", current_app.config["PUBLIC_BASE_URL"])
    language = language or DEFAULT_LANGUAGE
    context["language"] = language  # the html's lang attribute
    with force_locale(language):
        subject = str(subject)
        text = render_template(f"mail/{template}.txt", subject=subject, **context)
        html = render_template(f"mail/{template}.html", subject=subject, **context)
    return queue_mail(recipient, subject, text, html, attachments=attachments)


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    """'text/calendar; method=PUBLISH' as ('text', 'calendar', {'method': 'PUBLISH'})."""
    kind, *parameters = (part.strip() for part in value.split(";"))
    maintype, _, subtype = kind.partition("/")
    params = {}
    for parameter in parameters:
        name, _, param_value = parameter.partition("=")
        if name:
            params[name.strip().lower()] = param_value.strip().strip('"')
    return maintype or "application", subtype or "octet-stream", params


def _build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">") or None)
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    for attachment in message.attachments:
        maintype, subtype, params = _content_type(attachment.content_type)
        email.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return email


def _open_smtp(config: dict[str, Any]) -> smtplib.SMTP:
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def deliver_outbox(limit: int = 100, *, include_not_due: bool = False) -> tuple[int, int]:
    """Claim and send queued messages that are due; returns (sent, failed).

    Safe with any number of concurrent senders: each message is claimed by one
    sender before it is sent (conference/mail/claims.py). Commits per message.
    """
    config = current_app.config
    sender = claims.new_sender_id()
    sent = failed = 0
    tried: set[int] = set()  # one attempt per message per call, even with include_not_due
    while len(tried) < limit:
        ids, claim_end = claims.claim_messages(
            sender,
            limit=min(limit - len(tried), config["MAIL_BATCH_SIZE"]),
            lease_seconds=config["MAIL_CLAIM_SECONDS"],
            max_attempts=config["MAIL_MAX_ATTEMPTS"],
            include_not_due=include_not_due,
            skip=tried,
        )
        if not ids:
            break
        tried.update(ids)
        batch_sent, batch_failed = _send_claimed(ids, sender, claim_end)
        sent += batch_sent
        failed += batch_failed
    return sent, failed


def _send_claimed(ids: list[int], sender: str, claim_end: datetime) -> tuple[int, int]:
    config = current_app.config
    messages = list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        )
    )
    db.session.commit()
    if config["MAIL_BACKEND"] == "console":
        for message in messages:
            log.warning(
                "Mail (console backend) to %s: %s\n%s",
                message.recipient,
                message.subject,
                message.text_body,
            )
            claims.mark_sent(message.id, sender)
        return len(messages), 0
    try:
        smtp = _open_smtp(config)
    except (OSError, smtplib.SMTPException) as error:
        for message in messages:
            _record_failure(message, sender, error)
        return 0, len(messages)
    sent = failed = 0
    try:
        for message in messages:
            # A claim that ran out may already be another sender's: give it back unsent.
            if utcnow() >= claim_end - timedelta(seconds=config["MAIL_TIMEOUT"]):
                claims.release(message.id, sender)
                continue
            try:
                smtp.send_message(_build_email(message, config["MAIL_SENDER"]))
            except (OSError, smtplib.SMTPException) as error:
                _record_failure(message, sender, error)
                failed += 1
            else:
                claims.mark_sent(message.id, sender)
                sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            log.info("SMTP connection did not close cleanly", exc_info=True)
    return sent, failed


def _record_failure(message: OutboxMessage, sender: str, error: Exception) -> None:
    # message.attempts was read after the claim, so it already counts this attempt.
    claims.mark_failed(
        message.id,
        sender,
        f"{type(error).__name__}: {error}",
        utcnow() + _retry_delay(message.attempts),
    )
    log.warning("Mail to %s not sent (attempt %d): %s", message.recipient, message.attempts, error)


def deliver_after_request() -> None:
    """Hand the queued mail to the task worker once the view committed; failures stay queued."""
    if not current_app.config["MAIL_DELIVER_AFTER_REQUEST"]:
        return
    from conference.tasks.queue import enqueue

    try:
        enqueue("mail.deliver")
    except Exception:  # the action is committed; the worker's minute round or cron sends it
        db.session.rollback()
        log.exception("Queueing mail delivery failed; the mail stays in the outbox")


@background_task("mail.deliver", every_minute=True)
def deliver_mail_task() -> None:
    """The task: send what is due (also run every minute, so back-offs are retried)."""
    deliver_outbox(limit=500)


def pending_count() -> int:
    from sqlalchemy import func

    return (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
        or 0
    )
