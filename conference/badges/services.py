"""Badge rules: issuing, reissuing and revoking badges, and scanning devices."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload

from conference.accounts.models import User
from conference.badges import numbers, signing, tokens
from conference.badges.models import Badge, EventSigningKey, ScanDevice, new_badge_public_id
from conference.badges.pdf import NEUTRAL_LABEL, BadgeCard
from conference.db_types import utcnow
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Registration, RegistrationStatus

DEVICE_TOKEN_PREFIX = "cdt_"  # noqa: S105  (a prefix, not a secret)


class BadgeError(DomainError):
    pass


def _sign(badge: Badge, event: Event) -> None:
    key = signing.active_key(event)
    claims = tokens.BadgeClaims(
        badge_id=tokens.b32decode(badge.public_id),
        event_id=event.id,
        key_id=bytes.fromhex(key.key_id),
        version=badge.version,
    )
    badge.key_id = key.key_id
    badge.token = tokens.sign_token(claims, signing.private_key_of(key))


def get_badge_for(registration: Registration) -> Badge | None:
    return db.session.scalar(select(Badge).where(Badge.registration_id == registration.id))


def ensure_badge(registration: Registration) -> Badge:
    """The registration's badge, issued on first need; only approved registrations get one."""
    badge = get_badge_for(registration)
    if badge is not None:
        return badge
    if registration.status != RegistrationStatus.APPROVED.value:
        raise BadgeError(_("Only approved registrations have a badge."))
    public_id = new_badge_public_id()
    badge = Badge(
        public_id=public_id,
        number_key=numbers.number_key(public_id),
        event_id=registration.event_id,
        registration_id=registration.id,
        version=1,
        issued_at=utcnow(),
    )
    badge.registration = registration
    _sign(badge, registration.event)
    db.session.add(badge)
    db.session.flush()
    return badge


def _missing_badges(event: Event):
    return (
        select(Registration)
        .outerjoin(Badge, Badge.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.APPROVED.value,
            Badge.id.is_(None),
        )
    )


def count_missing_badges(event: Event) -> int:
    """Approved registrations without a badge yet."""
    return db.session.scalar(select(func.count()).select_from(_missing_badges(event).subquery()))


def issue_missing_badges(event: Event) -> int:
    """Issue a badge to every approved registration that has none yet; returns how many."""
    missing = db.session.scalars(_missing_badges(event)).all()
    for registration in missing:
        ensure_badge(registration)
    return len(missing)


def reissue_badges_of(registration_ids: list[int], *, actor: Any) -> list[Badge]:
    """Reissue the badges (not revoked ones) of these registrations; returns them.

    Their verified category changed: a printed badge must not show what is no longer true.
    """
    badges = db.session.scalars(
        select(Badge)
        .where(Badge.registration_id.in_(registration_ids), Badge.revoked_at.is_(None))
        .order_by(Badge.id)
    ).all()
    for badge in badges:
        reissue_badge(badge, actor=actor)
    return list(badges)


def reissue_badge(badge: Badge, *, actor: Any) -> Badge:
    """A new version of the badge (lost badge): every older QR code is refused from now on."""
    del actor
    if badge.version >= tokens.MAX_VERSION:
        raise BadgeError(_("This badge was reissued too many times."))
    badge.version += 1
    badge.reissued_at = utcnow()
    badge.revoked_at = None
    _sign(badge, badge.event)
    db.session.flush()
    return badge


def revoke_badge(badge: Badge, *, actor: Any) -> Badge:
    """Void the badge without a replacement (reissue it to give a new one)."""
    del actor
    if badge.revoked_at is None:
        badge.revoked_at = utcnow()
    db.session.flush()
    return badge


def revoke_key(event: Event, key: EventSigningKey, *, actor: Any) -> int:
    """Revoke a key: codes it signed are refused; its badges are re-signed. Returns how many."""
    if not signing.mark_revoked(event, key):
        return 0
    return resign_badges(event, key.key_id, actor=actor)


