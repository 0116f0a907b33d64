"""WCAG 2.1 AA beyond the journeys: every main page per role through axe-core, on a 360-px
phone and at 200% zoom without sideways scrolling, in English, French and German; visible focus on every control; the skip
link; categories and verdicts said in words, not colour alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conference.categories import CATEGORY_CHOICES
from tests.e2e.a11y import assert_accessible, focus_problem, horizontal_overflow
from tests.e2e.driver import login_request
from tests.e2e.seed import ADMIN, DOOR, EXPERT, ORGANISER, PASSWORD

F = "/events/flagship-2027"
PHONE = {"width": 360, "height": 740}
# A 1280 x 900 window zoomed to 200% lays pages out in 640 x 450 CSS pixels.
ZOOM_200 = {"width": 640, "height": 450}


def _session_id(site, title: str) -> int:
    return site.scalar("SELECT id FROM sessions WHERE title = :title", title=title)


def _pages(site, role: str) -> list[str]:
    opening = _session_id(site, "Opening plenary: research security in a changing world")
    briefing = _session_id(site, "Threat briefing on state actors targeting research")
    lab = _session_id(site, "Export control of dual-use research: a primer")
    registration = site.scalar(
        "SELECT r.id FROM registrations r JOIN users u ON u.id = r.user_id WHERE u.email = :e",
        e=EXPERT,
    )
    return {
        "anonymous": [
            "/",
            "/account/login",
            "/account/signup",
            "/account/reset",
            f"{F}/",
            f"{F}/agenda/",
            f"{F}/agenda/?view=list",
            f"{F}/sessions/{opening}/",
            f"{F}/sessions/{briefing}/",
            f"{F}/speakers/",
        ],
        "attendee": [
            "/account/profile",
            f"{F}/",
            f"{F}/registration",
            f"{F}/my-agenda",
            f"{F}/badge",
            f"{F}/agenda/",
            f"{F}/sessions/{briefing}/",
            "/events/ceris-border-2027/register",
            "/account/delete",
        ],
        "organiser": [
            "/",
            f"{F}/manage/",
            f"{F}/manage/staff",
            f"{F}/manage/agenda/",
            f"{F}/manage/agenda/sessions/{lab}/edit",
            f"{F}/manage/agenda/rooms/",
            f"{F}/manage/agenda/speakers/",
            f"{F}/manage/agenda/changes",
            f"{F}/manage/registrations",
            f"{F}/manage/registrations/{registration}",
            f"{F}/manage/bookings",
            f"{F}/manage/sessions/{lab}/waitlist",
            f"{F}/manage/audit",
            f"{F}/manage/badges/",
            f"{F}/manage/badges/keys",
            f"{F}/manage/badges/devices",
            f"{F}/manage/checkins",
        ],
        "door staff": [f"{F}/scan", f"{F}/scan?q=E2E+Institute"],
        "administrator": ["/admin/", "/admin/events/new"],
    }[role]


def _ask_for(route, language: str) -> None:
    """Send the page's request with the browser's language set to ``language``."""
    route.continue_(headers={**route.request.headers, "accept-language": language})


LOGINS = {"attendee": EXPERT, "organiser": ORGANISER, "door staff": DOOR, "administrator": ADMIN}


@pytest.mark.parametrize("language", ["en", "fr", "de"])
@pytest.mark.parametrize(
    "role", ["anonymous", "attendee", "organiser", "door staff", "administrator"]
)
def test_pages_pass_axe_and_reflow_on_a_phone_and_at_200_percent_zoom(
    role, language, new_context, site
):
    context = new_context()
    if role in LOGINS:
        login_request(context, LOGINS[role], PASSWORD)
    # French and German pages are longer and carry passages in other languages (lang=...):
    # the browser asks for the language as a visitor's would (after logging in, in English).
    if language != "en":
        context.route("**/*", lambda route: _ask_for(route, language))
    page = context.new_page()
    problems = []
    for path in _pages(site, role):
        response = page.goto(path)
        assert response.status == 200, f"{path}: HTTP {response.status}"
        assert page.get_attribute("html", "lang") == language, path
        assert_accessible(page, f"{path} ({role}, {language})")
        for name, viewport in (("360-px phone", PHONE), ("200% zoom", ZOOM_200)):
            page.set_viewport_size(viewport)
            overflow = horizontal_overflow(page)
            if overflow:
                problems.append(f"{path} on a {name}: " + "; ".join(overflow))
        page.set_viewport_size({"width": 1280, "height": 900})
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("anonymous", "/account/signup"),
        ("anonymous", f"{F}/agenda/?view=list"),
        ("door staff", f"{F}/scan"),
        ("organiser", f"{F}/manage/registrations"),
    ],
)
def test_every_control_shows_where_the_keyboard_focus_is(role, path, new_context):
    context = new_context()
    if role in LOGINS:
        login_request(context, LOGINS[role], PASSWORD)
    page = context.new_page()
    page.goto(path)
    stops, problems = 0, []
    # Tab round the whole page once (it wraps to the start), checking each stop.
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            continue
        if page.evaluate("document.activeElement.hasAttribute('data-tab-seen')"):
            break
        description = page.evaluate(
            """(e) => {
              e.setAttribute('data-tab-seen', '');
              return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' '
                + (e.innerText || e.value || e.name || '').slice(0, 40);
            }""",
            page.evaluate_handle("document.activeElement"),
        )
        problem = focus_problem(page)
        if problem:
            problems.append(f"{description}: {problem}")
        stops += 1
    assert stops >= 8
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_skip_link_leads_the_keyboard_to_the_main_content(new_context):
    page = new_context().new_page()
    page.goto(f"{F}/agenda/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_categories_are_written_out_not_only_coloured(new_context):
    context = new_context()
    login_request(context, ORGANISER, PASSWORD)
    page = context.new_page()
    page.goto(f"{F}/manage/badges/")
    chips = page.locator(".category-chip")
    assert chips.count() >= 4
    labels = chips.all_inner_texts()
    assert set(labels) <= {label for _, label in CATEGORY_CHOICES}
    assert {"Member State expert", "Academia", "Industry"} <= set(labels)
