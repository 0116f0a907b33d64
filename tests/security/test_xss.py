"""Markup and script in every text people type (titles, abstracts, names, organisations, needs,
device names...) come out inert everywhere: pages (as each kind of actor sees them, flash
messages included), the scanner's answers, JSON and XML exports, SVG, PDF, CSV and email."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from xml.etree import ElementTree

import pypdfium2
import pytest
from sqlalchemy import update

from conference.accounts.models import User
from conference.agenda.models import AgendaSession, Room, Speaker, Track
from conference.badges.models import ScanDevice
from conference.events.models import Event
from conference.extensions import db
from conference.mail.services import deliver_outbox
from conference.registration.models import Registration
from tests.factories import make_user
from tests.security.matrix import url_of
from tests.security.routes import ROUTES
from tests.security.world import ADMIN, ANONYMOUS, DOOR, EXPERT, ORGANISER, world_with_snapshot


def payload(field: str) -> str:
    return f'<script>alert("xss-{field}")</script><img src=x onerror=alert(1)>"\'&'


FIELDS = {
    (Event, "title"): "event-title",
    (Event, "description"): "event-description",
    (Event, "venue"): "venue",
    (AgendaSession, "title"): "session-title",
    (AgendaSession, "abstract"): "abstract",
    (Speaker, "name"): "speaker",
    (Speaker, "organisation"): "speaker-org",
    (Speaker, "bio"): "bio",
    (Room, "name"): "room",
    (Track, "name"): "track",
    (User, "name"): "person",
    (User, "organisation"): "person-org",
    (Registration, "organisation"): "registration-org",
    (Registration, "job_title"): "job",
    (Registration, "accessibility_needs"): "needs",
    (ScanDevice, "name"): "device",
}


@pytest.fixture
def world(app):
    world = world_with_snapshot()[0]
    for (model, column), field in FIELDS.items():
        db.session.execute(update(model).values({column: payload(field)}))
    db.session.commit()
    return world


class InertChecker(HTMLParser):
    """Collects every way a document could run script: script elements not ours, event
    handler attributes, javascript: URLs, frames and plugins."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.problems.append(f"<script> {values}")
        if tag in {"iframe", "object", "embed", "frame", "base"}:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            urls = {"href", "src", "action", "formaction", "xlink:href"}
            if name in urls and (value or "").strip().lower().startswith(("javascript:", "data:")):
                self.problems.append(f"<{tag} {name}={value}>")

    def handle_data(self, data):
        self.text.append(data)


def assert_inert_markup(body: str, where: str) -> str:
    """No executable markup; returns the visible text (payloads appear there as text)."""
    checker = InertChecker()
    checker.feed(body)
    assert not checker.problems, f"{where}: {checker.problems}"
    assert "<script>alert(" not in body and "<img src=x" not in body
    return "".join(checker.text)


def _markers(text: str) -> set[str]:
    return set(re.findall(r'alert\("xss-([a-z-]+)"\)', text))


def _check_response(response, where: str) -> set[str]:
    """Check one answer for its content type; return the payload markers it shows as text."""
    body = response.get_data()
    kind = response.mimetype
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if kind == "text/html":
        return _markers(assert_inert_markup(body.decode(), where))
    if kind == "image/svg+xml":
        assert_inert_markup(body.decode(), where)
        return set()
    if kind == "application/json":
        return _markers(json.dumps(json.loads(body), ensure_ascii=False))
    if kind == "application/xml":
        # Our own export, parsed only to see it is well-formed (the markup stayed text).
        root = ElementTree.fromstring(body)  # noqa: S314
        return _markers("".join(root.itertext()))
    if kind == "text/csv":
        assert response.headers["Content-Disposition"].startswith("attachment")
        return _markers(body.decode("utf-8-sig"))
    if kind == "application/pdf":
        pdf = pypdfium2.PdfDocument(body)
        try:
            text = "".join(page.get_textpage().get_text_range() for page in pdf)
        finally:
            pdf.close()
        return _markers(text)
    return set()


GET_ENDPOINTS = sorted(e for e, row in ROUTES.items() if "GET" in row.methods() and e != "static")


@pytest.mark.parametrize("actor", [ORGANISER, EXPERT, ANONYMOUS, DOOR, ADMIN])
def test_every_page_and_export_renders_hostile_text_inert(app, world, actor):
    client = world.client_for(app, actor)
    seen: set[str] = set()
    for endpoint in GET_ENDPOINTS:
        response = client.get(url_of(world, endpoint, ROUTES[endpoint]))
        if response.status_code == 200:
            seen |= _check_response(response, f"{actor} {endpoint}")
        response.close()

    if actor == ORGANISER:
        # Every hostile field was really shown somewhere, as text.
        assert seen >= set(FIELDS.values()) - {"person-org"}, set(FIELDS.values()) - seen


def test_flash_messages_and_scanner_answers_render_names_inert(app, world):
    client = world.client_for(app, ORGANISER)
    slug = world.event.slug
    pages = [
        client.post(
            f"/events/{slug}/manage/staff",
            data={"email": "pending@example.org", "role": "door_staff"},
            follow_redirects=True,
        ),
        client.post(
            f"/events/{slug}/manage/badges/{world.badge.public_id}/reissue", follow_redirects=True
        ),
        client.post(f"/events/{slug}/scan", data={"checkpoint": "entrance", "code": "garbage"}),
        client.post(
            f"/events/{slug}/scan/manual",
            data={"checkpoint": "entrance", "registration": str(world.approved.id)},
        ),
        client.get(f"/events/{slug}/scan?q=Anna"),
        client.get(f"/events/{slug}/scan?q=xss"),
    ]
    shown = set()
    for page in pages:
        assert page.status_code == 200
        shown |= _markers(assert_inert_markup(page.get_data(as_text=True), page.request.path))

    assert "person" in shown


def test_mail_renders_hostile_names_and_titles_inert(app, world, smtp_server, login):
    user = make_user("eve@example.org", name=payload("mail-name"))
    client = login(user)

    response = client.post(
        f"/events/{world.event.slug}/register",
        data={
            "category": "academia",
            "organisation": payload("mail-org"),
            "country": "BE",
            "privacy_consent": "y",
        },
    )
    deliver_outbox(include_not_due=True)

    assert response.status_code == 302
    [message] = smtp_server.messages_to("eve@example.org")
    html = smtp_server.html_of(message)
    text = smtp_server.text_of(message)
    assert_inert_markup(html, "registration mail")
    assert "event-title" in _markers(assert_inert_markup(html, "mail")) | _markers(text)
    assert "\n" not in message["Subject"]