def count_badges_signed_with(event: Event, key_id: str) -> int:
    """How many badges revoking ``key_id`` would sign again (to be printed again)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Badge)
            .where(Badge.event_id == event.id, Badge.key_id == key_id)
        )
        or 0
    )


def resign_badges(event: Event, key_id: str, *, actor: Any) -> int:
    """Sign again, with the active key and the same version, the badges signed by ``key_id``."""
    del actor
    badges = db.session.scalars(
        select(Badge).where(Badge.event_id == event.id, Badge.key_id == key_id)
    ).all()
    for badge in badges:
        _sign(badge, event)
    db.session.flush()
    return len(badges)


def get_badge(event: Event, public_id: str) -> Badge | None:
    return db.session.scalar(
        select(Badge)
        .options(joinedload(Badge.registration).joinedload(Registration.user))
        .where(Badge.event_id == event.id, Badge.public_id == public_id.upper())
    )


@dataclass
class BadgeFilter:
    """Which badges an organiser prints."""

    category: str | None = None
    verified_only: bool = False
    name_contains: str = ""
    only_reissued: bool = False


def list_badges(event: Event, badge_filter: BadgeFilter | None = None) -> list[Badge]:
    """Badges of approved registrations, by name, optionally filtered."""
    badge_filter = badge_filter or BadgeFilter()
    query = (
        select(Badge)
        .join(Registration, Badge.registration_id == Registration.id)
        .join(User, Registration.user_id == User.id)
        .options(joinedload(Badge.registration).joinedload(Registration.user))
        .where(
            Badge.event_id == event.id,
            Registration.status == RegistrationStatus.APPROVED.value,
        )
        .order_by(User.name, Badge.id)
    )
    if badge_filter.category:
        query = query.where(Registration.category == badge_filter.category)
    if badge_filter.verified_only:
        query = query.where(Registration.category_verified_clause())
    if badge_filter.name_contains.strip():
        query = query.where(User.name.ilike(f"%{badge_filter.name_contains.strip()}%"))
    if badge_filter.only_reissued:
        query = query.where(Badge.version > 1)
    return list(db.session.scalars(query).unique())


# --- Scanning devices ------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_device(event: Event, name: str, *, actor: Any) -> tuple[ScanDevice, str]:
    """Register a scanning device; returns it and its token (shown once, stored hashed)."""
    name = name.strip()
    if not name:
        raise BadgeError(_("Give the device a name."), field="name")
    token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = ScanDevice(
        event_id=event.id,
        name=name[:100],
        token_hash=_hash_token(token),
        token_hint=token[:10],
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(device)
    db.session.flush()
    return device, token


def revoke_device(device: ScanDevice, *, actor: Any) -> ScanDevice:
    """Stop accepting the device's token."""
    del actor
    if device.revoked_at is None:
        device.revoked_at = utcnow()
    db.session.flush()
    return device


def list_devices(event: Event) -> list[ScanDevice]:
    return list(
        db.session.scalars(
            select(ScanDevice)
            .where(ScanDevice.event_id == event.id)
            .order_by(ScanDevice.revoked_at.is_not(None), ScanDevice.created_at.desc())
        )
    )


def get_device(event: Event, device_id: int) -> ScanDevice | None:
    device = db.session.get(ScanDevice, device_id)
    return device if device is not None and device.event_id == event.id else None


@cache
def _device_by_token() -> Select:
    # Built once (on first use, when every model is mapped): on the scan path, building
    # the expression costs as much as running it.
    return (
        select(ScanDevice)
        .where(ScanDevice.token_hash == bindparam("token_hash"))
        .options(joinedload(ScanDevice.event))
    )


def device_for_token(token: str) -> ScanDevice | None:
    """The device holding ``token`` (revoked ones too: the caller refuses them).

    Its event comes in the same query: a scan needs both, and nothing else first.
    """
    if not token.startswith(DEVICE_TOKEN_PREFIX) or len(token) > 100:
        return None
    return db.session.scalar(_device_by_token(), {"token_hash": _hash_token(token)})


def badge_card(badge: Badge) -> BadgeCard:
    """What is printed on the badge (the QR holds only the signed code)."""
    from conference.categories import category_label
    from conference.countries import country_name
    from conference.i18n import language_for
    from conference.localtime import format_date_range

    registration = badge.registration
    event = badge.event
    # A claim is not vetting: only a verified category is printed (and it reissues the badge).
    verified = registration.category_verified
    # The fixed texts are printed in the holder's language, whoever prints the badge.
    with force_locale(language_for(registration.user, event)):
        return BadgeCard(
            name=registration.user.name,
            organisation=registration.organisation or registration.user.organisation,
            country=country_name(registration.country or registration.user.country),
            category=registration.category if verified else "",
            category_label=str(
                category_label(registration.category) if verified else NEUTRAL_LABEL
            ),
            event_title=event.title,
            event_dates=format_date_range(event.start_date, event.end_date),
            token=badge.token,
            reference=_(
                "Badge %(number)s · v%(version)s",
                number=badge.public_id[:8],
                version=badge.version,
            ),
        )
