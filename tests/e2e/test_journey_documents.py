"""Journey 6: an organiser shares documents on a session under TLP markings; a visitor sees
only what the marking lets them have, at desktop and phone widths."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.documents.conftest import pdf_bytes
from tests.e2e.driver import Person, login
from tests.e2e.seed import ORGANISER, PASSWORD

SLUG = "flagship-2027"
PUBLIC_TITLE = "Programme handout"
STRICT_TITLE = "Threat briefing for participants"


def _open_session_id(site) -> int:
    return site.scalar(
        "SELECT s.id FROM sessions s JOIN events e ON e.id = s.event_id "
        "WHERE e.slug = :slug AND CAST(s.restricted_to AS TEXT) = '[]' AND s.status = 'scheduled' "
        "ORDER BY s.starts_at, s.id LIMIT 1",
        slug=SLUG,
    )


def _upload(organiser: Person, title: str, marking: str, name: str, tmp_path) -> None:
    page = organiser.page
    path = tmp_path / name
    path.write_bytes(pdf_bytes(2, text=title))
    organiser.fill(page.get_by_label("Title", exact=True), title)
    organiser.select(page.get_by_label("TLP marking"), marking)
    page.get_by_label("File", exact=True).set_input_files(str(path))
    organiser.click(page.get_by_role("button", name="Upload document"))
    expect(page.locator(".flash-success")).to_contain_text(f"“{title}” is uploaded")


def test_organiser_shares_marked_documents_and_visitors_get_what_the_marking_allows(
    new_context, site, screenshot, tmp_path
):
    session_id = _open_session_id(site)
    session_page = f"/events/{SLUG}/sessions/{session_id}/"
    organiser = Person(new_context().new_page(), label="organiser")
    login(organiser, ORGANISER, PASSWORD)
    # The session itself gets a marking and the Chatham House Rule.
    organiser.goto(f"/events/{SLUG}/manage/agenda/sessions/{session_id}/edit")
    organiser.select(organiser.page.get_by_label("TLP marking"), "TLP:GREEN")
    organiser.check(organiser.page.get_by_label("Held under the Chatham House Rule"))
    organiser.click(organiser.page.get_by_role("button", name="Save session"))
    expect(organiser.page.locator(".flash-success")).to_contain_text("is saved")
    organiser.goto(session_page)
    organiser.click(organiser.page.get_by_role("link", name="Manage documents"))

    # A file that is not a document is refused next to the field, nothing stored.
    page = organiser.page
    fake = tmp_path / "slides.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf at all")
    organiser.fill(page.get_by_label("Title", exact=True), "Not a document")
    page.get_by_label("File", exact=True).set_input_files(str(fake))
    organiser.click(page.get_by_role("button", name="Upload document"))
    expect(page.locator("#file-error")).to_contain_text("not one of the allowed types")
    _upload(organiser, PUBLIC_TITLE, "TLP:CLEAR", "handout.pdf", tmp_path)
    _upload(organiser, STRICT_TITLE, "TLP:AMBER+STRICT", "briefing.pdf", tmp_path)
    expect(page.locator("main")).to_contain_text(STRICT_TITLE)
    screenshot(page, "organiser documents")
    organiser.goto(session_page)
    expect(organiser.page.locator(".session-documents")).to_contain_text("Never share onwards")
    screenshot(organiser.page, "organiser session page")

    for width, height in ((1280, 900), (390, 844)):
        visitor = Person(
            new_context(viewport={"width": width, "height": height}).new_page(),
            label=f"visitor {width}",
        )
        visitor.goto(session_page)
        facts = visitor.page.locator(".facts")
        expect(facts).to_contain_text("TLP:GREEN")
        expect(facts).to_contain_text("neither the identity nor the affiliation")
        documents = visitor.page.locator(".session-documents")
        expect(documents).to_contain_text(PUBLIC_TITLE)
        expect(documents).not_to_contain_text(STRICT_TITLE)
        expect(documents).to_contain_text("1 more document")
        fits = visitor.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, f"the session page scrolls sideways at {width} px"
        screenshot(visitor.page, f"visitor session page {width}")
        with visitor.page.expect_download() as download:
            visitor.page.get_by_role("link", name=PUBLIC_TITLE).click()
        assert download.value.suggested_filename == "handout.pdf"
        visitor.goto(f"/events/{SLUG}/agenda/?day=2027-03-23")
        expect(visitor.page.locator(".agenda-grid .tlp-green").first).to_have_text("TLP:GREEN")
        screenshot(visitor.page, f"visitor agenda grid {width}")
    downloads = site.scalar(
        "SELECT count(*) FROM document_downloads d JOIN session_documents s "
        "ON s.id = d.document_id WHERE s.title = :title",
        title=PUBLIC_TITLE,
    )
    assert downloads == 2
