"""Journey 2: a thematic event is created, staffed, filled with rooms, tracks, speakers and
sessions (one clashing, and the clash is explained), published, and seen by the public."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.driver import Person, login, logout
from tests.e2e.seed import ADMIN, ORGANISER, PASSWORD

ROOMS = [("Auditorium Spinelli", "150"), ("Meeting room Weiss", "24")]
TRACK = "Crisis management"
SPEAKERS = [("Ines Ferreira", "Civil Protection Authority"), ("Jonas Berg", "Swedish Police")]
SESSIONS = [
    # title, kind, start, end, room, speaker
    ("Opening: lessons from the 2026 floods", "Plenary", "09:30", "10:30", 0, 0),
    ("Drones in search and rescue", "Talk", "11:00", "12:00", 1, 1),
]
CLASH = ("Community alert systems", "Workshop", "11:30", "12:30", 1, 0)


def _create_event(admin: Person, title: str, slug: str) -> None:
    page = admin.page
    login(admin, ADMIN, PASSWORD)
    admin.click(page.get_by_role("link", name="Administration"))
    admin.click(page.get_by_role("link", name="Create an event"))
    admin.fill(page.get_by_label("Title", exact=True), title)
    admin.fill(page.get_by_label("Short name (in addresses)"), slug)
    admin.select(page.get_by_label("Kind of event"), "CERIS thematic event")
    admin.fill(page.get_by_label("Venue"), "Ljubljana")
    admin.select(page.get_by_label("Timezone"), "Europe/Ljubljana")
    admin.fill(page.get_by_label("First day"), "2027-10-12")
    admin.fill(page.get_by_label("Last day"), "2027-10-12")
    admin.select(
        page.get_by_label("Approving registrations"), "Automatic: approved on registration"
    )
    admin.click(page.get_by_role("button", name="Save event"))
    expect(page.locator(".flash-success")).to_contain_text(f"“{title}” is created as a draft")
    admin.fill(page.get_by_label("Email address of the person"), ORGANISER)
    admin.select(page.get_by_label("Role", exact=True), "Organiser")
    admin.click(page.get_by_role("button", name="Grant role"))
    expect(page.locator(".flash-success")).to_contain_text("Olga Organiser is now organiser")
    logout(admin)


def _add_catalogue(organiser: Person, title: str) -> None:
    page = organiser.page
    login(organiser, ORGANISER, PASSWORD)
    # The draft is listed among the events the organiser helps run.
    organiser.click(page.get_by_role("link", name=f"Manage {title}"))
    organiser.click(page.get_by_role("link", name="Agenda", exact=True))
    expect(page.locator("main")).to_contain_text("The event is a draft")
    organiser.click(page.get_by_role("link", name="Rooms", exact=True))
    for name, seats in ROOMS:
        organiser.fill(page.get_by_label("Name", exact=True), name)
        organiser.fill(page.get_by_label("Seats"), seats)
        organiser.click(page.get_by_role("button", name="Save room"))
        expect(page.locator(".flash-success")).to_contain_text(f"The room “{name}” is saved")
    organiser.click(page.get_by_role("link", name="Tracks", exact=True))
    organiser.fill(page.get_by_label("Name", exact=True), TRACK)
    organiser.click(page.get_by_role("button", name="Save track"))
    expect(page.locator(".flash-success")).to_contain_text(f"The track “{TRACK}” is saved")
    organiser.click(page.get_by_role("link", name="Speakers", exact=True))
    for name, organisation in SPEAKERS:
        organiser.fill(page.get_by_label("Name", exact=True), name)
        organiser.fill(page.get_by_label("Organisation"), organisation)
        organiser.click(page.get_by_role("button", name="Save speaker"))
        expect(page.locator(".flash-success")).to_contain_text(f"The speaker “{name}” is saved")


def _fill_session(organiser: Person, session: tuple) -> None:
    page = organiser.page
    title, kind, start, end, room, speaker = session
    organiser.fill(page.get_by_label("Title", exact=True), title)
    organiser.select(page.get_by_label("Kind of session"), kind)
    organiser.fill(page.get_by_label("Starts at"), start)
    organiser.fill(page.get_by_label("Ends at"), end)
    name, seats = ROOMS[room]
    organiser.select(page.get_by_label("Room", exact=True), f"{name} ({seats} seats)")
    organiser.select(page.get_by_label("Track"), TRACK)
    speaker_name, organisation = SPEAKERS[speaker]
    organiser.choose(page.get_by_label("Speakers"), f"{speaker_name}, {organisation}")


def _add_sessions(organiser: Person) -> None:
    page = organiser.page
    for session in SESSIONS:
        organiser.click(page.get_by_role("link", name="Add a session", exact=True))
        _fill_session(organiser, session)
        organiser.click(page.get_by_role("button", name="Save session"))
        expect(page.locator(".flash-success")).to_contain_text(f"“{session[0]}” is saved")
    # The clash: same room, overlapping time. Refused, explained, focus on the explanation.
    organiser.click(page.get_by_role("link", name="Add a session", exact=True))
    _fill_session(organiser, CLASH)
    organiser.click(page.get_by_role("button", name="Save session"))
    summary = page.locator(".conflict-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("This session clashes with others")
    expect(summary).to_contain_text("Meeting room Weiss")
    expect(summary).to_contain_text("Drones in search and rescue")
    override = page.get_by_label("Save despite the conflicts")
    expect(override).to_have_accessible_description(
        re.compile(r"^Error: Move the session, or tick this box to save it anyway")
    )
    organiser.check(override)
    organiser.click(page.get_by_role("button", name="Save session"))
    expect(page.locator(".flash-error")).to_contain_text("saved despite 1 conflict(s)")
    expect(page.locator("main")).to_contain_text("2 sessions with conflicts")
    expect(page.locator(".has-conflict")).to_have_count(2)


def _publish(organiser: Person) -> None:
    page = organiser.page
    organiser.click(page.get_by_role("link", name="Settings", exact=True))
    organiser.click(page.get_by_role("button", name="Publish the event"))
    expect(page.locator(".flash-success")).to_contain_text("The event is published.")
    logout(organiser)


def _public_sees_it(visitor: Person, title: str) -> None:
    page = visitor.page
    visitor.goto("/")
    visitor.click(page.get_by_role("link", name=title))
    visitor.click(page.get_by_role("link", name="See the agenda"))
    main = page.locator("main")
    for session in [*SESSIONS, CLASH]:
        expect(main.get_by_role("link", name=session[0])).to_be_visible()
    expect(main).to_contain_text("3 sessions")
    visitor.click(main.get_by_role("link", name=CLASH[0]))
    expect(page.locator("main")).to_contain_text("Meeting room Weiss")
    expect(page.locator("main")).to_contain_text(SPEAKERS[0][0])


@pytest.mark.parametrize("mode", ["mouse", "keyboard"])
def test_organiser_builds_and_publishes_a_thematic_event(mode, new_context, site, screenshot):
    keyboard = mode == "keyboard"
    title = f"CERIS thematic event: Civil protection ({mode})"
    slug = f"ceris-civil-protection-{mode}"
    admin = Person(new_context().new_page(), keyboard=keyboard, label="administrator")
    organiser = Person(new_context().new_page(), keyboard=keyboard, label="organiser")
    visitor = Person(new_context().new_page(), keyboard=keyboard, label="anonymous")

    _create_event(admin, title, slug)
    _add_catalogue(organiser, title)
    _add_sessions(organiser)
    screenshot(organiser.page, "timetable-with-conflict")
    _publish(organiser)
    _public_sees_it(visitor, title)
    screenshot(visitor.page, "public-session-page")


def test_organiser_is_asked_before_cancelling_a_session(new_context, site, screenshot):
    """Issue 15: "Cancel the session" opens a page of its own that says what will happen; "No"
    changes nothing, "Yes" cancels it (keyboard only, as a screen-reader user moves)."""
    organiser = Person(new_context().new_page(), keyboard=True, label="organiser")
    page = organiser.page
    title = "EU-funded projects: results and uptake"
    login(organiser, ORGANISER, PASSWORD)
    organiser.goto("/events/ceris-resilience-2027/manage/agenda/?day=2027-02-09")
    organiser.click(page.get_by_role("link", name=title))
    edit_path = page.url
    organiser.click(page.get_by_role("link", name="Cancel the session…"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Cancel the session “{title}”?")
    consequences = page.get_by_role("region", name="What will happen")
    expect(consequences).to_contain_text("stays on the agenda and in calendar feeds")
    expect(page.get_by_role("button", name="Yes, cancel the session")).to_have_class(
        "button button-danger"
    )
    screenshot(page, "confirm-cancel-session-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "confirm-cancel-session-390")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    organiser.click(page.get_by_role("link", name="No, keep the session"))
    assert page.url == edit_path
    organiser.click(page.get_by_role("link", name="Cancel the session…"))
    organiser.click(page.get_by_role("button", name="Yes, cancel the session"))
    expect(page.locator(".flash-success")).to_contain_text(f"“{title}” is cancelled")
    status = site.scalar(
        "SELECT s.status FROM sessions s JOIN events e ON e.id = s.event_id "
        "WHERE e.slug = 'ceris-resilience-2027' AND s.title = :t",
        t=title,
    )
    assert status == "cancelled"


def test_organiser_watches_the_dashboard_refresh_itself(new_context, site, screenshot):
    """The morning of the event: charts of registrations, backlog, arrivals and rooms, each
    with its table, refreshing by itself (the page's timers run on Playwright's clock)."""
    organiser = Person(new_context().new_page(), keyboard=True, label="organiser")
    organiser.page.clock.install()
    login(organiser, ORGANISER, PASSWORD)
    organiser.click(
        organiser.page.get_by_role(
            "link", name="European Flagship Conference on Research Security 2027"
        ).first
    )
    organiser.goto("/events/flagship-2027/manage/dashboard")
    page = organiser.page
    registrations = page.locator('[data-chart="registrations"]')
    expect(
        registrations.get_by_role("img", name=re.compile("^Registrations per day"))
    ).to_be_visible()
    # Each chart's numbers are a table too, behind "The numbers".
    organiser.click(registrations.get_by_text("The numbers"), navigates=False)
    table = registrations.get_by_role("table", name="Registrations per day, by state now")
    expect(table.get_by_role("columnheader", name="Approved")).to_be_visible()
    screenshot(page, "dashboard")
    phone = new_context(
        storage_state=page.context.storage_state(), viewport={"width": 390, "height": 844}
    ).new_page()
    phone.goto("/events/flagship-2027/manage/dashboard")
    expect(phone.locator('[data-chart="registrations"] svg')).to_be_visible()
    screenshot(phone, "dashboard-390px")

    page.clock.fast_forward("00:31")

    expect(page.locator("#dashboard-status")).to_contain_text("refreshed every 30 seconds")
    expect(registrations.get_by_role("img")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Approved")).to_be_visible()  # still open


def test_organiser_previews_tests_and_sends_mail_to_registrants(new_context, site, screenshot):
    organiser = Person(new_context().new_page(), keyboard=True, label="organiser")
    login(organiser, ORGANISER, PASSWORD)
    organiser.goto("/events/flagship-2027/manage/mailings")
    page = organiser.page
    organiser.select(page.get_by_label("State"), "Approved")
    organiser.select(page.get_by_label("Checked in at the entrance"), "Not checked in")
    organiser.fill(page.get_by_label("Subject"), "Your badge for {event}")
    organiser.fill(page.get_by_label("Message"), "Dear {name}, your badge: {registration_url}")
    organiser.click(page.get_by_role("button", name="Preview"))
    preview = page.get_by_role("region", name=re.compile("^Preview: "))
    expect(preview).to_contain_text("Your badge for European Flagship Conference")
    count = int(re.search(r"Preview: (\d+)", preview.text_content()).group(1))
    assert count > 0
    screenshot(page, "mail-preview")
    phone = new_context(
        storage_state=page.context.storage_state(), viewport={"width": 390, "height": 844}
    ).new_page()
    phone.goto("/events/flagship-2027/manage/mailings")
    screenshot(phone, "mail-compose-390px")

    organiser.click(page.get_by_role("button", name="Send a test to me"))
    expect(page.locator(".flash-success")).to_contain_text("A test message was sent to")
    organiser.click(page.get_by_role("button", name="Send to registrants"))

    expect(page.locator(".flash-success")).to_contain_text(f"queued for {count} registrant(s)")
    expect(page.locator("#mailing-status")).to_contain_text(f"of {count}")
    screenshot(page, "mail-progress")
    assert site.scalar("SELECT count(*) FROM mailing_recipients") == count
