"""Journey: a new account sets up two-factor sign-in with its authenticator (the code computed
from the key the page shows), saves its recovery codes, and logs in again with a code; the
pages on a desktop and on a phone."""

from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from tests.e2e.driver import Person, login, logout, totp_code_for

EMAIL = "tomas.tfa@example.org"
PASSWORD = "a long enough password"


def test_a_person_sets_up_two_factor_sign_in_and_logs_in_with_a_code(new_context, site, screenshot):
    person = Person(new_context().new_page(), label="attendee")
    page = person.page
    person.goto("/account/signup")
    person.fill(page.get_by_label("Full name"), "Tomas Twofactor")
    person.fill(page.get_by_label("Email address"), EMAIL)
    person.fill(page.get_by_label("Password", exact=True), PASSWORD)
    person.fill(page.get_by_label("Repeat the password"), PASSWORD)
    person.click(page.get_by_role("button", name="Create account"))
    person.click(page.get_by_role("link", name="Set up two-factor sign-in"))
    screenshot(page, "two-factor-off-1280")
    person.click(page.get_by_role("button", name="Set up two-factor sign-in"))

    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.locator("#totp-secret").inner_text()
    otpauth = page.locator("#totp-secret").get_attribute("data-otpauth")
    assert f"secret={secret}" in otpauth and otpauth.startswith("otpauth://totp/")
    screenshot(page, "two-factor-setup-1280")
    person.fill(page.get_by_label("Code from your authenticator app"), "000000")
    person.click(page.get_by_role("button", name="Switch two-factor sign-in on"))
    expect(page.locator("#code-error")).to_contain_text("This code is not correct")
    person.fill(page.get_by_label("Code from your authenticator app"), totp_code_for(EMAIL, secret))
    person.click(page.get_by_role("button", name="Switch two-factor sign-in on"))

    expect(page.locator("h1")).to_have_text("Your recovery codes")
    codes = page.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "two-factor-recovery-codes-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "two-factor-recovery-codes-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    person.click(page.get_by_role("link", name="I saved them"))
    expect(page.locator("main")).to_contain_text("Unused recovery codes: 10")
    stored = site.scalar("SELECT count(*) FROM recovery_codes WHERE code_hash = :c", c=codes[0])
    assert stored == 0  # only fingerprints are kept

    logout(person)
    page.set_viewport_size({"width": 390, "height": 844})
    person.click(page.get_by_role("link", name="Log in", exact=True))
    person.fill(page.get_by_label("Email address"), EMAIL)
    person.fill(page.get_by_label("Password", exact=True), PASSWORD)
    person.click(page.get_by_role("button", name="Log in"))
    expect(page.locator("h1")).to_have_text("One more step")
    screenshot(page, "two-factor-verify-390")
    person.fill(page.get_by_label("Code from your authenticator app"), totp_code_for(EMAIL, secret))
    person.click(page.get_by_role("button", name="Continue"))
    expect(page.locator(".flash-success")).to_contain_text("You are logged in as Tomas Twofactor")
    assert pyotp.TOTP(secret).verify(totp_code_for(EMAIL, secret), valid_window=2)
    logout(person)
    # A recovery code instead of the phone, at 1280 px.
    page.set_viewport_size({"width": 1280, "height": 900})
    person.click(page.get_by_role("link", name="Log in", exact=True))
    person.fill(page.get_by_label("Email address"), EMAIL)
    person.fill(page.get_by_label("Password", exact=True), PASSWORD)
    person.click(page.get_by_role("button", name="Log in"))
    person.click(page.get_by_role("link", name="Use a recovery code"))
    person.fill(page.get_by_label("Recovery code"), codes[0])
    screenshot(page, "two-factor-recover-1280")
    person.click(page.get_by_role("button", name="Continue"))
    expect(page.locator("main")).to_contain_text("Recovery code used; 9 left")


def test_staff_pass_the_second_step_and_see_their_sessions_and_the_security_log(
    new_context, site, screenshot
):
    from tests.e2e.seed import ADMIN, ORGANISER
    from tests.e2e.seed import PASSWORD as DEMO_PASSWORD

    organiser = Person(new_context().new_page(), label="organiser")
    login(organiser, ORGANISER, DEMO_PASSWORD)
    organiser.goto("/events/flagship-2027/manage/")
    expect(organiser.page.locator("h1")).to_contain_text("Flagship")
    organiser.goto("/account/sessions/")
    expect(organiser.page.locator("main")).to_contain_text("(this device)")
    screenshot(organiser.page, "sessions-1280")
    organiser.page.set_viewport_size({"width": 390, "height": 844})
    screenshot(organiser.page, "sessions-390")

    admin = Person(new_context(viewport={"width": 390, "height": 844}).new_page(), label="admin")
    login(admin, ADMIN, DEMO_PASSWORD)
    admin.goto("/admin/security-log")
    expect(admin.page.locator("tbody")).to_contain_text(ORGANISER)
    screenshot(admin.page, "security-log-390")
    admin.page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(admin.page, "security-log-1280")
