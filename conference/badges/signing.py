"""Event signing keys: creation, rotation, retirement and revocation.

Private keys are kept encrypted (AES-256-GCM) under a key derived with HKDF
from ``BADGE_KEY_SECRET`` (by default the application's ``SECRET_KEY``), with
the event and key id as associated data so a ciphertext cannot be moved to
another row. A stolen database therefore cannot mint badges. Changing that
secret makes existing private keys unusable for *signing* (verification uses
the public keys, stored in clear): rotate the event keys afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from conference.badges.models import EventSigningKey, KeyStatus, new_key_id
from conference.db_types import utcnow
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db


class SigningKeyError(DomainError):
    pass


def _secret() -> bytes:
    secret = current_app.config.get("BADGE_KEY_SECRET") or current_app.config["SECRET_KEY"]
    return secret.encode() if isinstance(secret, str) else secret


def _wrapping_key(secret: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"conference-badge-keys", info=b"v1")
    return hkdf.derive(secret)


def _aad(event_id: int, key_id: str) -> bytes:
    return f"{event_id}:{key_id}".encode()


def encrypt_private_key(private_key: Ed25519PrivateKey, event_id: int, key_id: str) -> str:
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    nonce = os.urandom(12)
    sealed = AESGCM(_wrapping_key(_secret())).encrypt(nonce, raw, _aad(event_id, key_id))
    return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()


@lru_cache(maxsize=64)
def _decrypt(secret_digest: bytes, secret: bytes, blob: str, aad: bytes) -> Ed25519PrivateKey:
    del secret_digest  # part of the cache key only
    version, _, body = blob.partition(".")
    if version != "v1":
        raise SigningKeyError("Unknown private key format.")
    data = base64.urlsafe_b64decode(body)
    try:
        raw = AESGCM(_wrapping_key(secret)).decrypt(data[:12], data[12:], aad)
    except InvalidTag:
        raise SigningKeyError(
            "The event's signing key cannot be decrypted (was the secret key changed?). "
            "Rotate the event's badge key."
        )
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_key_of(key: EventSigningKey) -> Ed25519PrivateKey:
    """The decrypted private key (cached per process)."""
    secret = _secret()
    return _decrypt(
        hashlib.sha256(secret).digest(),
        secret,
        key.encrypted_private_key,
        _aad(key.event_id, key.key_id),
    )


def public_key_of(key: EventSigningKey) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(public_key_raw(key))


def public_key_raw(key: EventSigningKey) -> bytes:
    return _unb64(key.public_key)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_pem(key: EventSigningKey) -> str:
    return (
        public_key_of(key)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _new_key(event: Event) -> EventSigningKey:
    private_key = Ed25519PrivateKey.generate()
    public_raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key = EventSigningKey(
        event_id=event.id,
        key_id=new_key_id(),
        public_key=base64.urlsafe_b64encode(public_raw).decode().rstrip("="),
        status=KeyStatus.ACTIVE.value,
    )
    key.encrypted_private_key = encrypt_private_key(private_key, event.id, key.key_id)
    db.session.add(key)
    db.session.flush()
    return key


def list_keys(event: Event) -> list[EventSigningKey]:
    """Every key of the event, newest first."""
    return list(
        db.session.scalars(
            select(EventSigningKey)
            .where(EventSigningKey.event_id == event.id)
            .order_by(EventSigningKey.created_at.desc(), EventSigningKey.id.desc())
        )
    )


_VERIFYING_KEYS_MAX = 256
_verifying_keys: dict[tuple[int, str], Ed25519PublicKey] = {}


def verifying_key(event_id: int, key_id: str) -> Ed25519PublicKey | None:
    """The public key ``key_id`` of the event, memoised per process.

    A key's public half never changes, so a scan needs no query to check a
    signature; whether the key was revoked is read with the badge.
    """
    cached = _verifying_keys.get((event_id, key_id))
    if cached is not None:
        return cached
    public = db.session.scalar(
        select(EventSigningKey.public_key).where(
            EventSigningKey.event_id == event_id, EventSigningKey.key_id == key_id
        )
    )
    if public is None:
        return None  # not remembered: the key may be created later
    if len(_verifying_keys) >= _VERIFYING_KEYS_MAX:
        _verifying_keys.clear()
    key = Ed25519PublicKey.from_public_bytes(_unb64(public))
    _verifying_keys[(event_id, key_id)] = key
    return key


def get_key(event: Event, key_id: str) -> EventSigningKey | None:
    return db.session.scalar(
        select(EventSigningKey).where(
            EventSigningKey.event_id == event.id, EventSigningKey.key_id == key_id
        )
    )


def active_key(event: Event) -> EventSigningKey:
    """The key that signs new badges, created on first use."""
    key = db.session.scalar(
        select(EventSigningKey).where(
            EventSigningKey.event_id == event.id,
            EventSigningKey.status == KeyStatus.ACTIVE.value,
        )
    )
    return key or _new_key(event)


def rotate_key(event: Event, *, actor: Any) -> EventSigningKey:
    """Retire the active key (its badges still verify) and make a new one active."""
    del actor  # authorised by the caller; kept for the audit-friendly signature
    for key in list_keys(event):
        if key.status == KeyStatus.ACTIVE.value:
            key.status = KeyStatus.RETIRED.value
            key.retired_at = utcnow()
    db.session.flush()
    return _new_key(event)


def mark_revoked(event: Event, key: EventSigningKey) -> bool:
    """Revoke a key (a new one becomes active if it was); False if it already was revoked.

    Re-signing its badges is the caller's part (``services.revoke_key``).
    """
    if key.event_id != event.id:
        raise SigningKeyError("This key belongs to another event.")
    if key.status == KeyStatus.REVOKED.value:
        return False
    was_active = key.status == KeyStatus.ACTIVE.value
    key.status = KeyStatus.REVOKED.value
    key.revoked_at = utcnow()
    key.retired_at = key.retired_at or key.revoked_at
    db.session.flush()
    if was_active:
        _new_key(event)
    return True
