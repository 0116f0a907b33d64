"""Journey: an organiser moves one booked session and cancels another; the attendee gets one
mail saying what changed (with a calendar file), and "My agenda" shows the move and the
cancellation (never a green "Booked" on a cancelled session), at desktop and phone widths."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import icalendar
from playwright.sync_api import expect

from tests.e2e.driver import Person, login, logout
from tests.e2e.seed import ORGANISER, PASSWORD
from tests.e2e.server import ROOT

SLUG = "notices-e2e"
EMAIL = "nora.notices@e2e.example.org"
MOVED, CANCELLED = "Securing lab data", "Foreign interference briefing"


def _prepare(site) -> dict[str, int]:
    """A published event of the seeded organiser, with an attendee holding seats in two sessions."""
    from sqlalchemy import select

    from conference import create_app
    from conference.accounts.models import User
    from conference.accounts.services import create_user
    from conference.agenda.models import Room
    from conference.agenda.services import SessionFields, create_session
    from conference.events.services import EventDetails, create_event, grant_role, set_published
    from conference.extensions import db
    from conference.registration.booking import book_session
    from conference.registration.moderation import enrol

    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": site.server.database_url,
            "SECRET_KEY": "x",
            "MAIL_BACKEND": "console",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        first = date(2027, 6, 15)
        event = create_event(
            EventDetails(
                slug=SLUG,
                title="Notices day",
                kind="thematic",
                timezone="Europe/Vienna",
                start_date=first,
                end_date=first,
                registration_opens_at=datetime.now(UTC) - timedelta(days=1),
                registration_closes_at=datetime.now(UTC) + timedelta(days=30),
            ),
            actor=None,
        )
        db.session.flush()
        organiser = db.session.scalar(select(User).where(User.email == ORGANISER))
        grant_role(event, organiser, "organiser", actor=None)
        room = Room(event=event, name="Hall Kelsen", capacity=40)
        db.session.add(room)
        db.session.flush()
        sessions = {}
        for hour, title in ((8, MOVED), (10, CANCELLED)):  # 10:00 and 12:00 in Vienna (CEST)
            starts = datetime(2027, 6, 15, hour, tzinfo=UTC)
            fields = SessionFields(
                title=title, starts_at=starts, ends_at=starts + timedelta(hours=1), room_id=room.id
            )
            sessions[title] = create_session(event, fields)
        set_published(event, True, actor=None)
        user = create_user(
            EMAIL, "Nora Notices", PASSWORD, email_verified=True, claimed_category="academia"
        )
        registration = enrol(event, user, category="academia", actor=None)
        db.session.flush()
        for session in sessions.values():
            book_session(registration, session, actor=user)
        ids = {title: session.id for title, session in sessions.items()}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids


def _flask(site, *args: str) -> str:
    """A command as cron runs it, against the site's database and mail server."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "conference", *args],
        env=site.server.environment(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_attendee_is_told_of_a_move_and_a_cancellation(new_context, site, screenshot):
    ids = _prepare(site)
    organiser = Person(new_context().new_page(), label="organiser")
    page = organiser.page
    login(organiser, ORGANISER, PASSWORD)
    organiser.goto(f"/events/{SLUG}/manage/agenda/sessions/{ids[MOVED]}/edit")
    organiser.fill(page.get_by_label("Starts at"), "14:00")
    organiser.fill(page.get_by_label("Ends at"), "15:00")
    organiser.click(page.get_by_role("button", name="Save session"))
    expect(page.locator(".flash-success")).to_contain_text(f"“{MOVED}” is saved")
    organiser.goto(f"/events/{SLUG}/manage/agenda/sessions/{ids[CANCELLED]}/edit")
    organiser.select(page.get_by_label("Status"), "Cancelled")
    organiser.click(page.get_by_role("button", name="Save session"))
    expect(page.locator(".flash-success")).to_contain_text(f"“{CANCELLED}” is saved")
    logout(organiser)

    assert "1 mail(s) queued" in _flask(site, "send-change-notices", "--now")
    _flask(site, "send-mail")
    (mail,) = site.mail.messages_to(EMAIL)
    assert mail["Subject"] == "2 of your sessions changed: Notices day"
    text = site.mail.text_of(mail)
    assert "Moved: Tue 15 Jun 10:00–11:00 -> Tue 15 Jun 14:00–15:00 (Europe/Vienna)" in text
    assert f"* {CANCELLED} -- CANCELLED" in text
    (attachment,) = mail.iter_attachments()
    calendar = icalendar.Calendar.from_ical(attachment.get_payload(decode=True))
    statuses = {str(e["summary"]): str(e["status"]) for e in calendar.walk("VEVENT")}
    assert statuses == {MOVED: "CONFIRMED", f"{CANCELLED} (cancelled)": "CANCELLED"}

    for width in (1280, 390):
        context = new_context(viewport={"width": width, "height": 900})
        attendee = Person(context.new_page(), label="Nora", role="attendee")
        login(attendee, EMAIL, PASSWORD)
        attendee.goto(f"/events/{SLUG}/my-agenda")
        items = attendee.page.locator(".my-agenda > li")
        expect(items).to_have_count(2)
        cancelled, moved = items.nth(0), items.nth(1)  # the move put it after the other
        expect(moved).to_contain_text(MOVED)
        expect(moved.locator(".change-note")).to_have_text("Moved: was Tue 15 Jun 10:00–11:00")
        expect(moved.locator(".tag-confirmed")).to_have_text("Booked")
        expect(cancelled.locator(".booking-status")).to_contain_text(
            "Cancelled This session will not take place."
        )
        expect(cancelled.locator(".tag-confirmed")).to_have_count(0)
        screenshot(attendee.page, f"my-agenda-{width}")
        attendee.goto(f"/events/{SLUG}/registration")
        expect(attendee.page.locator(".my-bookings")).to_contain_text("Moved: was Tue 15 Jun")
        expect(attendee.page.locator(".my-bookings .tag-cancelled")).to_have_text("Cancelled")
        screenshot(attendee.page, f"registration-{width}")
