"""Two-factor sign-in: TOTP enrolment and checks, and one-time recovery codes.

A code is accepted for the current 30-second step or one step either side (clock drift), and
never for a step at or before the last one accepted for the account: a code seen over a
shoulder or replayed from a log is refused. The check is a conditional update, so two requests
racing with the same code cannot both win.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update

from conference.accounts.models import RecoveryCode, User, new_session_token
from conference.db_types import utcnow
from conference.errors import AccountError
from conference.extensions import db

STEP_SECONDS = 30
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=STEP_SECONDS)


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").lower()


def begin_totp_enrolment(user: User) -> str:
    """Give the account a new secret to scan; it counts only once a first code confirms it."""
    if user.has_totp:
        raise AccountError(_("Two-factor sign-in is already set up for this account."))
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    return user.totp_secret


def enable_totp_with_secret(user: User, secret: str) -> None:
    """Switch TOTP on with a known secret, for the demo's published staff logins only."""
    if user.has_totp and user.totp_secret == secret:
        return
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    regenerate_recovery_codes(user)


def current_code(user: User, *, now: datetime | None = None) -> str:
    """The code the account's authenticator shows now (for the demo's helper command)."""
    return _totp(user.totp_secret or "").at(now or utcnow())


def provisioning_uri(user: User) -> str:
    """The otpauth:// address the authenticator app reads from the QR code."""
    return _totp(user.totp_secret or "").provisioning_uri(
        name=user.email, issuer_name=current_app.config["TOTP_ISSUER"]
    )


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = normalise_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = _totp(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) was used already."""
    result = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def verify_totp(user: User, code: str, *, now: datetime | None = None) -> bool:
    """Whether ``code`` is a fresh, valid code of the account's authenticator."""
    if not user.has_totp:
        return False
    step = _matching_step(user.totp_secret or "", code, now or utcnow())
    return step is not None and _claim_step(user, step)


def confirm_totp_enrolment(user: User, code: str, *, now: datetime | None = None) -> list[str]:
    """Switch the factor on with a first code; return the recovery codes (shown once).

    Every other session of the account ends: they signed in without the factor.
    """
    if user.has_totp:
        raise AccountError(_("Two-factor sign-in is already set up for this account."))
    if not user.totp_secret:
        raise AccountError(_("Start the set-up first."), field="code")
    step = _matching_step(user.totp_secret, code, now or utcnow())
    if step is None or not _claim_step(user, step):
        raise AccountError(
            _(
                "This code is not correct. Check the clock of your phone and type the code the "
                "app shows now."
            ),
            field="code",
        )
    user.totp_enabled_at = utcnow()
    user.session_token = new_session_token()
    return regenerate_recovery_codes(user)


def disable_totp(user: User) -> None:
    """Switch the factor off (the caller checked a current code); other sessions end."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_token = new_session_token()


def hash_recovery_code(code: str) -> str:
    # The codes carry 80 random bits, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes by new ones; only their hashes are stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(c)) for c in codes
    )
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one recovery code; each works once (a conditional update settles races)."""
    if not user.has_totp or len(normalise_code(code)) != 16:
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
