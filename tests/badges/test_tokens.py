"""The signed badge code: compact, no personal data, unforgeable, and verifiable offline."""

from __future__ import annotations

import secrets

import pytest
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conference.badges import tokens

CLAIMS = tokens.BadgeClaims(
    badge_id=secrets.token_bytes(16), event_id=42, key_id=bytes.fromhex("a1b2c3d4"), version=3
)


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


def test_token_round_trips_and_verifies_with_the_public_key(key):
    code = tokens.sign_token(CLAIMS, key)

    parsed = tokens.parse_token(code)

    assert parsed.claims == CLAIMS
    assert tokens.verify_signature(parsed, key.public_key())


def test_token_is_short_upper_case_base32_that_fits_a_version_6_qr(key):
    code = tokens.sign_token(CLAIMS, key)
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(code)
    qr.make(fit=True)

    assert code.startswith("CB1.") and len(code) == 150
    assert set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567.1")
    assert qr.version <= 6


def test_token_carries_only_ids_and_version(key):
    payload = tokens.b32decode(tokens.sign_token(CLAIMS, key).split(".")[1])

    assert payload == CLAIMS.badge_id + (42).to_bytes(4, "big") + CLAIMS.key_id + (3).to_bytes(
        2, "big"
    )


def test_typed_code_in_lower_case_with_spaces_still_parses(key):
    code = tokens.sign_token(CLAIMS, key)

    parsed = tokens.parse_token("  " + code.lower()[:60] + " " + code.lower()[60:] + "\n")

    assert tokens.verify_signature(parsed, key.public_key())


@pytest.mark.parametrize("position", [5, 20, 45, 60, 149])
def test_any_altered_character_fails_verification_or_parsing(key, position):
    code = tokens.sign_token(CLAIMS, key)
    replacement = "A" if code[position] != "A" else "B"
    altered = code[:position] + replacement + code[position + 1 :]

    try:
        parsed = tokens.parse_token(altered)
    except tokens.MalformedToken:
        return
    assert not tokens.verify_signature(parsed, key.public_key())


def test_a_code_signed_by_another_key_does_not_verify(key):
    forged = tokens.sign_token(CLAIMS, Ed25519PrivateKey.generate())

    assert not tokens.verify_signature(tokens.parse_token(forged), key.public_key())


@pytest.mark.parametrize(
    "text",
    ["", "CB1", "CB1..", "CB2.AAAA.BBBB", "https://example.org/", "CB1.AAAA.BBBB", "CB1.!!!!.????"],
)
def test_garbage_is_malformed(text):
    with pytest.raises(tokens.MalformedToken):
        tokens.parse_token(text)


@pytest.mark.parametrize("cut", [1, 8, 50, 100])
def test_truncated_codes_are_malformed(key, cut):
    code = tokens.sign_token(CLAIMS, key)

    with pytest.raises(tokens.MalformedToken):
        tokens.parse_token(code[:-cut])
