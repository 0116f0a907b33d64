"""Journey: a seat frees up in a workshop whose waiting list overlaps a talk the attendee booked.

The attendee opens the offer's one-click link (not logged in), reads what accepting gives up,
and accepts; another attendee answers a second offer from "Your registration" and declines.
Pictures at 1280 and 390 px. The data lives in an event of its own, made here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from conference import create_app
from conference.extensions import db
from conference.registration import booking as bookings
from conference.registration.offers import offer_token
from tests.e2e.driver import Person, login
from tests.e2e.server import SECRET_KEY
from tests.factories import PASSWORD, make_attendee, make_open_event, make_session, make_user


def _seed_offers(database_url: str) -> dict:
    """Two attendees each hold a talk and wait for the workshop at that time; two seats free."""
    app = create_app({"ENV": "test", "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        event = make_open_event(title="Offer journey forum")
        workshop = make_session(event, capacity=2, title="Sanctions screening workshop", minutes=90)
        talk = make_session(
            event, title="Export control talk", starts_at=workshop.starts_at + timedelta(minutes=30)
        )
        holders = [make_attendee(event, name=f"Holder {n}") for n in range(2)]
        people = {}
        for key, name in (("accepts", "Ada Accepts"), ("declines", "Dan Declines")):
            user = make_user(f"{key}@offer.e2e.example.org", name=name)
            registration = make_attendee_for(event, user)
            bookings.book_session(registration, talk, actor=None)
            people[key] = registration
        for holder in holders:
            bookings.book_session(holder, workshop, actor=None)
        for registration in people.values():
            bookings.book_session(registration, workshop, actor=None)  # waiting
        for holder in holders:
            bookings.unbook_session(holder, workshop, actor=None)
        db.session.commit()
        offers = {k: bookings.get_booking(r, workshop) for k, r in people.items()}
        assert all(b.status == "offered" for b in offers.values())
        facts = {
            "slug": event.slug,
            "workshop": workshop.id,
            "talk": talk.id,
            "token": offer_token(offers["accepts"]),
        }
        db.session.remove()
        db.engine.dispose()
    return facts


def make_attendee_for(event, user):
    from conference.registration import moderation

    registration = moderation.enrol(event, user, category="academia", actor=None)
    db.session.commit()
    return registration


@pytest.fixture(scope="module")
def offer_facts(site) -> dict:
    return _seed_offers(site.server.database_url)


def _status(site, facts, email: str, session_id: int) -> str:
    return site.scalar(
        "SELECT b.status FROM bookings b JOIN registrations r ON r.id = b.registration_id "
        "JOIN users u ON u.id = r.user_id WHERE u.email = :email AND b.session_id = :session",
        email=email,
        session=session_id,
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_offer_page_and_registration_pages_read_well(
    new_context, site, offer_facts, screenshot, width
):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    person = Person(page, label="offer")

    person.goto(f"/offers/{offer_facts['token']}")

    expect(page.get_by_role("heading", name="A seat is offered to you")).to_be_visible()
    expect(page.get_by_text("Sanctions screening workshop")).to_be_visible()
    accept = page.get_by_role("button", name="Accept and give up “Export control talk”")
    decline = page.get_by_role("button", name="Decline and keep my bookings")
    expect(accept).to_be_visible()
    expect(decline).to_be_visible()
    assert "(Europe/Brussels)" in page.locator("dl.facts").inner_text()
    for button in (accept, decline):
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width  # nothing runs off screen
    screenshot(page, f"offer-{width}")

    slug = offer_facts["slug"]
    login(person, "declines@offer.e2e.example.org", PASSWORD)
    person.goto(f"/events/{slug}/my-agenda")
    expect(page.locator(".tag-offered")).to_have_text("Seat offered")
    screenshot(page, f"my-agenda-{width}")
    person.goto(f"/events/{slug}/registration")
    expect(page.get_by_text("Seat offered to you")).to_be_visible()
    screenshot(page, f"registration-{width}")


def test_accepting_from_the_mail_link_gives_up_the_clash(
    new_context, site, offer_facts, screenshot
):
    page = new_context().new_page()
    person = Person(page, label="offer")
    person.goto(f"/offers/{offer_facts['token']}")

    person.click(page.get_by_role("button", name="Accept and give up “Export control talk”"))

    expect(page.locator(".flash-success")).to_contain_text(
        "You have a seat in “Sanctions screening workshop”. Given up: “Export control talk”."
    )
    screenshot(page, "accepted")
    email = "accepts@offer.e2e.example.org"
    assert _status(site, offer_facts, email, offer_facts["workshop"]) == "confirmed"
    assert _status(site, offer_facts, email, offer_facts["talk"]) == "cancelled"
    person.goto(f"/offers/{offer_facts['token']}")
    expect(page.get_by_text("no longer open")).to_be_visible()


def test_declining_from_the_registration_page(new_context, site, offer_facts):
    page = new_context().new_page()
    person = Person(page, label="attendee")
    email = "declines@offer.e2e.example.org"
    login(person, email, PASSWORD)
    person.goto(f"/events/{offer_facts['slug']}/registration")

    person.click(page.get_by_role("link", name="Accept or decline"))
    person.click(page.get_by_role("button", name="Decline and keep my bookings"))

    expect(page.locator(".flash-success")).to_contain_text("You declined the seat")
    assert _status(site, offer_facts, email, offer_facts["workshop"]) == "cancelled"
    assert _status(site, offer_facts, email, offer_facts["talk"]) == "confirmed"
