"""Nominees from a CSV file: the preview's database checks, and the confirmed nominations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from conference.db_types import utcnow
from conference.delegations import rules
from conference.delegations.models import Delegation, Nomination
from conference.delegations.nominations import ACTIVE, nominate
from conference.delegations.rules import EXPIRED
from conference.errors import DelegationError
from conference.extensions import db


def preview_nominees(
    delegation: Delegation, rows: list[rules.NomineeRow], *, now: datetime | None = None
) -> list[rules.NomineeRow]:
    """Add the database's refusals to parsed rows (already nominated, quota); writes nothing."""
    now = now or utcnow()
    emails = [row.email for row in rows if row.ok]
    taken = {
        n.email: n
        for n in db.session.scalars(
            select(Nomination).where(
                Nomination.event_id == delegation.event_id,
                Nomination.email.in_(emails),
                Nomination.state.in_(ACTIVE),
            )
        )
        if n.state_at(now) != EXPIRED
    }
    full = delegation.accepted_count >= delegation.quota
    for row in rows:
        if not row.ok:
            continue
        if full:
            row.errors.append(_("All seats of the delegation are taken."))
        elif row.email in taken:
            same = taken[row.email].delegation_id == delegation.id
            row.errors.append(
                _("Already nominated by your delegation.")
                if same
                else _("Already nominated for this event by another delegation.")
            )
    return rows


def nominate_many(
    delegation: Delegation, rows: list[rules.NomineeRow], *, actor: Any
) -> list[Nomination]:
    """Nominate every row (the confirmed preview); the first refusal stops all of them."""
    done = []
    for row in rows:
        try:
            nomination, _secret = nominate(delegation, row.name, row.email, actor=actor)
        except DelegationError as error:
            raise DelegationError(
                _(
                    "Line %(line)d (%(email)s): %(reason)s",
                    line=row.line,
                    email=row.email,
                    reason=error.message,
                )
            ) from None
        done.append(nomination)
    return done
