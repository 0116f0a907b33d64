"""Journey 1: a new attendee, from sign-up to a booked restricted session, a badge and a
calendar link; once with the mouse and once with the keyboard only."""

from __future__ import annotations

import re
import time
import urllib.request
from urllib.parse import urlsplit

import pypdfium2
import pytest
from playwright.sync_api import expect

from tests.agenda.pdftext import pdf_text
from tests.e2e.driver import Person, login, logout, wait_for_mail
from tests.e2e.seed import ORGANISER, PASSWORD

FLAGSHIP = "/events/flagship-2027/"
RESTRICTED = "Threat briefing on state actors targeting research"
OPEN = "Due diligence for international partnerships"
NEW_PASSWORD = "a long enough passphrase 2027"


def _sign_up(person: Person, name: str, email: str) -> None:
    page = person.page
    person.goto("/")
    person.click(page.get_by_role("link", name="Sign up"))
    # A mistake first: the errors are announced and tied to their fields.
    person.fill(page.get_by_label("Full name"), name)
    person.fill(page.get_by_label("Email address"), email)
    person.fill(page.get_by_label("Password", exact=True), NEW_PASSWORD)
    person.fill(page.get_by_label("Repeat the password"), "something else entirely")
    person.click(page.get_by_role("button", name="Create account"))
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("The two passwords differ.")
    confirm = page.get_by_label("Repeat the password")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(confirm).to_have_accessible_description(re.compile("The two passwords differ"))
    # Then right.
    person.fill(page.get_by_label("Password", exact=True), NEW_PASSWORD)
    person.fill(page.get_by_label("Repeat the password"), NEW_PASSWORD)
    person.fill(page.get_by_label("Organisation"), "Federal Ministry of Research")
    person.select(page.get_by_label("Country"), "Austria")
    person.select(page.get_by_label("Stakeholder category"), "Member State expert")
    person.click(page.get_by_role("button", name="Create account"))
    expect(page.locator(".flash-success")).to_contain_text(
        f"We sent a confirmation link to {email}"
    )


def _verify_email(person: Person, mail, email: str) -> None:
    message = wait_for_mail(mail, email)
    link = re.search(r"https?://\S+/account/verify/\S+", mail.text_of(message)).group(0)
    person.goto(link)
    expect(person.page.locator(".flash-success")).to_contain_text(f"{email} is confirmed")
    expect(person.page.locator("main")).to_contain_text("(confirmed)")


def _register(person: Person) -> None:
    page = person.page
    person.click(page.get_by_role("link", name="Events", exact=True))
    person.click(
        page.get_by_role("link", name="European Flagship Conference on Research Security 2027")
    )
    person.click(page.get_by_role("link", name="Register", exact=True))
    # The category claimed at sign-up is preselected.
    expect(page.get_by_label("Stakeholder category")).to_have_value("member_state_expert")
    person.fill(page.get_by_label("Job title"), "Senior policy officer")
    person.check(page.get_by_label("I have read and agree to the event's privacy notice"))
    person.click(page.get_by_role("button", name="Register", exact=True))
    expect(page.locator(".flash-success")).to_contain_text("your registration is received")
    expect(page.locator("main")).to_contain_text("Pending")
    expect(page.locator("#claim + dd")).to_contain_text("Claimed: awaiting verification")
    expect(page.locator("#claim + dd")).to_contain_text("Member State expert")
    expect(page.locator("main")).to_contain_text("Your badge is here once your registration")


def _restricted_sessions_are_closed(person: Person) -> None:
    page = person.page
    person.click(
        page.get_by_role("link", name="European Flagship Conference on Research Security 2027")
    )
    person.click(page.get_by_role("link", name="See the agenda"))
    main = page.locator("main")
    expect(main).not_to_contain_text(RESTRICTED)
    expect(main.get_by_role("link", name="Closed session").first).to_be_visible()
    person.click(main.get_by_role("link", name="Closed session").first)
    expect(page.locator("main")).to_contain_text("This is a closed session")
    # The claim is named (the same words on every closed session), the session is not.
    expect(page.locator("main")).to_contain_text(
        "Your stakeholder category is awaiting verification by the organisers"
    )
    expect(page.get_by_role("button", name="Book a seat")).to_have_count(0)
    # Open sessions wait for the organisers' approval.
    person.click(page.get_by_role("link", name="Agenda", exact=True).first)
    person.click(page.get_by_role("link", name=OPEN))
    expect(page.locator(".booking-panel")).to_contain_text("awaiting approval by the organisers")
    expect(page.get_by_role("button", name="Book a seat")).to_have_count(0)


