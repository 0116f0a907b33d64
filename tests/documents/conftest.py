"""Documents fixtures: an open and a restricted session, a document of each marking on each,
and one user per kind of actor of the download matrix."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date

import pytest
from reportlab.pdfgen import canvas

from conference.agenda.models import AgendaSession
from conference.badges.models import Scan
from conference.documents.models import SessionDocument
from conference.documents.services import Upload, add_document
from conference.events.models import Event
from conference.extensions import db
from conference.markings import TLP
from tests.agenda.conftest import at
from tests.factories import (
    make_event,
    make_registration,
    make_room,
    make_session,
    make_staff,
    make_user,
)

SLUG = "docs-2027"
BASE = f"/events/{SLUG}"
MARKINGS = list(TLP)
ACTORS = [
    "anonymous",
    "outsider",
    "registered",
    "verified",
    "checked_in",
    "withdrawn",
    "organiser",
    "door_staff",
]


def pdf_bytes(pages: int = 2, text: str = "Briefing note body") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842))
    for number in range(pages):
        pdf.drawString(72, 700, f"{text} page {number + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def office_bytes(main_type: str, part: str = "/word/document.xml") -> bytes:
    """A minimal OOXML container whose [Content_Types].xml names ``main_type``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="{part}" ContentType="{main_type}"/></Types>',
        )
        archive.writestr(part.lstrip("/"), "<document/>")
    return buffer.getvalue()


def odf_bytes(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@dataclass
class Docs:
    event: Event
    open: AgendaSession
    restricted: AgendaSession
    # (session key, marking) → document
    documents: dict
    users: dict


def _document(session, marking: TLP, organiser) -> SessionDocument:
    title = f"{marking.value} notes of {session.title}"
    return add_document(
        session,
        title=title,
        tlp=marking.value,
        upload=Upload(f"{marking.name.lower()}.pdf", pdf_bytes()),
        actor=organiser,
        max_bytes=20 * 1024 * 1024,
    )


def check_in(registration, session) -> None:
    db.session.add(
        Scan(
            event_id=session.event_id,
            session_id=session.id,
            registration_id=registration.id,
            result="accepted",
            reason="checked_in",
            manual=True,
        )
    )


@pytest.fixture
def docs(app) -> Docs:
    event = make_event(SLUG, title="Documents test event", start=date(2027, 3, 23), days=1)
    room = make_room(event, "Room Alpha", 80)
    open_session = make_session(event, title="Open plenary", room=room, starts_at=at(9))
    restricted = make_session(
        event,
        title="Restricted briefing QUUX",
        room=room,
        starts_at=at(11),
        kind="closed_door_briefing",
        restricted_to=["member_state_expert"],
        visibility="listed",
    )
    organiser = make_staff(event, "organiser", name="Olga Organiser")
    checked_in = make_registration(event, category="member_state_expert", verified=True)
    withdrawn = make_registration(event, category="member_state_expert", verified=True)
    checked_in.user.name = "Karolina Nowak-Ζήτα"  # the stamp must carry any script
    users = {
        "outsider": make_user(),
        "registered": make_registration(event, category="academia", verified=True).user,
        "verified": make_registration(event, category="member_state_expert", verified=True).user,
        "checked_in": checked_in.user,
        "withdrawn": withdrawn.user,
        "organiser": organiser,
        "door_staff": make_staff(event, "door_staff"),
    }
    for session in (open_session, restricted):
        check_in(checked_in, session)
        check_in(withdrawn, session)
    # Checked in while verified; the organiser withdrew the verification afterwards.
    withdrawn.category_verified_at = None
    documents = {
        (key, marking): _document(session, marking, organiser)
        for key, session in (("open", open_session), ("restricted", restricted))
        for marking in MARKINGS
    }
    db.session.commit()
    return Docs(event, open_session, restricted, documents, users)


@pytest.fixture
def client_for(app, login, docs):
    def make(actor: str):
        if actor == "anonymous":
            return app.test_client()
        return login(docs.users[actor])

    return make


def download_url(document) -> str:
    return f"{BASE}/documents/{document.id}/download"
