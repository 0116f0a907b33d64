"""No English left on the French and German pages (issue 20).

Renders the main pages of every role in French and in German and fails when an English
source string of the catalogue (a msgid of two words or more, from
``conference/translations/messages.pot``) appears in the text a person sees or hears
(text, and the alt, title, placeholder and aria-label attributes). Names and data made by
the factories are taken out first, and so is any passage marked as another language
(``lang="en"``, as the language switch does for "English").

It passes once every capability's strings are marked and the lead has merged and compiled
the French and German catalogues (``make translations``, ``make compile-translations``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import url_for

from conference.badges import services as badge_services
from conference.extensions import db
from tests.delegations.helpers import make_delegation, make_ncp
from tests.factories import (
    make_open_event,
    make_registration,
    make_room,
    make_session,
    make_speaker,
    make_staff,
    make_user,
)

POT = Path(__file__).resolve().parents[2] / "conference" / "translations" / "messages.pot"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
SPOKEN_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
HIDDEN_ELEMENTS = {"script", "style", "template", "noscript"}
VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip

# What the world below is made of: data, not interface text, whatever its language.
DATA = [
    "Translated Event 2027",
    "Hall of Mirrors",
    "Grand Room",
    "Opening plenary",
    "Ada Speaker",
    "Alice Attendee",
    "Newcomer Person",
    "Olga Organiser",
    "Dora Door",
    "Belgium",
    "NCP of Belgium",
    "Adam Admin",
    "University of Tartu",
    "Researcher",
]


def _english_fragments() -> list[str]:
    """The literal parts (between placeholders and tags) of every msgid of 2+ words."""
    with POT.open("rb") as handle:
        catalogue = read_po(handle)
    fragments = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        for text in ids:
            for part in PLACEHOLDER.split(TAG.sub(" ", text)):
                part = " ".join(part.split()).strip(" .,:;·“”\"'–—…→←")
                if len(WORD.findall(part)) >= 2:
                    fragments.add(part)
    return sorted(fragments)


class _VisibleText(HTMLParser):
    """The page's text as people meet it, without passages in another language."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.parts: list[str] = []

    @property
    def skipping(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        lang = attributes.get("lang")
        foreign = lang is not None and tag != "html" and not lang.startswith(self.language)
        skipped = tag in HIDDEN_ELEMENTS or foreign
        if not self.skipping and not skipped:
            for name in SPOKEN_ATTRIBUTES:
                if attributes.get(name):
                    self.parts.append(attributes[name])
            if tag == "input" and attributes.get("type") in {"submit", "button"}:
                self.parts.append(attributes.get("value") or "")
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)

    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def visible_text(html: str, language: str) -> str:
    parser = _VisibleText(language)
    parser.feed(html)
    text = parser.text()
    for value in sorted(DATA, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def english_left(text: str, fragments: list[str]) -> list[str]:
    return [
        fragment
        for fragment in fragments
        if re.search(r"(?<![A-Za-z])" + re.escape(fragment) + r"(?![A-Za-z])", text)
    ]


@pytest.fixture(scope="module")
def fragments() -> list[str]:
    found = _english_fragments()
    # A catalogue of a few strings would make this test pass without checking anything.
    assert len(found) >= 150, f"only {len(found)} strings of 2+ words in {POT.name}"
    return found


@pytest.fixture
def world(app):
    """An open event with a session, and one person of each role."""
    event = make_open_event(
        "translated-2027", title="Translated Event 2027", venue="Hall of Mirrors"
    )
    room = make_room(event, "Grand Room")
    make_speaker(event, "Ada Speaker")
    make_session(event, title="Opening plenary", room=room)
    attendee = make_user(name="Alice Attendee")
    registration = make_registration(event, attendee)
    badge_services.ensure_badge(registration)
    delegation = make_delegation(event, "Belgium")
    db.session.commit()
    return {
        "event": event,
        "attendee": attendee,
        "newcomer": make_user(name="Newcomer Person"),
        "organiser": make_staff(event, "organiser", name="Olga Organiser"),
        "door": make_staff(event, "door_staff", name="Dora Door"),
        "ncp": make_ncp(delegation),
        "delegation": delegation,
        "admin": make_user(name="Adam Admin", admin=True),
    }


def _pages(world) -> list[tuple[str | None, str, dict]]:
    """(role, endpoint, values) of the main pages of every role."""
    slug = {"slug": world["event"].slug}
    return [
        (None, "events.home", {}),
        (None, "events.event_detail", slug),
        (None, "agenda.agenda", slug),
        ("newcomer", "registration.register", slug),
        ("attendee", "registration.my_registration", slug),
        ("attendee", "agenda.my_agenda", slug),
        ("attendee", "badges.my_badge", slug),
        ("attendee", "accounts.profile", {}),
        ("organiser", "events.manage", slug),
        ("organiser", "events.staff", slug),
        ("organiser", "agenda_manage.timetable", slug),
        ("organiser", "registration_manage.manage_list", slug),
        ("organiser", "registration_manage.manage_sessions", slug),
        ("organiser", "badges.manage_badges", slug),
        ("organiser", "checkin.checkins", slug),
        ("organiser", "dashboard.dashboard", slug),
        ("organiser", "delegations_manage.listing", slug),
        ("door", "checkin.scanner", slug),
        ("ncp", "delegations.dashboard", slug | {"delegation_id": world["delegation"].id}),
        ("admin", "admin.index", {}),
    ]


@pytest.mark.parametrize("language", ["fr", "de"])
def test_main_pages_hold_no_english_interface_text(app, client, login, world, fragments, language):
    with app.test_request_context():
        pages = [(role, url_for(endpoint, **values)) for role, endpoint, values in _pages(world)]
    browsers = {}
    problems = {}
    for role, url in pages:
        if role is None:
            browser = client
        else:
            browser = browsers.get(role) or browsers.setdefault(role, login(world[role]))
        response = browser.get(url, headers={"Accept-Language": language})
        assert response.status_code == 200, f"{role or 'anonymous'} {url}: {response.status_code}"
        html = response.get_data(as_text=True)
        assert f'<html lang="{language}">' in html, url
        left = english_left(visible_text(html, language), fragments)
        if left:
            problems[f"{role or 'anonymous'} {url}"] = left
    assert not problems, "English left on the {} pages:\n{}".format(
        language, "\n".join(f"  {page}: {found}" for page, found in problems.items())
    )


def test_the_check_finds_english_and_ignores_marked_passages():
    fragments = ["Log out", "See the agenda", "Something went wrong on our side"]
    html = (
        '<html lang="fr"><body><p>Voir le programme</p><button>Log out</button>'
        '<span lang="en">See the agenda</span><script>"Something went wrong on our side"</script>'
        '<a aria-label="Something went wrong on our side" href="/">x</a></body></html>'
    )

    assert english_left(visible_text(html, "fr"), fragments) == [
        "Log out",
        "Something went wrong on our side",
    ]