def _organiser_approves_and_verifies(organiser: Person, name: str) -> None:
    page = organiser.page
    login(organiser, ORGANISER, PASSWORD)
    organiser.click(
        page.get_by_role(
            "link", name="European Flagship Conference on Research Security 2027"
        ).first
    )
    organiser.click(page.get_by_role("link", name="Manage this event"))
    organiser.click(page.get_by_role("link", name="Registrations", exact=True))
    organiser.click(page.get_by_role("link", name=name))
    organiser.click(page.get_by_role("button", name="Approve"))
    expect(page.locator(".flash-success")).to_contain_text("Decision recorded")
    organiser.click(page.get_by_role("button", name="Verify category (Member State expert)"))
    expect(page.locator(".flash-success")).to_contain_text("Category verified")
    expect(page.locator("main")).to_contain_text("Member State expert: verified")
    logout(organiser)


def _book(person: Person, title: str) -> None:
    page = person.page
    person.click(page.get_by_role("link", name=title))
    expect(page.locator("h1")).to_contain_text(title)
    person.click(page.get_by_role("button", name="Book a seat"))
    expect(page.locator(".booking-panel")).to_contain_text("You have a seat in this session")


def _agenda_marks_my_seats_on_screen_phone_and_paper(person: Person, screenshot) -> None:
    page = person.page
    person.click(page.get_by_role("link", name="Agenda", exact=True).first)
    main = page.locator("main")
    # A wide screen: the grid, with the viewer's own seat marked in words.
    expect(main.locator(".agenda-grid-view .tag-seat-booked").first).to_have_text("Booked")
    expect(main.locator(".agenda-list-view")).to_be_hidden()
    # A phone: the list by default (both bookings), the filters folded away.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(main.locator(".agenda-grid-view")).to_be_hidden()
    expect(main.locator(".agenda-list-view .tag-seat-booked")).to_have_text(["Booked", "Booked"])
    expect(page.locator("#filter-track")).to_be_hidden()
    screenshot(page, "agenda-phone-list")
    person.click(page.get_by_text("Filters, search and time zone"), navigates=False)
    expect(page.locator("#filter-track")).to_be_visible()
    # Paper: the programme without navigation, filters or buttons.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".filters-fold")).to_be_hidden()
    expect(main.get_by_role("button")).to_have_count(0)
    expect(main.locator(".agenda-list-view")).to_be_visible()
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})


def _my_agenda_pdf(person: Person) -> None:
    page = person.page  # on "My agenda"
    link = page.get_by_role("link", name="Printable PDF")
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert RESTRICTED[:30] in text and OPEN in text and "Booked" in text


def _badge(person: Person, name: str, tmp_path) -> None:
    page = person.page
    person.click(
        page.get_by_role(
            "link", name="European Flagship Conference on Research Security 2027"
        ).first
    )
    person.click(page.get_by_role("link", name="Your badge"))
    # The category band says the category in words: colour is never the only signal.
    expect(page.locator(".category-band")).to_have_text("Member State expert")
    with page.expect_download() as download:
        person.click(page.get_by_role("link", name="Download the badge (PDF, A6)"), navigates=False)
    path = tmp_path / "badge.pdf"
    download.value.save_as(path)
    pdf = pypdfium2.PdfDocument(path)
    text = pdf[0].get_textpage().get_text_range()
    pdf.close()
    assert name in text and "MEMBER STATE EXPERT" in text.upper()


