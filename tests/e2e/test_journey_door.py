"""Journey 3: door staff check people in through the camera (Chromium's fake camera playing a
video made from real badge images), by typing a code or the number printed on the badge, by
name in Latin letters, let people back in (amber), and scan offline with the network cut."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import launch_chromium, require_jsqr
from tests.e2e.driver import Person, login, login_request
from tests.e2e.seed import DOOR, ORGANISER, PASSWORD
from tests.e2e.video import badge_frame, write_y4m

FLAGSHIP = "European Flagship Conference on Research Security 2027"
SCANNER = "/events/flagship-2027/scan"
FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def _badge_png(new_context, email: str) -> bytes:
    """The attendee's own badge image, downloaded as they would (logged in as them)."""
    badge = login_request(new_context(), email, PASSWORD).get("/events/flagship-2027/badge.png")
    assert badge.ok and badge.headers["content-type"] == "image/png"
    return badge.body()


def _open_scanner(door: Person) -> None:
    page = door.page
    login(door, DOOR, PASSWORD)
    door.click(page.get_by_role("link", name=FLAGSHIP).first)
    door.click(page.get_by_role("link", name="Open the door scanner"))
    # The scanner has loaded the keys and lists it needs to work offline.
    expect(page.locator("#sync-status")).to_contain_text("lists from")


def _verdict(page, verdict: str, name: str | None, message: str | None = None) -> None:
    overlay = page.locator("#scan-overlay")
    expect(overlay).to_be_visible(timeout=15_000)
    # Words, not colour alone: the verdict and the reason are written out.
    expect(overlay.locator("#overlay-verdict")).to_have_text(re.compile("^" + re.escape(verdict)))
    if name is not None:
        expect(overlay.locator("#overlay-name")).to_have_text(name)
    if message is not None:
        expect(overlay.locator("#overlay-message")).to_have_text(message)
    kind = {"ACCEPTED": "accepted", "ALREADY IN": "already_in"}.get(
        verdict.split(" (")[0], "refused"
    )
    expect(overlay).to_have_class(re.compile(f"scan-overlay-{kind}"))
    # And a second signal besides colour: a solid frame for accepted, a dashed one for refused,
    # a double one for already in.
    border = overlay.evaluate("(e) => getComputedStyle(e).borderTopStyle")
    assert border == {"accepted": "solid", "refused": "dashed", "already_in": "double"}[kind]


def _dismiss(page) -> None:
    page.keyboard.press("Escape")
    expect(page.locator("#scan-overlay")).to_be_hidden()


