"""Signed, expiring, single-use tokens for email verification and password reset."""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from conference.accounts.models import User
from conference.errors import InvalidToken

VERIFY_SALT = "conference.verify-email"
RESET_SALT = "conference.reset-password"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _password_fingerprint(user: User) -> str:
    # Changing the password changes the fingerprint, which spends the token.
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:20]


def make_verification_token(user: User, next_url: str | None = None) -> str:
    """The confirmation link's token; ``next_url`` (a same-site path) is where the person was
    going, so confirming the address takes them back there (issue 15)."""
    data: dict = {"u": user.id, "e": user.email}
    if next_url:
        data["n"] = next_url
    return _serializer(VERIFY_SALT).dumps(data)


def make_reset_token(user: User) -> str:
    return _serializer(RESET_SALT).dumps({"u": user.id, "p": _password_fingerprint(user)})


def _load(token: str, salt: str, max_age: int) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidToken(_("This link has expired. Ask for a new one."))
    except BadSignature:
        raise InvalidToken(_("This link is not valid. Check that you copied all of it."))
    if not isinstance(data, dict):
        raise InvalidToken(_("This link is not valid."))
    return data


def read_verification_token(token: str) -> tuple[int, str, str | None]:
    """(user id, email, the path to go on to or None)."""
    data = _load(token, VERIFY_SALT, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    next_url = data.get("n")
    return int(data["u"]), str(data["e"]), next_url if isinstance(next_url, str) else None


def read_reset_token(token: str, user_loader) -> User:
    """Return the user the token was issued for, if it has not been spent."""
    data = _load(token, RESET_SALT, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = user_loader(int(data["u"]))
    if user is None or data.get("p") != _password_fingerprint(user):
        raise InvalidToken(_("This link has already been used. Ask for a new one."))
    return user
