"""Documents shared in a session: their versions, their bytes and who downloaded them.

The bytes live in the database (``document_blobs``), so every app process on every
machine serves the same files with no shared disk; listing documents never loads them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.db_types import UTCDateTime, utcnow
from conference.extensions import db
from conference.markings import TLP

if TYPE_CHECKING:
    from conference.accounts.models import User
    from conference.agenda.models import AgendaSession


class SessionDocument(db.Model):
    """A document of one session (slides, a briefing note) under a TLP marking."""

    __tablename__ = "session_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    # A conference.markings.TLP value; the session's marking when uploaded, unless changed.
    tlp: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session: Mapped[AgendaSession] = relationship()
    # Newest first: the first is what attendees download.
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document",
        order_by="DocumentVersion.number.desc()",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def marking(self) -> TLP:
        return TLP(self.tlp)

    @property
    def current(self) -> DocumentVersion:
        return self.versions[0]


class DocumentBlob(db.Model):
    """The bytes of one version, apart so that lists and logs never read them."""

    __tablename__ = "document_blobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentVersion(db.Model):
    """One upload of a document; a new upload adds a version and keeps the old ones."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("session_documents.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    # Cleaned, with the extension of the detected type (never the uploader's claim).
    filename: Mapped[str] = mapped_column(String(160))
    # What the content was recognised as (conference/documents/filetypes.py).
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_id: Mapped[int] = mapped_column(ForeignKey("document_blobs.id"), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[SessionDocument] = relationship(back_populates="versions")
    blob: Mapped[DocumentBlob] = relationship(cascade="all, delete-orphan", single_parent=True)
    uploaded_by: Mapped[User | None] = relationship()


class DocumentDownload(db.Model):
    """One download: who, when, which version, under which marking, stamped or not."""

    __tablename__ = "document_downloads"
    __table_args__ = (Index("ix_document_downloads_document_at", "document_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("session_documents.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE"), index=True
    )
    # None: an anonymous download (TLP:CLEAR only), or an account since erased.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    tlp: Mapped[str] = mapped_column(String(20))
    stamped: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    version: Mapped[DocumentVersion] = relationship()
    user: Mapped[User | None] = relationship()
