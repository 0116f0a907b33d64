"""Registering online: the form, its errors, moderation mode, consent, mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conference.db_types import utcnow
from conference.extensions import db
from conference.registration.models import AuditEntry, Registration
from tests.factories import make_event, make_open_event, make_user, register
from tests.registration.helpers import actions_of

pytestmark = pytest.mark.usefixtures("app")

FORM = {
    "category": "member_state_expert",
    "organisation": "Ministry of the Interior",
    "country": "AT",
    "job_title": "Head of unit",
    "accessibility_needs": "Step-free access",
    "dietary_needs": "Vegetarian",
    "privacy_consent": "y",
}


def _count_registrations() -> int:
    return db.session.scalar(select(func.count()).select_from(Registration))


def test_register_form_prefills_profile_and_leaves_mailing_list_unticked(login):
    event = make_open_event(
        privacy_notice_url="https://example.eu/privacy", privacy_notice_version="3"
    )
    user = make_user(category="academia")
    user.organisation, user.country = "University of Tartu", "EE"
    db.session.commit()

    page = login(user).get(f"/events/{event.slug}/register").get_data(as_text=True)

    assert 'value="University of Tartu"' in page
    assert '<option selected value="academia">' in page
    assert (
        '<a href="https://example.eu/privacy" rel="noopener">Read the privacy notice</a> (version 3)'
        in page
    )
    mailing = page[
        page.index('id="mailing_list_opt_in"') - 80 : page.index('id="mailing_list_opt_in"') + 80
    ]
    assert "checked" not in mailing
    assert 'name="privacy_consent"' in page
    assert '="None"' not in page  # no attribute rendered from a missing value


def test_automatic_registration_is_approved_and_records_consent(login, smtp_server):
    event = make_open_event(mode="automatic", privacy_notice_version="2027-01")
    user = make_user("eva@example.org", name="Eva Expert")

    response = login(user).post(f"/events/{event.slug}/register", data=FORM)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.slug}/registration")
    registration = db.session.scalar(select(Registration))
    assert registration.status == "approved"
    assert registration.category == "member_state_expert" and not registration.category_verified
    assert (registration.organisation, registration.country, registration.job_title) == (
        "Ministry of the Interior",
        "AT",
        "Head of unit",
    )
    assert registration.accessibility_needs == "Step-free access"
    assert registration.dietary_needs == "Vegetarian"
    assert registration.privacy_consent_version == "2027-01"
    assert registration.privacy_consented_at is not None
    assert registration.mailing_list_opt_in is False
    assert [a[:3] for a in actions_of(registration)] == [
        ("registered", None, "pending"),
        ("approved", "pending", "approved"),
    ]
    [mail] = smtp_server.messages_to("eva@example.org")
    assert mail["Subject"] == f"You are registered: {event.title}"
    assert "You can now book sessions." in smtp_server.text_of(mail)
    assert "awaiting" not in smtp_server.text_of(mail)
    assert f"http://conference.test/events/{event.slug}/registration" in smtp_server.html_of(mail)


def test_moderated_registration_waits_for_an_organiser(login, smtp_server):
    event = make_open_event(mode="moderated")
    user = make_user("lena@example.org")
    client = login(user)

    client.post(f"/events/{event.slug}/register", data={**FORM, "mailing_list_opt_in": "y"})
    page = client.get(f"/events/{event.slug}/registration").get_data(as_text=True)

    registration = db.session.scalar(select(Registration))
    assert registration.status == "pending" and registration.mailing_list_opt_in is True
    assert "Pending approval" in page and "The organisers will review it" in page
    assert "Claimed: awaiting verification" in page
    [mail] = smtp_server.messages_to("lena@example.org")
    assert mail["Subject"].startswith("We received your registration")
    assert "we will email you their decision" in smtp_server.text_of(mail)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("category", "", "Choose your stakeholder category."),
        ("category", "spy", "Not a valid choice"),
        ("organisation", "", "Give the organisation you work for."),
        ("country", "", "Choose a country from the list."),
        ("country", "XX", "Not a valid choice"),
        ("privacy_consent", None, "You must agree to the privacy notice to register."),
        ("dietary_needs", "x" * 2001, "Field cannot be longer than 2000 characters."),
    ],
)
def test_form_errors_are_shown_next_to_their_field_and_nothing_is_written(
    login, field, value, message
):
    event = make_open_event()
    data = dict(FORM)
    if value is None:
        del data[field]
    else:
        data[field] = value

    response = login(make_user()).post(f"/events/{event.slug}/register", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page[page.index(f'id="{field}-error"') :]
    assert message in error[: error.index("</p>")]
    assert (
        f'aria-describedby="{field}' in page
        or f'aria-describedby="{field}-hint {field}-error"' in page
    )
    assert _count_registrations() == 0


def test_registering_twice_is_refused_with_a_conflict(login, app):
    event = make_open_event()
    user = make_user()
    register(event, user)
    client = login(user)

    form_page = client.get(f"/events/{event.slug}/register")
    direct = client.post(f"/events/{event.slug}/register", data=FORM)

    assert form_page.status_code == 302  # to "your registration"
    assert direct.status_code == 409
    assert "You are already registered for this event." in direct.get_data(as_text=True)
    assert _count_registrations() == 1


def test_a_rejected_attendee_cannot_register_again(login):
    from conference.registration.moderation import reject

    event = make_open_event(mode="moderated")
    user = make_user()
    reject(register(event, user), actor=None, reason="Not eligible")
    db.session.commit()

    response = login(user).post(f"/events/{event.slug}/register", data=FORM)

    assert response.status_code == 409
    assert "was not accepted" in response.get_data(as_text=True)
    assert db.session.scalar(select(Registration.status)) == "rejected"


def test_registering_twice_through_the_service_is_a_409():
    from conference.errors import AlreadyRegistered
    from conference.registration.services import register as register_service
    from tests.factories import registration_details

    event = make_open_event()
    user = make_user()
    register(event, user)

    with pytest.raises(AlreadyRegistered) as refused:
        register_service(event, user, registration_details())
    assert refused.value.status_code == 409
    assert "already registered" in refused.value.message


@pytest.mark.parametrize(
    "window",
    [
        {"registration_opens_at": utcnow() + timedelta(days=2)},
        {
            "registration_opens_at": utcnow() - timedelta(days=5),
            "registration_closes_at": utcnow() - timedelta(days=1),
        },
    ],
)
def test_registration_outside_the_window_is_refused(login, window):
    event = make_event(registration_mode="automatic", **window)

    response = login(make_user()).post(f"/events/{event.slug}/register", data=FORM)

    assert response.status_code == 403
    assert "Registration for this event is not open" in response.get_data(as_text=True)
    assert _count_registrations() == 0


def test_draft_event_registration_is_a_404(login):
    event = make_event(published=False)

    response = login(make_user()).post(f"/events/{event.slug}/register", data=FORM)

    assert response.status_code == 404
    assert _count_registrations() == 0


def test_anonymous_visitor_is_sent_to_log_in(client):
    event = make_open_event()

    response = client.get(f"/events/{event.slug}/register")

    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_event_page_links_to_register_then_to_your_registration(login):
    event = make_open_event()
    user = make_user()
    client = login(user)

    before = client.get(f"/events/{event.slug}/").get_data(as_text=True)
    register(event, user)
    after = client.get(f"/events/{event.slug}/").get_data(as_text=True)

    assert f'href="/events/{event.slug}/register">Register</a>' in before
    assert f'href="/events/{event.slug}/registration">Your registration</a>' in after


def test_cancelled_registration_can_register_again(login):
    event = make_open_event(mode="moderated")
    user = make_user()
    registration = register(event, user)
    client = login(user)
    client.post(f"/events/{event.slug}/registration/cancel", data={"confirm": "yes"})

    response = client.post(f"/events/{event.slug}/register", data=FORM)

    assert response.status_code == 302
    db.session.refresh(registration)
    assert registration.status == "pending"
    assert [a[:3] for a in actions_of(registration)] == [
        ("registered", None, "pending"),
        ("cancelled", "pending", "cancelled"),
        ("registered", "cancelled", "pending"),
    ]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 3
