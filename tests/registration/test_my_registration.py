"""'Your registration': the badge, the personal calendar, the bookings and the claim's state
(never a closed session's details), and the approval mail that carries badge and calendar."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select

from conference.extensions import db
from conference.feeds.models import CalendarToken, FeedKind
from conference.registration import moderation
from conference.registration.booking import book_session
from conference.registration.models import AuditEntry
from tests.factories import make_open_event, make_session, make_staff, make_user, register
from tests.registration.helpers import deliver_mail, drain_mail

pytestmark = pytest.mark.usefixtures("app")

HIDDEN_TITLE = "Briefing on the Kestrel investigation"
CLOSED_TITLE = "Closed-door exchange on Operation Heron"


def _token(user) -> str | None:
    return db.session.scalar(
        select(CalendarToken.token).where(
            CalendarToken.user_id == user.id, CalendarToken.kind == FeedKind.PERSONAL.value
        )
    )


def _page(login, user, event) -> str:
    response = login(user).get(f"/events/{event.slug}/registration")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_page_shows_badge_calendar_and_bookings(login):
    event = make_open_event(mode="automatic")
    user = make_user(name="Ilse Attendee")
    registration = register(event, user)
    session = make_session(event, title="Supply-chain screening")
    book_session(registration, session, actor=user)
    db.session.commit()

    page = _page(login, user, event)

    token = _token(user)
    assert token is not None
    assert f'href="/events/{event.slug}/badge.pdf"' in page
    assert f"webcal://conference.test/calendar/{token}.ics" in page
    assert f"http://conference.test/calendar/{token}.ics" in page
    assert "Supply-chain screening" in page and "Seat booked" in page
    # No category verified: the badge says so before anyone prints it.
    assert "Its band reads Participant." in page


def test_without_a_calendar_address_a_post_button_makes_one_and_a_get_writes_nothing(login):
    event = make_open_event(mode="automatic")
    user = make_user()
    register(event, user)
    db.session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))
    db.session.commit()
    client = login(user)

    page = client.get(f"/events/{event.slug}/registration").get_data(as_text=True)

    assert _token(user) is None
    assert "Create my calendar address" in page and 'action="/account/calendar/rotate"' in page
    assert f'name="next" value="/events/{event.slug}/registration"' in page
    response = client.post(
        "/account/calendar/rotate", data={"next": f"/events/{event.slug}/registration"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event.slug}/registration#calendar"
    token = _token(user)
    assert token is not None
    assert f"/calendar/{token}.ics" in client.get(f"/events/{event.slug}/registration").text


def test_the_return_address_after_making_a_calendar_address_stays_on_the_site(login):
    user = make_user()
    response = login(user).post("/account/calendar/rotate", data={"next": "//evil.example/x"})

    assert response.headers["Location"] == "/account/profile#calendar"


def test_a_pending_registration_has_no_badge_link_yet(login):
    event = make_open_event(mode="moderated")
    user = make_user()
    register(event, user)

    page = _page(login, user, event)

    assert "badge.pdf" not in page
    assert "Your badge is here once your registration is approved." in page


def test_a_reissued_badge_asks_for_a_new_download(login):
    event = make_open_event(mode="automatic")
    organiser = make_staff(event, "organiser")
    user = make_user()
    registration = register(event, user, category="member_state_expert")
    login(user).get(f"/events/{event.slug}/badge.pdf")  # issued on the first download
    moderation.verify_category(registration, actor=organiser)
    db.session.commit()

    page = _page(login, user, event)

    assert "reissued (version 2)" in page and "download it again" in page
    assert "Its band reads Member State expert." in page


@pytest.mark.parametrize("state", ["claimed", "verified", "refused"])
def test_claim_state_is_shown_without_any_closed_session_details(login, state):
    event = make_open_event(mode="automatic")
    organiser = make_staff(event, "organiser")
    user = make_user()
    registration = register(event, user, category="member_state_expert")
    hidden = make_session(
        event, title=HIDDEN_TITLE, restricted_to=["member_state_expert"], visibility="hidden"
    )
    make_session(event, title=CLOSED_TITLE, restricted_to=["practitioner"], visibility="listed")
    if state == "verified":
        moderation.verify_category(registration, actor=organiser)
        book_session(registration, hidden, actor=user)
    elif state == "refused":
        moderation.refuse_category(
            registration, actor=organiser, reason="Please send a letter from your ministry."
        )
    db.session.commit()

    page = _page(login, user, event)

    expected = {
        "claimed": "Claimed: awaiting verification",
        "verified": "Verified",
        "refused": "Not confirmed",
    }[state]
    assert f'<span class="tag tag-claim-{state}">{expected}</span>' in page
    assert "sessions restricted to Member State experts" in page
    assert CLOSED_TITLE not in page  # restricted to another category: never named
    if state == "verified":
        assert HIDDEN_TITLE in page  # booked, and open to them
    else:
        assert HIDDEN_TITLE not in page and "Kestrel" not in page
    if state == "refused":
        assert "Reason given: Please send a letter from your ministry." in page
    else:
        assert "Reason given" not in page


def test_organiser_refuses_a_claim_with_a_reason_from_the_registration_page(login):
    event = make_open_event(mode="automatic")
    organiser = make_staff(event, "organiser")
    registration = register(event, make_user(), category="member_state_expert", verified=True)
    client = login(organiser)
    url = f"/events/{event.slug}/manage/registrations/{registration.id}"
    assert "Refuse the claimed category" in client.get(url).text

    response = client.post(f"{url}/refuse_category", data={"claim-reason": "Not a ministry"})

    assert response.status_code == 303
    db.session.expire_all()
    assert registration.category_refused and not registration.category_verified
    assert registration.category_refusal_reason == "Not a ministry"
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.registration_id == registration.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions[-1] == "category_refused"
    assert "refused" in client.get(url).text and "Not a ministry" in client.get(url).text
    # Verifying afterwards clears the refusal.
    moderation.verify_category(registration, actor=organiser)
    db.session.commit()
    assert registration.category_claim_state == "verified"
    assert registration.category_refusal_reason == ""


def _links_in(text: str) -> set[str]:
    return set(re.findall(r"(?:https?|webcal)://[^\s\"<>]+", text))


@pytest.mark.parametrize("mode", ["automatic", "moderated"])
def test_approval_mail_carries_the_badge_and_the_personal_calendar(smtp_server, mode):
    event = make_open_event(mode=mode)
    organiser = make_staff(event, "organiser")
    user = make_user("mia@example.org", name="Mia Attendee")
    drain_mail(smtp_server)
    registration = register(event, user)
    if mode == "moderated":
        deliver_mail()
        smtp_server.clear()
        moderation.approve(registration, actor=organiser)
        db.session.commit()
    deliver_mail()

    [mail] = smtp_server.messages_to("mia@example.org")
    token = _token(user)
    badge = f"http://conference.test/events/{event.slug}/badge.pdf"
    https = f"http://conference.test/calendar/{token}.ics"
    webcal = f"webcal://conference.test/calendar/{token}.ics"
    for body in (smtp_server.text_of(mail), smtp_server.html_of(mail)):
        assert {badge, https, webcal} <= _links_in(body)
    text = smtp_server.text_of(mail)
    assert "Your badge (PDF" in text and "Your personal calendar" in text


def test_mail_before_approval_carries_neither_badge_nor_calendar(smtp_server):
    event = make_open_event(mode="moderated")
    user = make_user("pat@example.org")
    drain_mail(smtp_server)
    register(event, user)
    deliver_mail()

    [mail] = smtp_server.messages_to("pat@example.org")
    assert "badge" not in smtp_server.text_of(mail).lower()
    assert "/calendar/" not in smtp_server.text_of(mail) + smtp_server.html_of(mail)


@pytest.mark.parametrize("state", ["claimed", "refused", "verified_other"])
def test_a_closed_session_page_tells_a_claimer_about_their_claim_and_nothing_more(login, state):
    event = make_open_event(mode="automatic")
    organiser = make_staff(event, "organiser")
    user = make_user()
    category = "academia" if state == "verified_other" else "member_state_expert"
    registration = register(event, user, category=category)
    closed = make_session(
        event, title=CLOSED_TITLE, restricted_to=["member_state_expert"], visibility="listed"
    )
    if state == "refused":
        moderation.refuse_category(registration, actor=organiser, reason="")
    elif state == "verified_other":
        moderation.verify_category(registration, actor=organiser)
    db.session.commit()

    page = login(user).get(f"/events/{event.slug}/sessions/{closed.id}/").text

    assert "This is a closed session" in page and CLOSED_TITLE not in page
    if state == "verified_other":
        assert "See your registration" not in page
    else:
        words = "not confirmed" if state == "refused" else "awaiting verification"
        assert f"Your stakeholder category is {words} by the organisers" in page
        assert f'href="/events/{event.slug}/registration#claim"' in page
