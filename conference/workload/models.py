"""An agenda file an organiser uploaded on the import page, kept between its preview and the
confirmation that queues the import (or until it is purged, unconfirmed)."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from conference.db_types import UTCDateTime, utcnow
from conference.extensions import db


class UploadFormat(StrEnum):
    # A whole event document in the workload format (docs/formats.md).
    JSON = "json"
    # Rows of sessions (docs/formats.md, "Sessions as CSV"): added or updated, others kept.
    CSV = "csv"


def new_upload_public_id() -> str:
    return secrets.token_urlsafe(16)


class AgendaUpload(db.Model):
    __tablename__ = "agenda_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    # In URLs: unguessable, like a job's.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_upload_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(8))
    # JSON: the whole document; CSV: {"sessions": [...]} in the document's session shape.
    content: Mapped[dict] = mapped_column(JSON, deferred=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    # The agenda version the preview was made against: a confirmation after another change
    # must look at the preview again.
    agenda_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set once, by the confirmation that queued the import (a second confirmation finds it set).
    # (Deleted with its job: a purged job's upload must not be confirmed again.)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
