"""Writes on session documents: uploads, new versions, the download record, what is served.

Plain functions taking the actor; they add and flush, the caller commits once. A refused
upload raises ``DocumentError`` before anything is added, so no half row is ever flushed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from conference import permissions
from conference.agenda.models import AgendaSession
from conference.documents.filetypes import (
    ALLOWED_DESCRIPTION,
    PDF,
    FileType,
    detect_type,
    safe_filename,
)
from conference.documents.models import (
    DocumentBlob,
    DocumentDownload,
    DocumentVersion,
    SessionDocument,
)
from conference.documents.stamp import UnreadablePdf, check_pdf, stamp_line, stamp_pdf
from conference.errors import DomainError, PermissionDenied
from conference.extensions import db
from conference.markings import TLP

# Marked PDFs that are stamped with the recipient's name when served.
STAMPED_MARKINGS = frozenset({TLP.AMBER, TLP.AMBER_STRICT, TLP.RED})
# What the page and the stamp say for the markings that forbid passing it on.
NEVER_SHARE = frozenset({TLP.AMBER_STRICT, TLP.RED})


class DocumentError(DomainError):
    pass


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the view read it: the browser's name and at most limit+1 bytes."""

    filename: str
    data: bytes


def default_marking(session: AgendaSession) -> str:
    """A new document takes the session's marking; an unmarked session's are TLP:CLEAR."""
    return session.tlp or TLP.CLEAR.value


def _mebibytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def check_upload(upload: Upload, *, max_bytes: int) -> FileType:
    """The file's real type, or ``DocumentError`` on the ``file`` field saying what is wrong."""
    if not upload.data:
        raise DocumentError(_("The file is empty."), field="file")
    if len(upload.data) > max_bytes:
        raise DocumentError(
            _(
                "The file is larger than %(size)s, the most a document may be.",
                size=_mebibytes(max_bytes),
            ),
            field="file",
        )
    kind = detect_type(upload.data)
    if kind is None:
        raise DocumentError(
            _(
                "This file's content is not one of the allowed types (%(types)s), "
                "whatever its name says.",
                types=ALLOWED_DESCRIPTION,
            ),
            field="file",
        )
    if kind == PDF:
        try:
            check_pdf(upload.data)
        except UnreadablePdf as error:
            raise DocumentError(str(error), field="file") from error
    return kind


def _check_title_and_marking(title: str, tlp: str) -> None:
    if not title.strip():
        raise DocumentError(_("Give the document a title."), field="title")
    if len(title.strip()) > 200:
        raise DocumentError(_("The title is longer than 200 characters."), field="title")
    if tlp not in {t.value for t in TLP}:
        raise DocumentError(_("Choose a TLP marking."), field="tlp")


def _new_version(
    document: SessionDocument, upload: Upload, kind: FileType, number: int, actor: Any
) -> DocumentVersion:
    version = DocumentVersion(
        number=number,
        filename=safe_filename(upload.filename, kind, fallback=document.title),
        content_type=kind.content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        blob=DocumentBlob(data=upload.data),
        uploaded_by_id=getattr(actor, "id", None),
    )
    document.versions.insert(0, version)
    return version


def add_document(
    session: AgendaSession,
    *,
    title: str,
    tlp: str,
    upload: Upload,
    actor: Any,
    max_bytes: int,
) -> SessionDocument:
    """A new document on ``session`` with its first version."""
    if not permissions.can_manage_documents(actor, session.event):
        raise PermissionDenied(_("Only the event's organisers add documents."))
    _check_title_and_marking(title, tlp)
    kind = check_upload(upload, max_bytes=max_bytes)
    document = SessionDocument(
        event_id=session.event_id,
        session=session,
        title=title.strip(),
        tlp=tlp,
        created_by_id=getattr(actor, "id", None),
    )
    _new_version(document, upload, kind, 1, actor)
    db.session.add(document)
    db.session.flush()
    return document


def add_version(
    document: SessionDocument, *, upload: Upload, actor: Any, max_bytes: int
) -> DocumentVersion:
    """A new version of ``document``; the older ones stay in the record."""
    if not permissions.can_manage_documents(actor, document.session.event):
        raise PermissionDenied(_("Only the event's organisers add versions."))
    kind = check_upload(upload, max_bytes=max_bytes)
    # The unique (document, number) pair turns a concurrent upload into an error, not a twin.
    latest = db.session.scalar(
        select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document.id)
    )
    version = _new_version(document, upload, kind, (latest or 0) + 1, actor)
    db.session.flush()
    return version


@dataclass(frozen=True)
class Served:
    """What a download sends: the bytes, and whether they carry the recipient's stamp."""

    data: bytes
    stamped: bool


def serve_version(
    document: SessionDocument,
    version: DocumentVersion,
    *,
    recipient: Any,
    today: date,
    font_path: str = "",
) -> Served:
    """The bytes of ``version`` for ``recipient``, stamped when a marked PDF; records it."""
    marking = document.marking
    data = version.blob.data
    stamped = version.content_type == PDF.content_type and marking in STAMPED_MARKINGS
    if stamped:
        name = getattr(recipient, "name", None) or getattr(recipient, "email", "unknown")
        text = stamp_line(marking.label, name, today, never_share=marking in NEVER_SHARE)
        data = stamp_pdf(data, text, font_path=font_path)
    db.session.add(
        DocumentDownload(
            document_id=document.id,
            version_id=version.id,
            user_id=getattr(recipient, "id", None)
            if permissions.is_authenticated(recipient)
            else None,
            tlp=marking.value,
            stamped=stamped,
        )
    )
    db.session.flush()
    return Served(data, stamped)
