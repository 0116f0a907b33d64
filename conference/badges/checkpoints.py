"""Checkpoints (the entrance and each session door), scanners and what they may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from conference import permissions
from conference.agenda.models import AgendaSession
from conference.badges.models import ScanDevice
from conference.db_types import is_db_int
from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db
from conference.localtime import format_local
from conference.markings import marking_labels

ENTRANCE = "entrance"
SESSION_PREFIX = "session:"


class CheckpointError(DomainError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    """Where a scan happens: the event entrance (``session`` None) or a session door."""

    event: Event
    session: AgendaSession | None = None

    @property
    def key(self) -> str:
        return ENTRANCE if self.session is None else f"{SESSION_PREFIX}{self.session.id}"

    @property
    def session_id(self) -> int | None:
        return None if self.session is None else self.session.id


def parse_checkpoint(event: Event, text: Any) -> Checkpoint:
    """``"entrance"`` or ``"session:<id>"`` of this event; anything else is refused."""
    if not isinstance(text, str) or not text:
        raise CheckpointError(
            'Give the checkpoint: "entrance" or "session:<id>".', field="checkpoint"
        )
    if text == ENTRANCE:
        return Checkpoint(event)
    number = text.removeprefix(SESSION_PREFIX)
    digits = number.isascii() and number.isdigit() and len(number) <= 10
    if not text.startswith(SESSION_PREFIX) or not digits:
        raise CheckpointError(
            'Give the checkpoint: "entrance" or "session:<id>".', field="checkpoint"
        )
    session_id = int(number)
    session = db.session.get(AgendaSession, session_id) if is_db_int(session_id) else None
    if session is None or session.event_id != event.id:
        raise CheckpointError("No such checkpoint at this event.", field="checkpoint")
    return Checkpoint(event, session)


def list_checkpoints(event: Event) -> list[Checkpoint]:
    """The entrance, then every session door in time order."""
    sessions = db.session.scalars(
        select(AgendaSession)
        .where(AgendaSession.event_id == event.id)
        .order_by(AgendaSession.starts_at, AgendaSession.id)
    ).all()
    return [Checkpoint(event)] + [Checkpoint(event, s) for s in sessions]


def is_device(actor: Any) -> bool:
    return permissions.is_scan_device(actor)


def actor_columns(actor: Any) -> dict[str, int | None]:
    """The scan-log columns naming who scanned."""
    if is_device(actor):
        return {"actor_user_id": None, "device_id": actor.id}
    return {"actor_user_id": getattr(actor, "id", None), "device_id": None}


def actor_label(actor_user: Any, device: ScanDevice | None) -> str:
    if device is not None:
        return _("device “%(name)s”", name=device.name)
    return actor_user.name if actor_user is not None else _("unknown")


def checkpoint_label(checkpoint: Checkpoint, actor: Any) -> str:
    """A name for the checkpoint that never reveals a restricted session to who may not see it."""
    session = checkpoint.session
    if session is None:
        return _("Event entrance")
    when = format_local(session.starts_at, checkpoint.event.tz, "%a %d %b %H:%M")
    room = f" · {session.room.name}" if session.room is not None else ""
    if permissions.can_see_session_at_door(actor, session):
        return f"{session.title} ({when}{room})"
    return _("Closed session (%(when)s)", when=f"{when}{room}")


def checkpoint_marking(checkpoint: Checkpoint, actor: Any) -> list[str]:
    """The session door's TLP label and Chatham House flag, only for who may see its details."""
    session = checkpoint.session
    if session is None or not permissions.can_see_session_at_door(actor, session):
        return []
    return marking_labels(session.tlp, bool(session.chatham_house))
