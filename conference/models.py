"""Imports every model so that the metadata (and Alembic) sees every table."""

from conference.accounts.models import RecoveryCode, SecurityEvent, User, UserSession
from conference.agenda.models import (
    AgendaChange,
    AgendaSession,
    Room,
    SessionChange,
    SessionSpeaker,
    Speaker,
    Track,
    session_speakers,
)
from conference.badges.models import Badge, EventSigningKey, Scan, ScanDevice
from conference.delegations.models import Delegation, DelegationContact, Nomination
from conference.documents.models import (
    DocumentBlob,
    DocumentDownload,
    DocumentVersion,
    SessionDocument,
)
from conference.events.models import Event, EventSeries, EventStaff
from conference.feeds.models import CalendarToken
from conference.jobs.models import Job
from conference.mail.models import OutboxAttachment, OutboxMessage
from conference.mailings.models import Mailing, MailingRecipient
from conference.registration.models import (
    AuditEntry,
    Booking,
    Registration,
    RegistrationSearchTerm,
)
from conference.workload.models import AgendaUpload

__all__ = [
    "AgendaUpload",
    "AgendaChange",
    "AgendaSession",
    "Badge",
    "Mailing",
    "MailingRecipient",
    "Nomination",
    "EventSigningKey",
    "Scan",
    "ScanDevice",
    "SecurityEvent",
    "AuditEntry",
    "Booking",
    "Delegation",
    "DelegationContact",
    "DocumentBlob",
    "DocumentDownload",
    "DocumentVersion",
    "SessionDocument",
    "CalendarToken",
    "Event",
    "EventSeries",
    "EventStaff",
    "Job",
    "OutboxAttachment",
    "OutboxMessage",
    "RecoveryCode",
    "Registration",
    "RegistrationSearchTerm",
    "Room",
    "SessionChange",
    "SessionSpeaker",
    "Speaker",
    "Track",
    "User",
    "UserSession",
    "session_speakers",
]
