"""Small things a new attendee meets (issue 15): the demo's privacy notice and consent, and a
single checkbox on the line of its label."""

from __future__ import annotations

import re

from sqlalchemy import select

from conference.accounts.models import User
from conference.accounts.services import get_user_by_email
from conference.demo import seed_demo
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Registration
from tests.factories import make_open_event, make_registration, make_user


def test_demo_accounts_are_confirmed_and_their_registrations_record_consent(app, login):
    seed_demo()
    db.session.commit()
    flagship = db.session.scalar(select(Event).where(Event.slug == "flagship-2027"))
    attendee = get_user_by_email("attendee@demo.ceris.eu")

    page = login(attendee).get("/events/flagship-2027/registration").get_data(as_text=True)

    demo_users = db.session.scalars(select(User).where(User.email.like("%@demo.ceris.eu")))
    assert all(user.email_verified for user in demo_users)
    registration = db.session.scalar(
        select(Registration).where(Registration.user_id == attendee.id)
    )
    assert registration.privacy_consent_version == flagship.privacy_notice_version == "1"
    assert "None" not in page
    assert "version 1, agreed" in page


def test_demo_events_link_a_privacy_notice_the_site_serves(app, login):
    seed_demo()
    db.session.commit()
    flagship = db.session.scalar(select(Event).where(Event.slug == "flagship-2027"))
    newcomer = login(make_user())

    form = newcomer.get("/events/flagship-2027/register").get_data(as_text=True)
    notice = app.test_client().get(
        flagship.privacy_notice_url.removeprefix("http://conference.test")
    )

    assert flagship.privacy_notice_url == "http://conference.test/static/demo/privacy-notice.html"
    assert (
        f'<a href="{flagship.privacy_notice_url}" rel="noopener">Read the privacy notice</a>'
        in form
    )
    assert notice.status_code == 200
    assert "Privacy notice of the demo events (version 1)" in notice.get_data(as_text=True)
    notice.close()
    seed_demo()  # idempotent: the address is kept, not duplicated or lost
    assert flagship.privacy_notice_url.endswith("/static/demo/privacy-notice.html")


def test_a_registration_without_recorded_consent_says_so(app, login):
    event = make_open_event()
    registration = make_registration(event)

    page = login(registration.user).get(f"/events/{event.slug}/registration").get_data(as_text=True)

    assert "version None" not in page
    assert "no agreement recorded: the organisers registered you" in page


def test_a_single_checkbox_sits_before_its_label_on_one_line(app, login):
    event = make_open_event()

    page = login(make_user()).get(f"/events/{event.slug}/register").get_data(as_text=True)

    field = re.search(
        r'<div class="field field-check">\s*(<input[^>]*>)\s*(<label[^>]*>[^<]*</label>)', page
    )
    assert field, "the mailing-list checkbox is not rendered as a checkbox row"
    assert 'id="mailing_list_opt_in"' in field.group(1)
    assert 'for="mailing_list_opt_in"' in field.group(2)
    css = app.test_client().get("/static/css/site.css")
    assert ".field-check { display: grid; grid-template-columns: auto 1fr;" in css.get_data(
        as_text=True
    )
    css.close()
