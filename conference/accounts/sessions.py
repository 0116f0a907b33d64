"""Signed-in sessions: opened at log-in, listed, revoked, ended by inactivity, re-confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from conference import permissions
from conference.accounts.models import User, UserSession, new_session_token
from conference.db_types import utcnow
from conference.extensions import db


def open_session(user: User, *, method: str, user_agent: str, address: str) -> UserSession:
    """A new row for a log-in that just passed every factor."""
    row = UserSession(
        user_id=user.id,
        session_token=user.session_token,
        method=method,
        user_agent=(user_agent or "")[:300],
        address=(address or "")[:45],
    )
    db.session.add(row)
    db.session.flush()
    return row


def idle_minutes(user: User) -> int:
    config = current_app.config
    if permissions.holds_staff_role(user):
        return int(config["STAFF_SESSION_IDLE_MINUTES"])
    return int(config["SESSION_IDLE_MINUTES"])


def is_live(row: UserSession | None, user: User, now: datetime) -> bool:
    """Not revoked, of the account's current login token, and used recently enough."""
    if (
        row is None
        or row.user_id != user.id
        or row.revoked_at is not None
        or row.session_token != user.session_token
    ):
        return False
    # Used within the shorter of the two limits: live whoever holds it, so the account's
    # roles need not be read (a query on every signed-in request otherwise).
    config = current_app.config
    shortest = min(int(config["STAFF_SESSION_IDLE_MINUTES"]), int(config["SESSION_IDLE_MINUTES"]))
    if row.last_seen_at >= now - timedelta(minutes=shortest):
        return True
    return row.last_seen_at >= now - timedelta(minutes=idle_minutes(user))


def find_session(key: str | None) -> UserSession | None:
    if not key:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.key == key))


def account_with_session(login_token: str, key: str) -> tuple[User | None, UserSession | None]:
    """The account of a login token and the session row of a cookie's key, in one statement
    (every signed-in request asks for both)."""
    found = db.session.execute(
        select(User, UserSession)
        .outerjoin(UserSession, UserSession.key == key)
        .where(User.session_token == login_token)
    ).first()
    return (found[0], found[1]) if found is not None else (None, None)


def list_live_sessions(user: User, *, now: datetime | None = None) -> list[UserSession]:
    """The account's sessions that still work, most recently used first."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    )
    return [row for row in rows if is_live(row, user, now)]


def follow_new_token(row: UserSession, user: User) -> None:
    """Keep this session after the account's login token changed (it ends every other)."""
    row.session_token = user.session_token


def mark_authenticated(row: UserSession) -> None:
    row.authenticated_at = utcnow()


def authenticated_recently(row: UserSession | None, *, now: datetime | None = None) -> bool:
    minutes = current_app.config["REAUTHENTICATE_MINUTES"]
    return row is not None and row.authenticated_at >= (now or utcnow()) - timedelta(
        minutes=minutes
    )


def revoke_session(user: User, session_id: int) -> bool:
    """End one of the account's own sessions; False if it is not theirs or already ended."""
    own = db.session.scalar(
        select(UserSession.id).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    if own is None:
        return False  # another's session: nothing written, answered as missing
    result = db.session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


def log_out_everywhere(user: User) -> None:
    """End every session of the account, this one too (a new login token, every row revoked)."""
    user.session_token = new_session_token()
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
