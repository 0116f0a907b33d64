"""The Flask-session side of signing in: a session is logged in only once every factor passed.

After a correct password an account with a second factor gets a *pending* sign-in (who, where
to go next, until when) and no login at all; Flask-Login's ``login_user`` runs only when the
second step passes, so nothing that trusts ``current_user`` ever sees a half-signed-in person.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, session
from flask_login import login_user

from conference.accounts import services
from conference.accounts.models import User
from conference.db_types import utcnow

PENDING_KEY = "second_factor_pending"
# How the session signed in: "password", "totp", "recovery_code" (later: a provider).
METHOD_KEY = "signed_in_with"


def start_session(user: User, *, method: str) -> None:
    """Log ``user`` in on a fresh session (a new session defeats fixation)."""
    session.clear()
    login_user(user)
    session[METHOD_KEY] = method
    services.record_login(user)


def begin_second_factor(user: User, next_url: str | None) -> None:
    """Remember that the password passed; the session stays logged out."""
    session.clear()
    minutes = current_app.config["TWO_FACTOR_PENDING_MINUTES"]
    session[PENDING_KEY] = {
        "token": user.session_token,
        "next": next_url,
        "until": (utcnow() + timedelta(minutes=minutes)).timestamp(),
    }


def _pending() -> dict | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) <= utcnow().timestamp():
        return None
    return pending


def pending_user() -> User | None:
    """The account whose password just passed, while the second step is still open."""
    pending = _pending()
    if pending is None:
        return None
    user = services.get_user_by_session_token(str(pending.get("token")))
    return user if user is not None and user.is_active and user.has_totp else None


def pending_key() -> str | None:
    """A rate-limit key for the pending account (None when nothing is pending)."""
    pending = _pending()
    return f"second-factor:{pending['token']}" if pending else None


def pending_next_url() -> str | None:
    pending = _pending()
    return pending.get("next") if pending else None
