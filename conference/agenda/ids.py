"""Stable public ids of agenda objects, shared by the exports and the importer.

An object keeps the id of the file it was imported from (its external id);
one created on the organisers' pages gets an id derived from something that
never changes, so exporting and importing again matches it rather than
duplicating it.
"""

from __future__ import annotations

import hashlib
from typing import Any


def derived_session_id(uid: str) -> str:
    """A stable public id from the session's (random, never reused) calendar UID."""
    return "s-" + hashlib.sha256(uid.encode()).hexdigest()[:20]


def session_public_id(session: Any) -> str:
    """The session's import id, else one derived from its uid."""
    return session.external_id or derived_session_id(session.uid)


def room_public_id(room: Any) -> str:
    """The room's import id, else ``room-<n>``."""
    return room.external_id or f"room-{room.id}"


def track_public_id(track: Any) -> str:
    """The track's import id, else ``track-<n>``."""
    return track.external_id or f"track-{track.id}"


def speaker_public_id(speaker: Any) -> str:
    """The speaker's import id, else ``speaker-<n>``."""
    return speaker.external_id or f"speaker-{speaker.id}"


def closed_block_uid(uid: str) -> str:
    """The calendar UID of a listed session shown as a closed block.

    Not the real UID (which the session's own feeds and exports carry), and the
    same whatever is edited, so it tells nothing but that the block exists.
    """
    return "closed-" + hashlib.sha256(("closed:" + uid).encode()).hexdigest()[:32] + "@conference"
