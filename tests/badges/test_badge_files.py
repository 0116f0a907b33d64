"""Badge downloads and printing, read back by a real QR decoder (zxing-cpp)."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from PIL import Image

from conference.badges import signing, tokens
from conference.badges.models import Badge
from conference.extensions import db
from tests.badges.helpers import badge_for
from tests.factories import make_event, make_registration, make_staff, make_user
from tests.qr import read_qr_codes


@pytest.fixture
def event(app):
    return make_event(
        slug="flagship-2027", title="European Flagship Conference on Research Security"
    )


def _decode(image: Image.Image) -> list[str]:
    return [result.text for result in read_qr_codes(image)]


def _pdf_pages(data: bytes, dpi: int = 150) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(data)
    return [page.render(scale=dpi / 72).to_pil() for page in document]


def _pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def _assert_verifies(event, code: str) -> None:
    parsed = tokens.parse_token(code)
    key = signing.get_key(event, parsed.claims.key_id_hex)
    assert tokens.verify_signature(parsed, signing.public_key_of(key))
    assert parsed.claims.event_id == event.id


def test_attendee_downloads_a_png_qr_that_decodes_to_a_valid_code(login, event):
    user = make_user(name="Inês Silva")
    make_registration(event, user)

    response = login(user).get("/events/flagship-2027/badge.png")

    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, no-store"
    image = Image.open(io.BytesIO(response.data))
    [code] = _decode(image)
    _assert_verifies(event, code)
    assert "Silva" not in code and "Inês" not in code
    badge = db.session.query(Badge).one()
    assert code == badge.token
    # Quiet zone: 4 modules (10 px each) of white on every side.
    assert image.convert("L").crop((0, 0, image.width, 40)).getextrema() == (255, 255)


def test_attendee_downloads_an_a6_pdf_badge_whose_qr_scans(login, event):
    user = make_user(name="Zoë Papadopoulos")
    registration = make_registration(event, user, category="member_state_expert", verified=True)
    registration.organisation = "Hellenic Ministry of Citizen Protection"
    registration.country = "GR"
    db.session.commit()

    response = login(user).get("/events/flagship-2027/badge.pdf")

    assert response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.data)
    width, height = document[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (105, 148)  # A6 in mm
    [code] = _decode(_pdf_pages(response.data)[0])
    _assert_verifies(event, code)
    text = _pdf_text(response.data)
    for expected in (
        "Zoë Papadopoulos",
        "Hellenic Ministry of Citizen Protection",
        "Greece",
        "MEMBER STATE EXPERT",
        "European Flagship Conference on Research Security",
    ):
        assert expected in text


def test_qr_on_the_pdf_is_at_least_25_mm_wide(login, event):
    user = make_user()
    make_registration(event, user)
    data = login(user).get("/events/flagship-2027/badge.pdf").data
    dpi = 150

    [result] = read_qr_codes(_pdf_pages(data, dpi)[0])

    position = result.position
    width_px = abs(position.top_right.x - position.top_left.x)
    assert width_px / dpi * 25.4 >= 25


def test_svg_download_is_an_svg_of_the_same_code(login, event):
    user = make_user()
    make_registration(event, user)

    response = login(user).get("/events/flagship-2027/badge.svg")

    assert response.mimetype == "image/svg+xml"
    assert response.data.lstrip().startswith(b"<?xml") and b"<svg" in response.data


@pytest.mark.parametrize("status", ["pending", "cancelled", "rejected"])
def test_no_badge_without_an_approved_registration(login, event, status):
    user = make_user()
    make_registration(event, user, status=status)

    for suffix in ("", ".pdf", ".png", ".svg"):
        assert login(user).get(f"/events/flagship-2027/badge{suffix}").status_code == 404
    assert db.session.query(Badge).count() == 0


def test_badge_page_links_the_downloads(login, event):
    user = make_user(name="Aoife O'Brien")
    make_registration(event, user)

    page = login(user).get("/events/flagship-2027/badge").get_data(as_text=True)

    assert "Aoife O&#39;Brien" in page
    assert "/events/flagship-2027/badge.pdf" in page and "/events/flagship-2027/badge.png" in page


@pytest.mark.parametrize(("layout", "pages"), [("a6", 5), ("a4", 2)])
def test_organiser_prints_every_badge_as_one_pdf(login, event, layout, pages):
    organiser = make_staff(event, "organiser")
    for i in range(5):
        make_registration(event, make_user(name=f"Person {i}"))
    make_registration(event, make_user(name="Not Approved"), status="pending")

    response = login(organiser).get(
        f"/events/flagship-2027/manage/badges/print.pdf?layout={layout}"
    )

    assert response.mimetype == "application/pdf"
    images = _pdf_pages(response.data, dpi=150)
    assert len(images) == pages
    codes = [code for image in images for code in _decode(image)]
    assert len(codes) == 5
    for code in codes:
        _assert_verifies(event, code)
    assert "Not Approved" not in _pdf_text(response.data)


def test_organiser_prints_a_filtered_set(login, event):
    organiser = make_staff(event, "organiser")
    badge_for(event, name="Verified Expert", category="member_state_expert", verified=True)
    badge_for(event, name="Unverified Expert", category="member_state_expert")
    badge_for(event, name="Academic", category="academia")

    response = login(organiser).get(
        "/events/flagship-2027/manage/badges/print.pdf"
        "?category=member_state_expert&verified_only=y&layout=a6"
    )

    text = _pdf_text(response.data)
    assert "Verified Expert" in text
    assert "Unverified Expert" not in text and "Academic" not in text


def test_a4_sheet_has_cut_marks_and_four_badges(login, event):
    organiser = make_staff(event, "organiser")
    for i in range(4):
        badge_for(event, name=f"Person {i}")

    data = login(organiser).get("/events/flagship-2027/manage/badges/print.pdf?layout=a4").data

    [page] = _pdf_pages(data, dpi=100)
    assert len(_decode(page)) == 4
    gray = page.convert("L")
    middle = page.width // 2
    # A cut mark at the top edge, on the vertical cut line (and white beside it).
    assert gray.getpixel((middle, 5)) < 128 and gray.getpixel((middle + 15, 5)) > 200


def test_organiser_reissues_a_badge_from_the_page(login, event):
    organiser = make_staff(event, "organiser")
    _, badge = badge_for(event, name="Lost Badge")
    old = badge.token

    response = login(organiser).post(
        f"/events/flagship-2027/manage/badges/{badge.public_id}/reissue", data={"confirm": "yes"}
    )

    db.session.refresh(badge)
    assert response.status_code == 302
    assert badge.version == 2 and badge.token != old


def test_badge_management_is_for_organisers_only(login, event):
    door = make_staff(event, "door_staff")
    _, badge = badge_for(event)

    client = login(door)
    for path in ("", "print.pdf", "keys", "devices", f"{badge.public_id}.pdf"):
        assert client.get(f"/events/flagship-2027/manage/badges/{path}").status_code == 403
    assert (
        client.post(f"/events/flagship-2027/manage/badges/{badge.public_id}/reissue").status_code
        == 403
    )


def test_badges_page_lists_and_filters(login, event):
    organiser = make_staff(event, "organiser")
    badge_for(event, name="Chloé Dupont", category="policy_maker")
    badge_for(event, name="Jürgen Müller", category="industry")
    make_registration(event, make_user(name="No Badge Yet"))

    page = (
        login(organiser)
        .get("/events/flagship-2027/manage/badges/?name=chlo")
        .get_data(as_text=True)
    )

    assert "Chloé Dupont" in page and "Jürgen Müller" not in page
    assert "1 approved registration(s) have no badge yet" in page


def test_key_rotation_page_keeps_old_badges_valid(login, event):
    organiser = make_staff(event, "organiser")
    _, badge = badge_for(event)
    client = login(organiser)

    client.post("/events/flagship-2027/manage/badges/keys/rotate")
    page = client.get("/events/flagship-2027/manage/badges/keys").get_data(as_text=True)

    assert "Retired" in page and "Active" in page and "BEGIN PUBLIC KEY" in page
    _assert_verifies(event, badge.token)
