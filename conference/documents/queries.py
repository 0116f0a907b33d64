"""Reads of session documents shaped for pages, in a constant number of statements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from conference import permissions
from conference.agenda.models import AgendaSession
from conference.documents.models import DocumentDownload, DocumentVersion, SessionDocument
from conference.extensions import db
from conference.markings import TLP


@dataclass(frozen=True)
class SessionDocuments:
    """What a session page shows: the documents the viewer may download, and how many not."""

    shown: list[SessionDocument]
    withheld: int

    @property
    def never_share(self) -> bool:
        return any(d.marking in (TLP.AMBER_STRICT, TLP.RED) for d in self.shown)


def _documents_of(session: AgendaSession) -> list[SessionDocument]:
    return list(
        db.session.scalars(
            select(SessionDocument)
            .where(SessionDocument.session_id == session.id)
            .options(selectinload(SessionDocument.versions))
            .order_by(SessionDocument.created_at, SessionDocument.id)
        )
    )


def session_documents(viewer: Any, session: AgendaSession) -> SessionDocuments | None:
    """None where the viewer may not see the session in full: then nothing of them shows."""
    if not permissions.can_see_session_documents(viewer, session):
        return None
    documents = _documents_of(session)
    shown = [d for d in documents if permissions.can_download_document(viewer, d)]
    return SessionDocuments(shown, len(documents) - len(shown))


def load_document(event_id: int, document_id: int) -> SessionDocument | None:
    """A document of the event by id, with its versions, or None."""
    return db.session.scalar(
        select(SessionDocument)
        .where(SessionDocument.id == document_id, SessionDocument.event_id == event_id)
        .options(selectinload(SessionDocument.versions))
    )


@dataclass(frozen=True)
class ManagedDocument:
    document: SessionDocument
    downloads: int


def managed_documents(session: AgendaSession) -> list[ManagedDocument]:
    """Every document of the session with its versions and download count, for organisers."""
    documents = _documents_of(session)
    counts = dict(
        db.session.execute(
            select(DocumentDownload.document_id, func.count())
            .join(SessionDocument, SessionDocument.id == DocumentDownload.document_id)
            .where(SessionDocument.session_id == session.id)
            .group_by(DocumentDownload.document_id)
        ).all()
    )
    return [ManagedDocument(d, counts.get(d.id, 0)) for d in documents]


def download_log(document: SessionDocument) -> list[DocumentDownload]:
    """Who downloaded which version of the document, and when; newest first."""
    return list(
        db.session.scalars(
            select(DocumentDownload)
            .where(DocumentDownload.document_id == document.id)
            .options(
                selectinload(DocumentDownload.user),
                selectinload(DocumentDownload.version).load_only(DocumentVersion.number),
            )
            .order_by(DocumentDownload.at.desc(), DocumentDownload.id.desc())
        )
    )