def _approval_mail_and_registration_page(person: Person, mail, email: str, screenshot) -> None:
    """The approval mail links the badge and the personal calendar; so does the page."""
    deadline = time.monotonic() + 10  # mail goes out right after the request: poll briefly
    while not (approved := [m for m in mail.messages_to(email) if "approved" in m["Subject"]]):
        assert time.monotonic() < deadline, f"no approval mail to {email}"
        time.sleep(0.05)
    approved = approved[-1]
    text = mail.text_of(approved)
    assert "/events/flagship-2027/badge.pdf" in text
    assert re.search(r"webcal://\S+/calendar/\S+\.ics", text)
    page = person.page
    person.goto(FLAGSHIP + "registration")
    expect(page.locator("#claim + dd")).to_contain_text("Verified")
    expect(page.get_by_role("link", name="Download your badge (PDF)")).to_be_visible()
    expect(page.locator("#calendar-https")).to_have_value(re.compile(r"/calendar/\S+\.ics$"))
    expect(page.locator("#bookings-heading + table")).to_contain_text(RESTRICTED)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"registration-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def _calendar_link(person: Person, site) -> str:
    page = person.page
    person.click(page.get_by_role("link", name=person.label))  # the header link to the profile
    field = page.locator("#calendar-https")
    address = field.input_value()
    assert address.startswith(site.url + "/calendar/") and address.endswith(".ics")
    webcal = page.get_by_role("link", name="Subscribe in your calendar app")
    expect(webcal).to_have_attribute("href", "webcal://" + address.removeprefix("http://"))
    # Copy it as a person does, in the window in front (the clipboard is read only by a
    # focused document, and the organiser's page was the last one used): focus the field,
    # select all, copy.
    page.bring_to_front()
    person.focus(field) if person.keyboard else field.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Control+C")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == address
    return copied


@pytest.mark.parametrize("mode", ["mouse", "keyboard"])
def test_new_attendee_signs_up_registers_books_and_gets_badge_and_calendar(
    mode, new_context, site, screenshot, tmp_path
):
    keyboard = mode == "keyboard"
    name = "Maria Keyboard" if keyboard else "Maria Mouse"
    email = f"maria.{mode}@e2e.example.org"
    attendee_context = new_context(permissions=["clipboard-read", "clipboard-write"])
    attendee = Person(attendee_context.new_page(), keyboard=keyboard, label=name, role="attendee")
    organiser = Person(new_context().new_page(), keyboard=keyboard, label="organiser")

    _sign_up(attendee, name, email)
    _verify_email(attendee, site.mail, email)
    _register(attendee)
    _restricted_sessions_are_closed(attendee)

    _organiser_approves_and_verifies(organiser, name)

    attendee.click(attendee.page.get_by_role("link", name="Agenda", exact=True).first)
    _book(attendee, RESTRICTED)
    attendee.click(attendee.page.get_by_role("link", name="Agenda", exact=True).first)
    _book(attendee, OPEN)
    attendee.click(attendee.page.get_by_role("link", name="Agenda", exact=True).first)
    attendee.click(attendee.page.get_by_role("link", name="My agenda"))
    agenda = attendee.page.locator(".my-agenda")
    expect(agenda.locator("li")).to_have_count(2)
    expect(agenda).to_contain_text(RESTRICTED)
    expect(agenda).to_contain_text(OPEN)
    expect(agenda.locator(".tag-confirmed")).to_have_text(["Booked", "Booked"])
    _my_agenda_pdf(attendee)
    _agenda_marks_my_seats_on_screen_phone_and_paper(attendee, screenshot)

    _approval_mail_and_registration_page(attendee, site.mail, email, screenshot)
    _badge(attendee, name, tmp_path)
    address = _calendar_link(attendee, site)
    with urllib.request.urlopen(address, timeout=10) as response:  # noqa: S310 (loopback)
        feed = response.read().decode()
    assert RESTRICTED in feed and OPEN in feed
    screenshot(attendee.page, "profile-with-calendar-link")


# --- Issue 15: a newcomer keeps their place, confirms their address, and is asked first ------

BORDER = "/events/ceris-border-2027/"
INTRO = "Introduction: border management"


def _shoot(page, name: str, screenshot) -> None:
    """Pictures at the journey's width and at phone width; nothing may scroll sideways."""
    width = page.viewport_size["width"]
    screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{name}-390")
    scrolls = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    page.set_viewport_size({"width": width, "height": 900})
    assert not scrolls, f"{name} scrolls sideways at 390 px"


def _confirm_page(person: Person, heading: str, consequence: str, button: str) -> None:
    """A confirmation page of its own: a heading, what will happen, a destructive button."""
    page = person.page
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("region", name="What will happen")).to_contain_text(consequence)
    expect(page.get_by_role("button", name=button)).to_have_class("button button-danger")


