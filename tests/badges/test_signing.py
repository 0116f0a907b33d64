"""Event signing keys: the private key is never stored in clear."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization

from conference.badges import signing
from conference.extensions import db
from tests.badges.helpers import badge_for
from tests.factories import make_event


def test_private_key_is_stored_encrypted_and_matches_the_public_key(app):
    event = make_event()
    key = signing.active_key(event)
    db.session.commit()

    private = signing.private_key_of(key)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )

    stored = key.encrypted_private_key
    assert stored.startswith("v1.")
    assert raw not in base64.urlsafe_b64decode(stored[3:])
    assert base64.urlsafe_b64encode(raw).decode().rstrip("=") not in stored
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert public == signing.public_key_raw(key)


def test_another_secret_cannot_sign_but_old_badges_still_verify(app_factory):
    app = app_factory(BADGE_KEY_SECRET="first secret")
    with app.app_context():
        event = make_event()
        _, badge = badge_for(event)
        key = signing.get_key(event, badge.key_id)
        app.config["BADGE_KEY_SECRET"] = "another secret"

        with pytest.raises(signing.SigningKeyError, match="Rotate the event's badge key"):
            signing.private_key_of(key)
        assert signing.public_key_of(key) is not None
        new_key = signing.rotate_key(event, actor=None)
        assert signing.private_key_of(new_key) is not None
        db.session.remove()


def test_ciphertext_cannot_be_moved_to_another_key_row(app):
    event = make_event()
    first = signing.active_key(event)
    second = signing.rotate_key(event, actor=None)
    second.encrypted_private_key = first.encrypted_private_key

    with pytest.raises(signing.SigningKeyError):
        signing.private_key_of(second)
    db.session.rollback()
