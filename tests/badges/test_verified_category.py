"""A badge prints a category only when it is verified; a change of verification reissues it
(the old code is refused at the door), and names in any script print without boxes."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from conference.badges import pdf, services
from conference.badges.answers import answer_json
from conference.badges.models import Badge
from conference.extensions import db
from conference.registration import moderation
from tests.badges.helpers import badge_for, scan_at
from tests.factories import make_event, make_staff
from tests.registration.helpers import deliver_mail, drain_mail


@pytest.fixture
def event(app):
    return make_event(slug="verified-2027", title="Research Security Days")


@pytest.fixture
def organiser(event):
    return make_staff(event, "organiser", name="Olga Organiser")


@pytest.fixture
def door(event):
    return make_staff(event, "door_staff", name="Door Person")


def _text(data: bytes) -> str:
    """The PDF's text as an independent reader (pypdf) extracts it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _badge_text(login, registration) -> str:
    response = login(registration.user).get("/events/verified-2027/badge.pdf")
    assert response.status_code == 200
    return _text(response.data)


def _badge(registration) -> Badge:
    db.session.expire_all()
    return db.session.query(Badge).filter_by(registration_id=registration.id).one()


def test_claimed_category_is_not_printed_until_verified(login, event, organiser):
    registration, _ = badge_for(event, name="Mara Expert", category="member_state_expert")

    unverified = _badge_text(login, registration)
    moderation.verify_category(registration, actor=organiser)
    db.session.commit()
    verified = _badge_text(login, registration)
    moderation.unverify_category(registration, actor=organiser)
    db.session.commit()
    withdrawn = _badge_text(login, registration)

    assert "PARTICIPANT" in unverified and "MEMBER STATE EXPERT" not in unverified
    assert "MEMBER STATE EXPERT" in verified and "PARTICIPANT" not in verified
    assert "PARTICIPANT" in withdrawn and "MEMBER STATE EXPERT" not in withdrawn
    # Each change of verification is a new version, printed on the badge.
    assert "v1" in unverified and "v2" in verified and "v3" in withdrawn


@pytest.mark.parametrize("change", ["verify", "unverify", "refuse"])
def test_a_change_of_verification_reissues_and_the_door_refuses_the_old_code(
    event, organiser, door, change
):
    registration, badge = badge_for(
        event, category="member_state_expert", verified=change != "verify"
    )
    old_code = badge.token

    if change == "verify":
        assert moderation.verify_category(registration, actor=organiser)
    elif change == "unverify":
        assert moderation.unverify_category(registration, actor=organiser)
    else:
        assert moderation.refuse_category(registration, actor=organiser, reason="No letter")
    db.session.commit()

    badge = _badge(registration)
    assert badge.version == 2 and badge.token != old_code
    old = answer_json(scan_at(event, old_code, door), door)
    new = answer_json(scan_at(event, badge.token, door), door)
    assert (old["result"], old["reason"]) == ("refused", "revoked_badge")
    assert "replaced by a newer one" in old["message"]
    assert (new["result"], new["reason"]) == ("accepted", "checked_in")
    # The door says what the badge prints: verified, or not.
    assert new["attendee"]["category_verified"] is (change == "verify")


def test_nothing_changed_means_no_reissue(event, organiser):
    verified, _ = badge_for(event, category="academia", verified=True)
    claimed, _ = badge_for(event, category="academia")

    assert not moderation.verify_category(verified, actor=organiser)
    assert not moderation.unverify_category(claimed, actor=organiser)
    # Refusing a claim that was never verified changes nothing printed.
    assert moderation.refuse_category(claimed, actor=organiser, reason="")
    db.session.commit()

    assert _badge(verified).version == 1 and _badge(claimed).version == 1


