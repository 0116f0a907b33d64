"""Account rules: sign-up, authentication, verification, password reset, profile."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from conference import signals
from conference.accounts import tokens
from conference.accounts.models import User, new_session_token
from conference.categories import StakeholderCategory
from conference.db_types import utcnow
from conference.errors import AccountError, EmailTaken, InvalidToken
from conference.extensions import db
from conference.i18n import language_for, supported
from conference.mail.services import queue_templated_mail
from conference.urls import external_url, safe_next_url

MIN_PASSWORD_LENGTH = 10


@lru_cache(maxsize=4)
def dummy_hash(method: str) -> str:
    """A hash of no one's password, made the way real ones are (``PASSWORD_HASH_METHOD``): an
    unknown email is checked against it, so both answers cost the same check. Made when the
    accounts' pages are registered (``views``), not at import: every process that imports
    the code, a CLI command or a test worker, paid a scrypt hash for it."""
    return generate_password_hash("not-a-real-password-0000", method=method)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def get_user_by_session_token(token: str) -> User | None:
    return db.session.scalar(select(User).where(User.session_token == token))


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("Use at least %(num)d characters for your password.", num=MIN_PASSWORD_LENGTH),
            field="password",
        )


def set_password(user: User, password: str) -> None:
    """Hash and store a new password; every other login of the account ends."""
    validate_password(password)
    user.password_hash = generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    user.session_token = new_session_token()


def create_user(
    email: str,
    name: str,
    password: str | None,
    *,
    organisation: str = "",
    country: str = "",
    claimed_category: str | None = None,
    is_admin: bool = False,
    email_verified: bool = False,
) -> User:
    """Create an account; the email must be new."""
    email = normalise_email(email)
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise EmailTaken(_("An account with this email address already exists."), field="email")
    if claimed_category:
        StakeholderCategory(claimed_category)
    user = User(
        email=email,
        name=name.strip(),
        organisation=organisation.strip(),
        country=country.upper(),
        claimed_category=claimed_category or None,
        is_admin=is_admin,
        email_verified_at=utcnow() if email_verified else None,
    )
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    signals.accounts_created.send(None, user_ids=[user.id])
    return user


def account_for_verified_email(email: str, name: str) -> User | None:
    """The account an identity provider's verified email signs in to, made if there is none.

    None for a closed account. The provider confirmed the address, so an account whose
    address was never confirmed is confirmed now.
    """
    user = get_user_by_email(email)
    if user is None:
        return create_user(email, name or email, None, email_verified=True)
    if not user.is_active:
        return None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user with these credentials, or None; unknown email and bad password look alike."""
    user = get_user_by_email(email)
    if user is None or user.password_hash is None:
        check_password_hash(dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()


def _mail_language(user: User, fallback: str | None) -> str:
    """The account's chosen language, else ``fallback`` if we serve it, else English."""
    return (
        language_for(user)
        if supported(user.language)
        else (supported(fallback) or language_for(user))
    )


def send_verification_email(
    user: User, *, next_url: str | None = None, fallback_language: str | None = None
) -> None:
    """Queue the confirmation link; ``next_url`` (a same-site path) is where it leads after.

    Written in the account's language, else ``fallback_language`` (the asker's page's).
    """
    token = tokens.make_verification_token(user, safe_next_url(next_url))
    link = external_url("accounts.verify_email", token=token)
    queue_templated_mail(
        user.email,
        _l("Confirm your email address"),
        "verify_email",
        language=_mail_language(user, fallback_language),
        user=user,
        link=link,
    )


def verify_email(token: str) -> tuple[User, str | None]:
    """Mark the address in the token as verified; a token works once. Returns the account and
    the same-site path the person was on their way to (None when there was none)."""
    user_id, email, next_url = tokens.read_verification_token(token)
    user = get_user(user_id)
    if user is None or user.email != email:
        raise InvalidToken(_("This link is not valid."))
    if user.email_verified_at is not None:
        raise InvalidToken(_("This link has already been used: your address is verified."))
    user.email_verified_at = utcnow()
    return user, safe_next_url(next_url)


def request_password_reset(email: str, *, fallback_language: str | None = None) -> None:
    """Email a reset link if the account exists; say nothing either way.

    Written in the account's language, else ``fallback_language`` (the asker's page's).
    """
    user = get_user_by_email(email)
    if user is None or not user.is_active:
        return
    token = tokens.make_reset_token(user)
    link = external_url("accounts.reset_password", token=token)
    queue_templated_mail(
        user.email,
        _l("Reset your password"),
        "reset_password",
        language=_mail_language(user, fallback_language),
        user=user,
        link=link,
    )


def check_reset_token(token: str) -> User:
    return tokens.read_reset_token(token, get_user)


def reset_password(token: str, password: str) -> User:
    """Set a new password with a reset token, which is then spent."""
    user = check_reset_token(token)
    set_password(user, password)
    if user.email_verified_at is None:
        # Receiving the reset mail proves the address.
        user.email_verified_at = utcnow()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if user.password_hash is None or not check_password_hash(user.password_hash, current_password):
        raise AccountError(_("Your current password is not correct."), field="current_password")
    set_password(user, new_password)


def update_profile(
    user: User, *, name: str, organisation: str, country: str, claimed_category: str | None
) -> None:
    """Change the details people see; the claimed category is re-verified per event."""
    if claimed_category:
        StakeholderCategory(claimed_category)
    user.name = name.strip()
    user.organisation = organisation.strip()
    user.country = country.upper()
    user.claimed_category = claimed_category or None
    db.session.flush()
    signals.account_details_changed.send(None, user_ids=[user.id])