@pytest.mark.parametrize("mode", ["mouse", "keyboard"])
def test_newcomer_keeps_their_place_confirms_the_address_and_is_asked_before_cancelling(
    mode, new_context, site, screenshot
):
    keyboard = mode == "keyboard"
    name, email = f"Nadia {mode.title()}", f"nadia.{mode}@e2e.example.org"
    person = Person(new_context().new_page(), keyboard=keyboard, label=name, role="newcomer")
    page = person.page

    # Event → Register → Log in → Create an account: back on the registration page.
    person.goto(BORDER)
    person.click(page.get_by_role("link", name="Register", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    person.click(page.get_by_role("link", name="Create an account"))
    person.fill(page.get_by_label("Full name"), name)
    person.fill(page.get_by_label("Email address"), email)
    person.fill(page.get_by_label("Password", exact=True), NEW_PASSWORD)
    person.fill(page.get_by_label("Repeat the password"), NEW_PASSWORD)
    person.click(page.get_by_role("button", name="Create account"))
    assert urlsplit(page.url).path == f"{BORDER}register"
    # Not before the address is confirmed: the page says so and sends the link again.
    notice = page.get_by_role("region", name="First, confirm your email address")
    expect(notice).to_contain_text(email)
    expect(page.get_by_label("I have read and agree to the event's privacy notice")).to_have_count(
        0
    )
    if mode == "mouse":
        _shoot(page, "register-needs-confirmed-email", screenshot)
    wait_for_mail(site.mail, email)
    person.click(page.get_by_role("button", name="Send the confirmation link again"))
    expect(page.locator(".flash-success")).to_contain_text("We sent a new confirmation link")
    assert urlsplit(page.url).path == f"{BORDER}register"
    resent = wait_for_mail(site.mail, email, count=2)
    assert len(site.mail.messages_to(email)) == 2
    link = re.search(r"https?://\S+/account/verify/\S+", site.mail.text_of(resent)).group(0)
    person.goto(link)
    expect(page.locator(".flash-success")).to_contain_text(f"{email} is confirmed")
    assert urlsplit(page.url).path == f"{BORDER}register"

    person.select(page.get_by_label("Stakeholder category"), "Academia")
    person.fill(page.get_by_label("Organisation"), "Warsaw University of Technology")
    person.select(page.get_by_label("Country"), "Poland")
    person.check(page.get_by_label("I have read and agree to the event's privacy notice"))
    person.click(page.get_by_role("button", name="Register", exact=True))
    expect(page.locator("main")).to_contain_text("Approved")

    # Cancel my seat: asked first; "No" keeps it, "Yes" gives it up.
    person.goto(BORDER + "agenda/?view=list")
    person.click(page.get_by_role("link", name=INTRO))
    person.click(page.get_by_role("button", name="Book a seat"))
    panel = page.locator(".booking-panel")
    expect(panel).to_contain_text("You have a seat in this session")
    session_path = urlsplit(page.url).path
    person.click(page.get_by_role("link", name="Cancel my seat…"))
    _confirm_page(
        person, f"Cancel your seat in “{INTRO}”?", "Your seat is freed", "Yes, cancel my seat"
    )
    if mode == "mouse":
        _shoot(page, "confirm-cancel-seat", screenshot)
    person.click(page.get_by_role("link", name="No, keep my seat"))
    assert urlsplit(page.url).path == session_path
    expect(panel).to_contain_text("You have a seat in this session")
    person.click(page.get_by_role("link", name="Cancel my seat…"))
    person.click(page.get_by_role("button", name="Yes, cancel my seat"))
    expect(page.locator(".flash-success")).to_contain_text("Your booking is cancelled.")
    assert urlsplit(page.url).path == session_path

    # Cancel my registration: the page says what goes, then the registration is cancelled.
    person.click(page.get_by_role("button", name="Book a seat"))
    person.goto(BORDER + "registration")
    person.click(page.get_by_role("link", name="Cancel my registration…"))
    _confirm_page(
        person,
        "Cancel your registration for “CERIS thematic event: Border management and security”?",
        f"Your 1 booked seat (“{INTRO}”) goes to the people waiting for it",
        "Yes, cancel my registration",
    )
    if mode == "mouse":
        _shoot(page, "confirm-cancel-registration", screenshot)
    person.click(page.get_by_role("button", name="Yes, cancel my registration"))
    expect(page.locator(".flash-success")).to_contain_text("Your registration is cancelled")
    expect(page.locator("main")).to_contain_text("Cancelled")
    assert (
        site.scalar(
            "SELECT count(*) FROM bookings b JOIN registrations r ON r.id = b.registration_id "
            "JOIN users u ON u.id = r.user_id WHERE u.email = :email AND b.status != 'cancelled'",
            email=email,
        )
        == 0
    )
