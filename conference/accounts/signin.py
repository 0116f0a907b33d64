"""The Flask-session side of signing in: a session is logged in only once every factor passed.

After a correct password an account with a second factor gets a *pending* sign-in (who, where
to go next, until when) and no login at all; Flask-Login's ``login_user`` runs only when the
second step passes, so nothing that trusts ``current_user`` ever sees a half-signed-in person.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from conference.accounts import audit as security_log
from conference.accounts import services, sessions
from conference.accounts.models import User, UserSession
from conference.db_types import utcnow
from conference.extensions import db
from conference.i18n import DEFAULT_LANGUAGE, LANGUAGES, supported
from conference.i18n import SESSION_KEY as LANGUAGE_SESSION_KEY
from conference.urls import safe_next_url

PENDING_KEY = "second_factor_pending"
# How the session signed in: "password", "totp", "recovery_code" (later: a provider).
METHOD_KEY = "signed_in_with"
# The session method of a sign-in whose second factor the identity provider vouched for
# (conference/accounts/oidc.py): it counts as the staff roles' second factor.
PROVIDER_SECOND_FACTOR_METHOD = "oidc+mfa"
# The key of this browser's row in user_sessions.
SESSION_KEY = "sid"
# last_seen_at is written at most this often (not on every request).
TOUCH_SECONDS = 60


def start_session(user: User, *, method: str) -> None:
    """Log ``user`` in on a fresh session (a new session defeats fixation)."""
    session.clear()
    row = sessions.open_session(
        user,
        method=method,
        user_agent=request.headers.get("User-Agent", ""),
        address=request.remote_addr or "",
    )
    login_user(user)
    session[METHOD_KEY] = method
    session[SESSION_KEY] = row.key
    services.record_login(user)
    audit(security_log.SecurityEventKind.LOGIN, user=user, detail=method)


def audit(kind: security_log.SecurityEventKind, *, user=None, email: str = "", detail: str = ""):
    """A line in the security log, with this request's address (the caller commits)."""
    return security_log.record(
        kind, user=user, email=email, address=request.remote_addr or "", detail=detail
    )


def load_signed_in(login_token: str) -> User | None:
    """Flask-Login's user loader: the account of the login token, if this browser's session
    row (read with it) is still live; else nobody is logged in."""
    key = session.get(SESSION_KEY)
    if key:
        user, row = sessions.account_with_session(login_token, key)
    else:
        user, row = services.get_user_by_session_token(login_token), None
    if user is None:
        return None
    g.user_session_row = row
    return check_session(user)


def current_session_row() -> UserSession | None:
    """This browser's session row (looked up once a request)."""
    if "user_session_row" not in g:
        g.user_session_row = sessions.find_session(session.get(SESSION_KEY))
    return g.user_session_row


def _flash_session_ended(user: User) -> None:
    # Not in the visitor's language straight away: choosing it asks for current_user, which
    # is what is being loaded here. The same choice, from the account about to be logged out.
    language = (
        supported(getattr(user, "language", None))
        or supported(session.get(LANGUAGE_SESSION_KEY))
        or request.accept_languages.best_match(LANGUAGES)
        or DEFAULT_LANGUAGE
    )
    with force_locale(language):
        flash(_("Your session ended after a while without activity. Please log in again."), "info")


def check_session(user: User) -> User | None:
    """The user loader's second half: the session's row must still be live, else logged out."""
    row = current_session_row()
    now = utcnow()
    if not sessions.is_live(row, user, now):
        if row is not None and row.revoked_at is None and row.session_token == user.session_token:
            _write_apart(row.id, revoked_at=now)
            _flash_session_ended(user)
        session.pop(SESSION_KEY, None)
        return None
    if (now - row.last_seen_at).total_seconds() >= TOUCH_SECONDS:
        _write_apart(row.id, last_seen_at=now)
        row.last_seen_at = now
    user.second_factor_from_provider = row.method == PROVIDER_SECOND_FACTOR_METHOD
    return user


def _write_apart(row_id: int, **values) -> None:
    """Bookkeeping on its own short transaction: a page that only reads commits nothing, and
    a request that fails later must not lose the 'last seen'."""
    # Never wait for the row: a request of the same person holding it (or a test's open
    # transaction) would wait for this one in turn. Bookkeeping skipped once is written next time.
    table = UserSession.__table__
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            free = (
                select(table.c.id)
                .where(table.c.id == row_id)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            connection.execute(update(table).where(table.c.id == free).values(**values))
            return
        connection.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            connection.execute(update(table).where(table.c.id == row_id).values(**values))
        except OperationalError:
            pass  # the database is busy writing: skip, as above
        finally:
            connection.exec_driver_sql("PRAGMA busy_timeout=30000")


def keep_session_after_token_change(user: User) -> None:
    """The account's login token changed (password, second factor): every other session
    ended; this one follows the new token and stays signed in."""
    row = current_session_row()
    if row is not None:
        sessions.follow_new_token(row, user)
    login_user(user)


def _same_site_path(referrer: str | None) -> str | None:
    """The path of a referring page of this site (the form a POST came from)."""
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return None
    return safe_next_url(parts.path + (f"?{parts.query}" if parts.query else ""))


def reauthentication_detour():
    """Before a sensitive action (called after the view authorised it): None when the password
    (and code) was typed within REAUTHENTICATE_MINUTES, else a redirect through the
    confirmation page and back (to the form a POST came from)."""
    if not current_user.is_authenticated or sessions.authenticated_recently(current_session_row()):
        return None
    if request.method == "GET":
        back = safe_next_url(request.full_path.rstrip("?"))
    else:
        back = _same_site_path(request.referrer)
    return redirect(url_for("account_sessions.confirm", next=back or url_for("events.home")))


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
