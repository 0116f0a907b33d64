"""The signed badge code carried by the QR: compact, offline-verifiable, no personal data.

Format (docs/badges.md)::

    CB1.<payload>.<signature>

both parts unpadded RFC 4648 base32 (upper case, so the QR can use its compact
alphanumeric mode). The payload is 26 bytes, big-endian:

    16 bytes  badge id (random)
     4 bytes  event id
     4 bytes  key id (random, names the event key that signed)
     2 bytes  badge version (bumped when the badge is reissued)

The signature is Ed25519 over ``b"CB1" + payload``. These are pure functions:
no database, no Flask.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

PREFIX = "CB1"
_DOMAIN = PREFIX.encode()
_LAYOUT = struct.Struct(">16sI4sH")
PAYLOAD_BYTES = _LAYOUT.size
SIGNATURE_BYTES = 64
MAX_VERSION = 0xFFFF


class MalformedToken(ValueError):
    """The text is not a badge code of this format (typo, truncation, other QR)."""


@dataclass(frozen=True)
class BadgeClaims:
    """What a badge code says; trust it only after ``verify``."""

    badge_id: bytes
    event_id: int
    key_id: bytes
    version: int

    @property
    def badge_public_id(self) -> str:
        return b32encode(self.badge_id)

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()


@dataclass(frozen=True)
class ParsedToken:
    claims: BadgeClaims
    payload: bytes
    signature: bytes


def b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def b32decode(text: str) -> bytes:
    padding = "=" * (-len(text) % 8)
    return base64.b32decode(text + padding)


def pack_claims(claims: BadgeClaims) -> bytes:
    if len(claims.badge_id) != 16 or len(claims.key_id) != 4:
        raise ValueError("badge id must be 16 bytes and key id 4 bytes")
    if not 0 < claims.version <= MAX_VERSION:
        raise ValueError("badge version out of range")
    return _LAYOUT.pack(claims.badge_id, claims.event_id, claims.key_id, claims.version)


def sign_token(claims: BadgeClaims, private_key: Ed25519PrivateKey) -> str:
    """The printable code for ``claims``, signed with the event key."""
    payload = pack_claims(claims)
    signature = private_key.sign(_DOMAIN + payload)
    return f"{PREFIX}.{b32encode(payload)}.{b32encode(signature)}"


def parse_token(text: str) -> ParsedToken:
    """Split and decode a code without checking its signature."""
    cleaned = "".join(text.split()).upper()
    parts = cleaned.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise MalformedToken("not a badge code")
    try:
        payload = b32decode(parts[1])
        signature = b32decode(parts[2])
    except (binascii.Error, ValueError):
        raise MalformedToken("badge code is not valid base32")
    if len(payload) != PAYLOAD_BYTES or len(signature) != SIGNATURE_BYTES:
        raise MalformedToken("badge code has the wrong length")
    # One spelling per code: unused trailing bits must be zero.
    if b32encode(payload) != parts[1] or b32encode(signature) != parts[2]:
        raise MalformedToken("badge code is not in canonical form")
    badge_id, event_id, key_id, version = _LAYOUT.unpack(payload)
    if version == 0:
        raise MalformedToken("badge version 0 does not exist")
    return ParsedToken(BadgeClaims(badge_id, event_id, key_id, version), payload, signature)


def verify_signature(parsed: ParsedToken, public_key: Ed25519PublicKey) -> bool:
    """Whether the code was signed by ``public_key`` and not altered since."""
    try:
        public_key.verify(parsed.signature, _DOMAIN + parsed.payload)
    except InvalidSignature:
        return False
    return True


def public_key_from_raw(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)
