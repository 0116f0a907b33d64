"""Journey 8 (issue 17): a national contact point nominates experts from a CSV file, a nominee
accepts from the invitation mail, and their badge opens the door; the organisers' delegation
pages (session quotas, the dashboard's delegation filter) at laptop and phone widths."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.driver import Person, login, wait_for_mail
from tests.e2e.seed import DOOR, ORGANISER, PASSWORD

FLAGSHIP = "flagship-2027"
NCP = "ncp-be@demo.ceris.eu"
NOMINEE = "nadia.nominee@e2e.example.org"
NOMINEE_NAME = "Nadia Nominee"
NEW_PASSWORD = "a long enough passphrase 2027"
INVITATION_ONLY = "Belgian delegation: coordination briefing"
PHONE = {"width": 390, "height": 844}


def _both_widths(page, screenshot, name: str) -> None:
    """The page at 1280 px (as it is) and at 390 px wide, the same answer (a preview too)."""
    screenshot(page, f"{name}-1280")
    wide = page.viewport_size
    page.set_viewport_size(PHONE)
    # Nothing sticks out sideways on a phone.
    overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 1, f"{name} is {overflow} px too wide at 390 px"
    screenshot(page, f"{name}-390")
    page.set_viewport_size(wide)


def test_ncp_uploads_nominees_and_the_nominee_accepts_and_gets_in(new_context, site, screenshot):
    # The NCP signs in (password and the demo's TOTP code) and lands on their delegation.
    ncp = Person(new_context().new_page(), label="national contact point")
    page = ncp.page
    login(ncp, NCP, PASSWORD)
    ncp.goto(f"/events/{FLAGSHIP}/delegations/")
    expect(page.locator("h1")).to_contain_text("Belgium")
    _both_widths(page, screenshot, "ncp-dashboard")

    # A CSV with one good line and one bad: the preview says which, and writes nothing.
    ncp.click(page.get_by_role("link", name="Nominate several at once from a CSV file"))
    csv = f"name;email\n{NOMINEE_NAME};{NOMINEE}\nNo Address;not-an-address\n"
    page.get_by_label("CSV file of nominees").set_input_files(
        files=[{"name": "nominees.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    ncp.click(page.get_by_role("button", name="Preview"))
    rows = page.locator("#preview-heading ~ table tbody tr, section table tbody tr")
    expect(page.get_by_text("Will be invited")).to_have_count(1)
    expect(rows.filter(has_text="not-an-address")).to_be_visible()
    assert site.scalar("SELECT count(*) FROM nominations WHERE email = :e", e=NOMINEE) == 0
    _both_widths(page, screenshot, "ncp-upload-preview")
    ncp.click(page.get_by_role("button", name="Send 1 invitation(s)"))
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text(NOMINEE_NAME)

    # The nominee opens the link from the mail, signs up with that address, confirms it.
    message = wait_for_mail(site.mail, NOMINEE)
    link = re.search(r"https?://\S+/invitations/[\w-]+", site.mail.text_of(message)).group(0)
    nominee = Person(new_context().new_page(), label="nominee")
    npage = nominee.page
    nominee.goto(link)
    expect(npage.locator("main")).to_contain_text("What accepting means")
    nominee.click(npage.locator("main").get_by_role("link", name="sign up"))
    nominee.fill(npage.get_by_label("Full name"), NOMINEE_NAME)
    nominee.fill(npage.get_by_label("Email address"), NOMINEE)
    nominee.fill(npage.get_by_label("Password", exact=True), NEW_PASSWORD)
    nominee.fill(npage.get_by_label("Repeat the password"), NEW_PASSWORD)
    nominee.fill(npage.get_by_label("Organisation"), "Belgian Science Policy Office")
    nominee.select(npage.get_by_label("Country"), "Belgium")
    nominee.select(npage.get_by_label("Stakeholder category"), "Member State expert")
    nominee.click(npage.get_by_role("button", name="Create account"))
    confirmation = wait_for_mail(site.mail, NOMINEE, count=2)
    verify = re.search(r"https?://\S+/account/verify/\S+", site.mail.text_of(confirmation)).group(0)
    nominee.goto(verify)
    expect(npage.locator(".flash-success")).to_contain_text(f"{NOMINEE} is confirmed")

    # Back to the invitation: accept, with the privacy consent.
    nominee.goto(link)
    nominee.check(npage.get_by_label("I agree to the event's privacy notice"))
    nominee.click(npage.get_by_role("button", name="Accept the nomination"))
    expect(npage.locator("main")).to_contain_text("Approved")
    expect(npage.locator("main")).to_contain_text("nominated by Belgium")
    screenshot(npage, "nominee-registration-1280")

    # The invitation-only session of Belgium's delegation is theirs to see.
    nominee.goto(f"/events/{FLAGSHIP}/agenda/?view=list")
    expect(npage.locator("main")).to_contain_text(INVITATION_ONLY)

    # Their badge exists; the door scans the number printed on it and lets them in.
    registration = site.scalar(
        "SELECT r.id FROM registrations r JOIN users u ON u.id = r.user_id "
        "WHERE u.email = :e AND r.status = 'approved'",
        e=NOMINEE,
    )
    assert registration is not None
    badge_png = npage.request.get(f"/events/{FLAGSHIP}/badge.png")
    assert badge_png.ok and badge_png.headers["content-type"] == "image/png"
    number = site.scalar(
        "SELECT substr(public_id, 1, 8) FROM badges WHERE registration_id = :r", r=registration
    )
    door = Person(new_context().new_page(), keyboard=False, label="door staff")
    login(door, DOOR, PASSWORD)
    door.goto(f"/events/{FLAGSHIP}/scan")
    expect(door.page.locator("#sync-status")).to_contain_text("lists from")
    door.fill(door.page.get_by_label("Badge code"), number)
    door.page.keyboard.press("Enter")
    overlay = door.page.locator("#scan-overlay")
    expect(overlay.locator("#overlay-verdict")).to_have_text(re.compile("^ACCEPTED"))
    expect(overlay.locator("#overlay-name")).to_have_text(NOMINEE_NAME)
    screenshot(door.page, "door-accepts-the-nominee")

    # The NCP sees the acceptance, and is asked before withdrawing anyone.
    ncp.goto(f"/events/{FLAGSHIP}/delegations/")
    row = page.locator("tr", has_text=NOMINEE_NAME)
    expect(row).to_contain_text("Accepted")
    ncp.click(row.get_by_role("link", name=re.compile("Withdraw")))
    expect(page.locator("h1")).to_have_text(f"Withdraw the nomination of {NOMINEE_NAME}?")
    _both_widths(page, screenshot, "ncp-confirm-withdraw")
    ncp.click(page.get_by_role("link", name="No, keep it"))
    assert (
        site.scalar(
            "SELECT state FROM nominations WHERE email = :e ORDER BY id DESC LIMIT 1", e=NOMINEE
        )
        == "accepted"
    )


def test_organiser_sets_a_session_quota_and_filters_the_dashboard(new_context, site, screenshot):
    organiser = Person(new_context().new_page(), label="organiser")
    page = organiser.page
    login(organiser, ORGANISER, PASSWORD)

    organiser.goto(f"/events/{FLAGSHIP}/manage/delegations")
    organiser.click(page.get_by_role("link", name="Belgium").first)
    organiser.select(
        page.get_by_label("Restricted session", exact=True), _option_for(page, INVITATION_ONLY)
    )
    organiser.fill(page.get_by_label("Places for the delegation's nominees"), "3")
    organiser.click(page.get_by_role("button", name="Set the session quota"))
    expect(page.locator(".flash-success")).to_contain_text("Session quota saved")
    expect(page.locator("section", has_text="Places in restricted sessions")).to_contain_text(
        INVITATION_ONLY
    )
    _both_widths(page, screenshot, "organiser-delegation-quotas")

    organiser.goto(f"/events/{FLAGSHIP}/manage/dashboard")
    organiser.select(page.get_by_label("Delegation", exact=True), "Belgium")
    organiser.click(page.get_by_role("button", name="Show"))
    expect(page.locator("main")).to_contain_text("Registrations per day, by state now (Belgium)")
    expect(page.locator("#delegations-heading")).to_be_visible()
    _both_widths(page, screenshot, "organiser-dashboard-belgium")

    session_id = site.scalar(
        "SELECT id FROM sessions WHERE external_id = 'demo-belgian-delegation-briefing'"
    )
    organiser.goto(f"/events/{FLAGSHIP}/manage/agenda/sessions/{session_id}/edit")
    belgium = page.get_by_role("checkbox", name="Belgium")
    expect(belgium).to_be_checked()
    expect(page.get_by_role("checkbox", name="Estonia")).not_to_be_checked()
    _both_widths(page, screenshot, "organiser-session-form-delegations")


def _option_for(page, title: str) -> str:
    """The label of the session list's option for ``title`` (it starts with the time)."""
    labels = page.get_by_label("Restricted session", exact=True).evaluate(
        "(s) => [...s.options].map((o) => o.label.trim())"
    )
    return next(label for label in labels if label.endswith(title))
