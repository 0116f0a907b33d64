"""Small helpers shared by the badge tests."""

from __future__ import annotations

from conference.badges import services
from conference.badges.checkin import scan
from conference.badges.checkpoints import Checkpoint
from conference.extensions import db
from tests.factories import make_registration, make_user


def badge_for(event, *, name: str = "Anna Novák", **registration_kwargs):
    """An approved registration (by default) with its badge, committed."""
    user = make_user(name=name)
    registration = make_registration(event, user, **registration_kwargs)
    badge = services.ensure_badge(registration) if registration.is_approved else None
    db.session.commit()
    return registration, badge


def scan_at(event, code, actor, session=None, **kwargs):
    """Scan ``code`` at the entrance (or ``session``'s door) and commit."""
    result = scan(event, Checkpoint(event, session), code, actor=actor, **kwargs)
    db.session.commit()
    return result
