"""What delegations do when a registration is cancelled: the nominee's quota seat is freed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from conference import signals
from conference.db_types import utcnow
from conference.delegations.models import Nomination
from conference.delegations.nominations import audit_step
from conference.delegations.rules import ACCEPTED, DECLINED
from conference.delegations.services import release_quota_seat
from conference.extensions import db


def free_quota_seat(_sender: Any, *, registration: Any, actor: Any) -> None:
    """An accepted nominee's registration was cancelled (by them or the organisers): the
    nomination counts as declined and its seat goes back to the delegation (the NCP may send
    it again). A withdrawal has already moved its nomination on, so it is not met here."""
    nomination = db.session.scalar(
        select(Nomination).where(
            Nomination.registration_id == registration.id, Nomination.state == ACCEPTED
        )
    )
    if nomination is None:
        return
    nomination.state = DECLINED
    nomination.responded_at = utcnow()
    registration.delegation_id = None  # invitation-only sessions no longer admit them
    release_quota_seat(nomination.delegation)
    db.session.flush()
    audit_step(nomination, "nomination_cancelled", actor=actor, before=ACCEPTED, after=DECLINED)


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per function)."""
    signals.registration_cancelled.connect(free_quota_seat)