@contextmanager
def camera_scanner(playwright_driver, new_context, door_state, video: Path):
    """The scanner page in a Chromium whose camera films ``video``, the camera started."""
    camera_browser = launch_chromium(
        playwright_driver, [*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"]
    )
    try:
        context = new_context(
            browser_override=camera_browser, storage_state=door_state, permissions=["camera"]
        )
        page = context.new_page()
        page.goto(SCANNER)
        expect(page.locator("#sync-status")).to_contain_text("lists from")
        camera = Person(page, keyboard=True, label="door staff")
        camera.click(page.get_by_role("button", name="Start the camera"), navigates=False)
        expect(page.locator("#camera-status")).to_have_text(
            "Point the camera at a badge's QR code."
        )
        yield page
        context.close()
    finally:
        camera_browser.close()


def _accepted_scans(site, name: str) -> int:
    """Check-ins the server recorded for the person named ``name``."""
    return site.scalar(
        "SELECT count(*) FROM badge_scans s JOIN registrations r ON r.id = s.registration_id "
        "JOIN users u ON u.id = r.user_id WHERE u.name = :name AND s.result = 'accepted'",
        name=name,
    )


@pytest.fixture
def door(new_context) -> Person:
    """Door staff at a laptop with a keyboard (or a keyboard-emulating badge reader)."""
    return Person(new_context().new_page(), keyboard=True, label="door staff")


def test_door_staff_check_in_through_the_camera(
    door, new_context, site, playwright_driver, tmp_path, screenshot
):
    require_jsqr()
    _open_scanner(door)
    door_state = door.page.context.storage_state()
    camille, camille_email, _ = site.seeded.people["camera"]
    rui, rui_email, _ = site.seeded.people["revoked"]

    good = write_y4m(tmp_path / "camille.y4m", badge_frame(_badge_png(new_context, camille_email)))
    with camera_scanner(playwright_driver, new_context, door_state, good) as page:
        _verdict(page, "ACCEPTED", camille, "Checked in. Welcome!")
        screenshot(page, "camera-green")

    revoked = write_y4m(tmp_path / "rui.y4m", badge_frame(_badge_png(new_context, rui_email)))
    with camera_scanner(playwright_driver, new_context, door_state, revoked) as page:
        _verdict(page, "REFUSED", rui, "This badge was revoked or replaced by a newer one.")
        screenshot(page, "camera-red")

    assert _accepted_scans(site, camille) == 1


def test_door_staff_type_a_code(door, site, screenshot):
    _open_scanner(door)
    page = door.page
    name, _, _ = site.seeded.people["typed"]
    door.fill(page.get_by_label("Badge code"), site.seeded.badge_tokens["typed"])
    page.keyboard.press("Enter")
    _verdict(page, "ACCEPTED", name, "Checked in. Welcome!")
    expect(page.locator("#overlay-details")).to_contain_text("Academia (verified)")
    assert_accessible(page, "scanner showing ACCEPTED")
    screenshot(page, "typed-code-green")
    _dismiss(page)
    expect(page.get_by_label("Badge code")).to_be_focused()
    expect(page.get_by_label("Badge code")).to_have_value("")
    # The same code again a while later would be refused; a forged one is refused at once.
    forged = site.seeded.badge_tokens["typed"][:-4] + "AAAA"
    door.fill(page.get_by_label("Badge code"), forged)
    page.keyboard.press("Enter")
    _verdict(page, "REFUSED", None, "Not a valid badge: unreadable, altered or forged.")
    assert_accessible(page, "scanner showing REFUSED")


def _at_phone_width(new_context, door_state, path: str):
    """The same page on a phone (390 px wide), as door staff with a phone see it."""
    context = new_context(storage_state=door_state, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(path)
    return page


def _scan(door: Person, code: str) -> None:
    door.fill(door.page.get_by_label("Badge code"), code)
    door.page.keyboard.press("Enter")


def test_door_staff_type_the_number_printed_on_the_badge(door, site, screenshot):
    _open_scanner(door)
    page = door.page
    name, _, _ = site.seeded.people["number"]
    number = site.seeded.badge_numbers["number"]
    # Typed in a hurry: lower case, with O as 0 and I as 1 where the print is ambiguous.
    typed = number.lower().replace("o", "0").replace("i", "1")

    _scan(door, typed)

    _verdict(page, "ACCEPTED", name, "Checked in. Welcome!")
    expect(page.locator("#overlay-details")).to_contain_text("E2E Institute · Belgium")
    expect(page.locator("#overlay-details")).to_contain_text("first responder) (verified)")
    expect(page.locator("#overlay-identity")).to_have_text(
        "No QR code was scanned: compare the name with an ID document."
    )
    assert_accessible(page, "scanner showing a typed number ACCEPTED")
    screenshot(page, "typed-number-green")
    _dismiss(page)
    # One scan of her badge, logged as a typed number by that staff member (other journeys on
    # the same site type other badges' numbers with the same account).
    assert (
        site.scalar(
            "SELECT count(*) FROM badge_scans s JOIN users u ON u.id = s.actor_user_id "
            "JOIN registrations r ON r.id = s.registration_id JOIN users p ON p.id = r.user_id "
            "WHERE s.entry = 'number' AND s.manual AND s.result = 'accepted' AND u.email = :e "
            "AND p.name = :n",
            e=DOOR,
            n=name,
        )
        == 1
    )


def test_forgotten_badge_found_by_a_latin_spelling_then_let_in_again(
    door, new_context, site, screenshot
):
    _open_scanner(door)
    page = door.page
    name, email, _ = site.seeded.people["greek"]

    for typed in ("Eleni", "papad", email):
        door.fill(page.get_by_label("Name, organisation or email"), typed)
        door.click(page.get_by_role("button", name="Search"))
        expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
    screenshot(page, "search-latin-found")
    phone = _at_phone_width(new_context, page.context.storage_state(), f"{SCANNER}?q=eleni")
    expect(phone.get_by_role("cell", name=name, exact=True)).to_be_visible()
    screenshot(phone, "search-latin-found-390px")
    door.click(page.get_by_role("button", name=f"Check in by hand {name}"))
    result = page.locator("#server-result")
    expect(result.locator(".scan-result-verdict")).to_have_text("ACCEPTED")
    expect(result).to_contain_text("compare the name with an ID document")

    # Back from a break: found by name again, amber, and let in again with one tap.
    door.fill(page.get_by_label("Name, organisation or email"), "Papadopoulou")
    door.click(page.get_by_role("button", name="Search"))
    door.click(page.get_by_role("button", name=f"Check in by hand {name}"))
    expect(result.locator(".scan-result-verdict")).to_have_text("ALREADY IN")
    expect(result.locator(".scan-result-message")).to_contain_text("Already in since")
    screenshot(page, "search-amber")
    door.click(result.get_by_role("button", name="Let in again"))
    expect(result.locator(".scan-result-verdict")).to_have_text("ACCEPTED")
    expect(result.locator(".scan-result-message")).to_have_text("Let in again. Welcome back!")


def test_coming_back_through_the_entrance_is_amber_with_let_in_again(
    door, new_context, site, screenshot
):
    name, _, _ = site.seeded.people["reentry"]
    code = site.seeded.badge_tokens["reentry"]
    # The North door's device let Rita in this morning.
    north = new_context().request.post(
        "/api/v1/events/flagship-2027/checkins",
        data={"code": code, "checkpoint": "entrance"},
        headers={"Authorization": f"Bearer {site.seeded.device_token}"},
    )
    assert north.ok and north.json()["result"] == "accepted"
    since = north.json()["local_time"][:5]
    _open_scanner(door)
    page = door.page

    _scan(door, code)

    _verdict(page, "ALREADY IN", name, f"Already in since {since} at North door.")
    let_in = page.get_by_role("button", name="Let in again")
    expect(let_in).to_be_visible()
    assert_accessible(page, "scanner showing ALREADY IN")
    screenshot(page, "amber-re-entry")
    phone = _at_phone_width(new_context, page.context.storage_state(), SCANNER)
    expect(phone.locator("#sync-status")).to_contain_text("lists from")
    phone.get_by_label("Badge code").fill(code)
    phone.keyboard.press("Enter")
    # The same staff member a moment later: the same answer, marked as the same scan again.
    expect(phone.locator("#overlay-verdict")).to_have_text(re.compile("^ALREADY IN"))
    screenshot(phone, "amber-re-entry-390px")
    phone.keyboard.press("Escape")

    door.click(let_in, navigates=False)

    _verdict(page, "ACCEPTED", name, "Let in again. Welcome back!")
    assert (
        site.scalar(
            "SELECT count(*) FROM badge_scans s JOIN registrations r ON r.id = s.registration_id "
            "JOIN users u ON u.id = r.user_id WHERE u.name = :n AND s.reason = 'let_in_again'",
            n=name,
        )
        == 1
    )


def test_scanner_times_are_event_local_24_hour(door, new_context, site):
    """A device set to another timezone and a 12-hour locale still shows the event's clock."""
    context = new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    door_elsewhere = Person(page, keyboard=True, label="door staff")
    _open_scanner(door_elsewhere)
    status = page.locator("#sync-status").text_content()
    assert not re.search(r"\b(AM|PM)\b", status), status
    shown = re.search(r"lists from (\d{2}):(\d{2}):(\d{2})", status)
    assert shown, status
    brussels = page.evaluate(
        "() => new Intl.DateTimeFormat('en-GB', {timeZone: 'Europe/Brussels', hour: '2-digit',"
        " hourCycle: 'h23'}).format(new Date())"
    )
    assert shown.group(1) in {brussels, f"{(int(brussels) - 1) % 24:02d}"}


def test_door_staff_scan_offline_then_sync(door, new_context, site, screenshot):
    _open_scanner(door)
    page = door.page
    name, _, _ = site.seeded.people["offline"]
    online_name, _, _ = site.seeded.people["online"]
    status = page.locator("#sync-status")
    _scan(door, site.seeded.badge_tokens["online"])
    _verdict(page, "ACCEPTED", online_name, "Checked in. Welcome!")
    _dismiss(page)

    page.context.set_offline(True)
    expect(status).to_contain_text("Offline: scans are checked on this device")
    door.fill(page.get_by_label("Badge code"), site.seeded.badge_tokens["offline"])
    page.keyboard.press("Enter")
    _verdict(page, "ACCEPTED (offline check)", name, "Checked in. Welcome!")
    expect(status).to_contain_text("1 scan(s) waiting to be sent")
    _dismiss(page)
    # A revoked badge is refused offline too: the revocation list was loaded beforehand.
    door.fill(page.get_by_label("Badge code"), site.seeded.badge_tokens["revoked"])
    page.keyboard.press("Enter")
    _verdict(
        page, "REFUSED (offline check)", None, "This badge was revoked or replaced by a newer one."
    )
    screenshot(page, "offline-red")
    _dismiss(page)
    expect(status).to_contain_text("2 scan(s) waiting to be sent")
    assert _accepted_scans(site, name) == 0

    page.context.set_offline(False)
    expect(status).to_contain_text("Online · 0 scan(s) waiting to be sent")
    screenshot(page, "offline-synced")
    assert _accepted_scans(site, name) == 1
    expect(page.locator("#sync-conflicts")).to_be_hidden()

    # The organisers' log tells the scan sent later from the one answered online.
    organiser = Person(new_context().new_page(), keyboard=True, label="organiser")
    login(organiser, ORGANISER, PASSWORD)
    organiser.goto("/events/flagship-2027/manage/checkins")
    log = organiser.page.locator("#log-heading + p + table")
    expect(log.get_by_role("row").filter(has_text=name).first).to_contain_text(
        "offline, sent later (the device’s clock said"
    )
    expect(log.get_by_role("row").filter(has_text=online_name).first).to_contain_text("online")
    screenshot(organiser.page, "checkins-log-online-offline")
