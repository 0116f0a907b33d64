"""Imports every model so that the metadata (and Alembic) sees every table."""

from conference.accounts.models import RecoveryCode, SecurityEvent, User, UserSession
from conference.agenda.models import (
    AgendaChange,
    AgendaSession,
    Room,
    SessionSpeaker,
    Speaker,
    Track,
    session_speakers,
)
from conference.badges.models import Badge, EventSigningKey, Scan, ScanDevice
from conference.events.models import Event, EventSeries, EventStaff
from conference.feeds.models import CalendarToken
from conference.mail.models import OutboxMessage

# Keeps registration_search_terms in step with names and organisations on every flush.
from conference.registration import search as _search  # noqa: F401
from conference.registration.models import (
    AuditEntry,
    Booking,
    Registration,
    RegistrationSearchTerm,
)

__all__ = [
    "AgendaChange",
    "AgendaSession",
    "Badge",
    "EventSigningKey",
    "Scan",
    "ScanDevice",
    "SecurityEvent",
    "AuditEntry",
    "Booking",
    "CalendarToken",
    "Event",
    "EventSeries",
    "EventStaff",
    "OutboxMessage",
    "RecoveryCode",
    "Registration",
    "RegistrationSearchTerm",
    "Room",
    "SessionSpeaker",
    "Speaker",
    "Track",
    "User",
    "UserSession",
    "session_speakers",
]