def test_bulk_verification_reissues_each_badge_and_a_revoked_badge_stays_revoked(event, organiser):
    first, _ = badge_for(event, name="First", category="industry")
    second, revoked = badge_for(event, name="Second", category="industry")
    services.revoke_badge(revoked, actor=organiser)
    db.session.commit()

    changed, problems = moderation.bulk_moderate(
        event, [first.id, second.id], "verify", actor=organiser
    )
    db.session.commit()

    assert (changed, problems) == (2, [])
    assert _badge(first).version == 2
    assert _badge(second).version == 1 and _badge(second).is_revoked


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("Ελένη Παπαδοπούλου", "Ελένη Παπαδοπούλου"),
        ("Юлия Ковалёва", "Юлия Ковалёва"),
        ("Zoë Ñúñez-Ærøskøbing", "Zoë Ñúñez-Ærøskøbing"),
        # NFD accents are printed composed.
        ("Zoe\u0308 Bjo\u0308rk", "Zoë Björk"),
        # Emoji: dropped (outside the fonts or the PDF text layer), never boxes.
        ("Ana 😀 Novák", "Ana Novák"),
        ("Ana Novák 👍🏽", "Ana Novák"),
        ("👩‍🔬 Maria Curie", "Maria Curie"),
        # A letter no font has is spelled in Latin letters (mathematical bold A).
        ("\U0001d400nna", "Anna"),
    ],
)
def test_names_in_any_script_print_as_text_without_boxes(login, event, name, printed):
    registration, _ = badge_for(event, name=name, category="academia")

    text = _badge_text(login, registration)

    lines = [line.strip() for line in text.splitlines()]
    assert printed in lines
    assert pdf.printable_text(name, bold=True) == printed
    assert not any(c in text for c in "\x00\ufffd\u25a1")  # no NULs, replacement chars, boxes


def test_a_symbol_the_font_has_is_printed(login, event):
    registration, _ = badge_for(event, name="Ana ❤️ Novák", category="academia")

    assert "Ana ❤ Novák" in _badge_text(login, registration)


def test_badge_page_previews_what_the_pdf_prints(login, event, organiser):
    registration, _ = badge_for(event, name="Ana 😀 Novák", category="member_state_expert")
    client = login(registration.user)

    before = client.get("/events/verified-2027/badge").text
    moderation.verify_category(registration, actor=organiser)
    db.session.commit()
    after = client.get("/events/verified-2027/badge").text

    assert '<p class="category-band category-none">Participant</p>' in before
    assert "once the organisers verify your category" in before
    assert '<p class="badge-preview-name">Ana Novák</p>' in before
    assert '<p class="category-band category-member_state_expert">Member State expert</p>' in after
    assert "once the organisers verify" not in after and "version 2" in after


@pytest.mark.parametrize("change", ["verify", "refuse"])
def test_the_holder_is_told_their_badge_was_renewed(login, event, organiser, smtp_server, change):
    registration, _ = badge_for(event, category="member_state_expert", verified=change == "refuse")
    user = registration.user
    drain_mail(smtp_server)
    url = f"/events/verified-2027/manage/registrations/{registration.id}"

    if change == "verify":
        response = login(organiser).post(f"{url}/verify")
    else:
        response = login(organiser).post(f"{url}/refuse_category", data={"claim-reason": "No ID"})

    assert response.status_code == 303
    [mail] = smtp_server.messages_to(user.email)
    assert mail["Subject"] == "Your badge is renewed: Research Security Days"
    text = smtp_server.text_of(mail)
    assert "new QR code (version 2)" in text
    assert "http://conference.test/events/verified-2027/badge.pdf" in text
    if change == "verify":
        assert "your badge now shows Member State expert." in " ".join(text.split())
    else:
        assert "now reads Participant" in text and "Reason given: No ID" in text


def test_no_badge_no_renewal_mail(event, organiser, smtp_server):
    registration, _ = badge_for(event, category="member_state_expert", status="pending")
    drain_mail(smtp_server)

    moderation.verify_category(registration, actor=organiser)
    db.session.commit()
    deliver_mail()

    assert smtp_server.messages_to(registration.user.email) == []
