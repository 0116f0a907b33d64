"""Announce change sets: one mail per affected person, saying what changed, with a calendar file.

Affected are the people with a seat in, or a place on the waiting list of, a changed session
(active registrations). Each sees the sessions as they may see them (``visible_session``):
a closed block keeps its secrets in the mail as on the agenda.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from conference.agenda.changelog import SessionDelta, session_delta, when_text
from conference.agenda.models import AgendaSession
from conference.agenda.queries import VisibleSession, visible_session
from conference.db_types import utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.feeds.services import changed_sessions_calendar
from conference.i18n import language_for
from conference.mail.services import Attachment, deliver_after_request, queue_templated_mail
from conference.notices.changesets import (
    ClaimedSet,
    PendingNotices,
    claim_change_set,
    due_event_ids,
    pending_notices,
)
from conference.registration.models import (
    INACTIVE_STATUSES,
    Booking,
    BookingStatus,
    Registration,
)
from conference.tasks.registry import background_task
from conference.urls import external_url

log = logging.getLogger(__name__)

CALENDAR_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"


@dataclass(frozen=True)
class ChangedSession:
    """One changed session in a person's mail: as they see it, what changed, their place."""

    session: VisibleSession
    delta: SessionDelta
    waiting: bool
    # The time now, in the event's timezone.
    when: str


@dataclass
class NoticeRun:
    """What one round sent: change sets announced, mails queued, sessions that changed."""

    change_sets: int = 0
    mails: int = 0
    sessions: int = 0
    recipients: list[str] = field(default_factory=list)
    # Events whose change set could not be announced: left pending, tried again next round.
    failed: list[int] = field(default_factory=list)


def _waits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (
        timedelta(minutes=config["CHANGE_NOTICE_DELAY_MINUTES"]),
        timedelta(minutes=config["CHANGE_NOTICE_MAX_WAIT_MINUTES"]),
    )


def pending_for(event: Event) -> PendingNotices | None:
    """The event's changes attendees have not been told of yet, and when they will be."""
    delay, max_wait = _waits()
    return pending_notices(event.id, delay=delay, max_wait=max_wait)


def send_change_notices(*, now: datetime | None = None, wait: bool = True) -> NoticeRun:
    """Announce every due change set; ``wait=False`` skips the quiet period. Commits per event.

    Safe with any number of concurrent senders (conference/notices/changesets.py).
    """
    now = now or utcnow()
    delay, max_wait = _waits() if wait else (timedelta(0), timedelta(0))
    run = NoticeRun()
    for event_id in due_event_ids(now, delay=delay, max_wait=max_wait):
        try:
            claimed = claim_change_set(event_id, now)
            if claimed is None:
                db.session.rollback()
                continue
            recipients = _announce(claimed)
            db.session.commit()
        except Exception:  # one event's failure must not hold back the others' notices
            db.session.rollback()
            log.exception("Change notices of event %s failed; they stay pending", event_id)
            run.failed.append(event_id)
            continue
        run.change_sets += 1
        run.sessions += len(claimed.sessions)
        run.mails += len(recipients)
        run.recipients.extend(recipients)
    return run


def _announce(claimed: ClaimedSet) -> list[str]:
    """Queue the change set's mails; returns their recipients. Drafts announce nothing."""
    event = db.session.get(Event, claimed.event_id)
    if event is None or not event.is_published or not claimed.sessions:
        return []
    rows = db.session.execute(
        select(Booking, Registration)
        .join(Registration, Registration.id == Booking.registration_id)
        .where(
            Booking.session_id.in_([s.id for s in claimed.sessions]),
            Booking.status.in_([BookingStatus.CONFIRMED.value, BookingStatus.WAITLISTED.value]),
            Registration.status.not_in(INACTIVE_STATUSES),
        )
        .options(joinedload(Registration.user))
        .order_by(Registration.id, Booking.id)
    ).all()
    sessions = {s.id: s for s in claimed.sessions}
    order = {s.id: position for position, s in enumerate(claimed.sessions)}
    people: dict[int, tuple[Registration, list[ChangedSession]]] = {}
    for booking, registration in rows:
        waiting = booking.status == BookingStatus.WAITLISTED.value
        # Described in the recipient's language (times, rooms, session texts).
        with force_locale(language_for(registration.user, event)):
            changed = _changed_for(registration, sessions[booking.session_id], claimed, waiting)
        if changed is None:
            continue
        people.setdefault(registration.id, (registration, []))[1].append(changed)
    recipients = []
    for registration, changes in people.values():
        changes.sort(key=lambda c: order[c.session.id])
        _queue_notice(event, registration, changes)
        recipients.append(registration.user.email)
    return recipients


def _changed_for(
    registration: Registration, session: AgendaSession, claimed: ClaimedSet, waiting: bool
) -> ChangedSession | None:
    """The session as this person sees it and what changed of it, or None: nothing to say."""
    shown = visible_session(registration.user, session, registration)
    if shown is None:
        return None
    delta = session_delta(session.event, claimed.was[session.id], shown)
    if delta.is_empty:  # moved and moved back, or nothing this person can see changed
        return None
    return ChangedSession(
        shown, delta, waiting, when_text(session.event, shown.starts_at, shown.ends_at)
    )


def _queue_notice(event: Event, registration: Registration, changes: list[ChangedSession]) -> None:
    if len(changes) == 1:
        only = changes[0]
        if only.delta.cancelled:
            subject = _l(
                "Session cancelled: %(title)s (%(event)s)",
                title=only.session.title,
                event=event.title,
            )
        else:
            subject = _l(
                "Session changed: %(title)s (%(event)s)",
                title=only.session.title,
                event=event.title,
            )
    else:
        subject = _l(
            "%(num)d of your sessions changed: %(event)s", num=len(changes), event=event.title
        )
    calendar = changed_sessions_calendar(event, [c.session for c in changes])
    queue_templated_mail(
        registration.user.email,
        subject,
        "session_changes",
        language=language_for(registration.user, event),
        attachments=[Attachment(f"{event.slug}-changes.ics", CALENDAR_TYPE, calendar)],
        user=registration.user,
        event=event,
        changes=changes,
        link=external_url("agenda.my_agenda", slug=event.slug),
    )


@background_task("notices.send", every_minute=True)
def send_change_notices_task() -> Any:
    """The task: announce the due change sets, then hand their mail to delivery."""
    run = send_change_notices()
    if run.mails:
        log.info("Change notices: %d mail(s) for %d change set(s)", run.mails, run.change_sets)
        deliver_after_request()
    return None
