"""Claims on outbox messages: a sender owns a message before sending it.

Several senders (gunicorn workers after their requests, the task worker, a cron's
``flask send-mail``) read the same queue. Each claims rows with a conditional UPDATE
(only a row nobody holds, or whose holder's claim ran out), behind ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL so senders pass each other's rows instead of waiting. A claim
counts as an attempt, added in the database (never read-modify-write), and expires
after MAIL_CLAIM_SECONDS, so a sender that dies mid-batch strands nothing.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from conference.db_types import utcnow
from conference.extensions import db
from conference.mail.models import OutboxMessage


def new_sender_id() -> str:
    """A name for this sender, unique across hosts, processes and calls."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _claimable(now: datetime, max_attempts: int, include_not_due: bool):
    conditions = [
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.attempts < max_attempts,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    ]
    if not include_not_due:
        conditions.append(OutboxMessage.next_attempt_at <= now)
    return conditions


def claim_messages(
    sender: str,
    *,
    limit: int,
    lease_seconds: int,
    max_attempts: int,
    include_not_due: bool,
    skip: Collection[int] = (),
) -> tuple[list[int], datetime]:
    """Claim up to ``limit`` due messages (not in ``skip``) for ``sender`` and commit."""
    now = utcnow()
    until = now + timedelta(seconds=lease_seconds)
    conditions = _claimable(now, max_attempts, include_not_due)
    if skip:
        conditions.append(OutboxMessage.id.not_in(list(skip)))
    candidates = select(OutboxMessage.id).where(*conditions).order_by(OutboxMessage.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed: list[int] = []
    for message_id in list(db.session.scalars(candidates)):
        # The same conditions again: on SQLite another sender may have claimed the row
        # between our SELECT and this UPDATE; the UPDATE is atomic, so one of us wins.
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, *conditions)
            .values(claimed_by=sender, claimed_until=until, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    return claimed, until


def _finish(message_id: int, sender: str, **values) -> bool:
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == sender)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def mark_sent(message_id: int, sender: str) -> bool:
    """Record a delivery and drop the claim; False if the claim was no longer ours."""
    return _finish(message_id, sender, sent_at=utcnow())


def mark_failed(message_id: int, sender: str, error: str, retry_at: datetime) -> bool:
    """Record a failed attempt, schedule the retry and drop the claim."""
    return _finish(message_id, sender, last_error=error[:2000], next_attempt_at=retry_at)


def release(message_id: int, sender: str) -> bool:
    """Give a claimed message back untried (its attempt is not counted)."""
    return _finish(message_id, sender, attempts=OutboxMessage.attempts - 1)
