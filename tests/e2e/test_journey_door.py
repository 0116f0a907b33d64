"""Journey 3: door staff check people in through the camera (Chromium's fake camera playing a
video made from real badge images), by typing a code, and offline with the network cut."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import launch_chromium, require_jsqr
from tests.e2e.driver import Person, login, login_request
from tests.e2e.seed import DOOR, PASSWORD
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
    kind = "accepted" if verdict.startswith("ACCEPTED") else "refused"
    expect(overlay).to_have_class(re.compile(f"scan-overlay-{kind}"))
    # And a second signal besides colour: a solid frame for accepted, a dashed one for refused.
    border = overlay.evaluate("(e) => getComputedStyle(e).borderTopStyle")
    assert border == ("solid" if kind == "accepted" else "dashed")


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


def test_door_staff_scan_offline_then_sync(door, site, screenshot):
    _open_scanner(door)
    page = door.page
    name, _, _ = site.seeded.people["offline"]
    status = page.locator("#sync-status")

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
