"""A person at the browser, with a mouse or with the keyboard only.

Journeys are written once against ``Person``; in keyboard mode every click becomes Tab
presses until the control has focus (failing if it never gets it, or shows no visible
focus) and Enter or Space. Every new page a person reaches is checked with axe-core.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect

from conference.demo import DEMO_TOTP_SECRET
from tests.e2e.a11y import assert_accessible, focus_problem

MAX_TABS = 400
# How many Tab presses surely land before ``target``, from the focused element: only elements
# the browser is certain to stop at are counted, and the count ends at the first one it might
# skip or add (radio groups, frames, summaries) or when the starting point is unclear; the
# driver presses the rest one by one, so an unusual page costs time, never a wrong answer.
SURE_TAB_STOPS_BEFORE = """
([target, fresh]) => {
  const start = document.activeElement;
  if (location.hash) return 0;
  // A page just loaded starts from its top; a body focused later may start anywhere.
  const atTop = !start || start === document.body;
  if (atTop && !fresh) return 0;
  if (document.querySelector('[tabindex]:not([tabindex="0"]):not([tabindex^="-"])')) return 0;
  const all = [...document.querySelectorAll(
    'a[href], area, button, input, select, textarea, summary, iframe, object, embed, ' +
    '[tabindex], [contenteditable], audio, video, details')];
  const from = atTop ? -1 : all.indexOf(start), to = all.indexOf(target);
  if ((from < 0 && !atTop) || to <= from) return 0;
  let stops = 0;
  for (const element of all.slice(from + 1, to)) {
    const tag = element.tagName.toLowerCase();
    if (tag === 'input' && element.type === 'hidden') continue;
    if (element.tabIndex < 0 || element.matches(':disabled') || element.closest('[inert]')) continue;
    if (!element.checkVisibility({ visibilityProperty: true })) continue;
    const plain = ['a', 'button', 'select', 'textarea'].includes(tag)
      || (tag === 'input' && element.type !== 'radio')
      || (element.hasAttribute('tabindex') && !['iframe', 'object', 'embed', 'summary', 'details'].includes(tag));
    if (!plain || element.isContentEditable) return stops;
    stops += 1;
  }
  return stops;
}
"""
AUDITED: set[tuple[str, str]] = set()


class Person:
    def __init__(
        self, page: Page, *, keyboard: bool = False, label: str = "", role: str = ""
    ) -> None:
        self.page = page
        self.keyboard = keyboard
        self.label = label
        self.role = role or label
        # True from a page load until the first Tab: focus then starts from the page's top.
        self.fresh_page = False

    # -- pages ---------------------------------------------------------------------------

    def goto(self, path: str) -> None:
        """Open an address directly (a link from an email, or a bookmark)."""
        self.page.goto(path)
        self.fresh_page = True
        self.audit()

    def audit(self) -> None:
        """axe-core on the current page, once per kind of page and role in the run."""
        self.page.wait_for_load_state()
        parts = urlsplit(self.page.url)
        address = parts.path + ("?" + parts.query if parts.query else "")
        # Pages of one kind (every session, every registration) are checked once per role.
        key = (self.role, re.sub(r"\d+", "N", address))
        if key in AUDITED:
            return
        AUDITED.add(key)
        assert_accessible(self.page, f"{address} ({self.role})")

    # -- actions -------------------------------------------------------------------------

    def focus(self, target: Locator) -> None:
        """Tab until ``target`` has focus; it must show where the focus is.

        The stops the browser is sure to make before ``target`` are pressed without asking the
        page where the focus is after each (a round trip saved per stop); then one at a time,
        checking after each.
        """
        expect(target).to_be_visible()
        handle = target.element_handle()
        sure = self.page.evaluate(SURE_TAB_STOPS_BEFORE, [handle, self.fresh_page])
        self.fresh_page = False
        for _ in range(sure):
            self.page.keyboard.press("Tab")
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("(t) => document.activeElement === t", handle):
                break
        else:
            raise AssertionError(f"{target} cannot be reached with the Tab key on {self.page.url}")
        problem = focus_problem(self.page)
        assert not problem, f"no visible focus on {target} at {self.page.url}: {problem}"

    def click(self, target: Locator, *, navigates: bool = True) -> None:
        """Follow a link or press a button (Enter in keyboard mode)."""
        if navigates:
            with self.page.expect_navigation():
                self._press(target)
            self.fresh_page = True
            self.audit()
        else:
            self._press(target)

    def _press(self, target: Locator) -> None:
        if self.keyboard:
            self.focus(target)
            self.page.keyboard.press("Enter")
        else:
            target.click()

    def fill(self, target: Locator, value: str) -> None:
        """Type into a field; date and time fields take keys in the en-US order, as typed."""
        if self.keyboard:
            self.focus(target)
            kind = target.get_attribute("type")
            if kind == "date":
                year, month, day = value.split("-")
                self.page.keyboard.type(month + day + year)
            elif kind == "time":
                hour, minute = (int(part) for part in value.split(":"))
                half = "PM" if hour >= 12 else "AM"
                self.page.keyboard.type(f"{(hour - 1) % 12 + 1:02d}{minute:02d}{half}")
            else:
                self.page.keyboard.press("Control+A")
                self.page.keyboard.press("Delete")
                self.page.keyboard.type(value)
        else:
            target.fill(value)
        expect(target).to_have_value(value)

    def choose(self, target: Locator, label: str) -> None:
        """Choose one entry of a multiple-choice list box (Home, then arrow keys)."""
        if self.keyboard:
            self.focus(target)
            index = target.evaluate(
                "(s, label) => [...s.options].findIndex((o) => o.label.trim() === label)", label
            )
            assert index >= 0, f"no option {label!r} in {target}"
            self.page.keyboard.press("Home")
            for _ in range(index):
                self.page.keyboard.press("ArrowDown")
        else:
            target.select_option(label=label)
        assert target.evaluate("(s) => [...s.selectedOptions].map((o) => o.label.trim())") == [
            label
        ]

    def select(self, target: Locator, label: str) -> None:
        """Choose an option; with the keyboard, arrow keys on the closed list."""
        if self.keyboard:
            self.focus(target)
            wanted, current = target.evaluate(
                """(select, label) => [
                    [...select.options].findIndex((o) => o.label.trim() === label),
                    select.selectedIndex]""",
                label,
            )
            assert wanted >= 0, f"no option {label!r} in {target}"
            key = "ArrowDown" if wanted > current else "ArrowUp"
            for _ in range(abs(wanted - current)):
                self.page.keyboard.press(key)
        else:
            target.select_option(label=label)
        assert target.evaluate("(s) => s.selectedOptions[0].label.trim()") == label

    def check(self, target: Locator) -> None:
        if self.keyboard:
            self.focus(target)
            self.page.keyboard.press("Space")
        else:
            target.check()
        expect(target).to_be_checked()


# The server refuses a code of a time step it has seen for the account (or an earlier one), so
# a second log-in of one account within 30 seconds would have to wait for the clock; staff log
# in dozens of times in a run. Instead the site forgets the account's last used step before each
# code is typed, which is what 30 seconds passing does (the replay refusal itself is tested in
# tests/accounts/test_two_factor.py). ``conftest.site`` sets this to its database's reset.
forget_used_code: Callable[[str], None] | None = None


def totp_code_for(email: str, secret: str = DEMO_TOTP_SECRET) -> str:
    """The code the authenticator app shows now, one the server accepts for ``email``."""
    import pyotp

    assert forget_used_code is not None, "the site fixture sets driver.forget_used_code"
    forget_used_code(email)
    return pyotp.TOTP(secret).now()


def login(person: Person, email: str, password: str) -> None:
    """Log in through the header's link and the login form (and the code, for staff)."""
    page = person.page
    if not page.url.startswith("http"):
        person.goto("/")
    person.click(page.get_by_role("link", name="Log in", exact=True))
    person.fill(page.get_by_label("Email address"), email)
    person.fill(page.get_by_label("Password", exact=True), password)
    person.click(page.get_by_role("button", name="Log in"))
    if urlsplit(page.url).path == "/account/two-factor/verify":
        person.fill(page.get_by_label("Code from your authenticator app"), totp_code_for(email))
        person.click(page.get_by_role("button", name="Continue"))
    expect(page.locator(".flash-success")).to_contain_text("You are logged in")


def logout(person: Person) -> None:
    person.click(person.page.get_by_role("button", name="Log out"))
    expect(person.page.locator(".flashes")).to_contain_text("You are logged out")


CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def login_request(context, email: str, password: str):
    """Log ``context`` in with a plain form post (for downloads that need no clicking)."""
    request = context.request
    form_page = request.get("/account/login").text()
    response = request.post(
        "/account/login",
        form={
            "csrf_token": CSRF_INPUT.search(form_page).group(1),
            "email": email,
            "password": password,
        },
    )
    if urlsplit(response.url).path == "/account/two-factor/verify":
        response = request.post(
            "/account/two-factor/verify",
            form={
                "csrf_token": CSRF_INPUT.search(response.text()).group(1),
                "code": totp_code_for(email),
            },
        )
    assert response.ok and "You are logged in" in response.text()
    return request


def wait_for_mail(mail, address: str, *, count: int = 1, timeout: float = 10.0):
    """The newest message to ``address`` once ``count`` have arrived; mail is sent right after
    the request (after the page answered), so poll briefly."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = mail.messages_to(address)
        if len(messages) >= count:
            return messages[-1]
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} mails to {address} within {timeout} s")
