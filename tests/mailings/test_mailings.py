"""Organisers mail registrants: placeholders, audiences, preview, test, outbox, audit, progress."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conference.extensions import db
from conference.mail.models import OutboxMessage
from conference.mail.services import deliver_outbox
from conference.mailings import placeholders, services
from conference.mailings.models import MailingRecipient
from conference.registration import booking as bookings
from conference.registration.models import AuditEntry
from tests.badges.helpers import badge_for, scan_at
from tests.factories import make_event, make_session, make_staff

BODY = "Dear {name},\n\nsee you at {event} ({dates}). Your page: {registration_url}\n{{braces}}"


@pytest.fixture
def event(app):
    return make_event(slug="mail-2027", title="Mail test", venue="Brussels")


@pytest.fixture
def organiser(event):
    return make_staff(event, "organiser", name="Olga Organiser")


@pytest.mark.parametrize(
    "template",
    ["{nom}", "{name.__class__}", "{name!r}", "{name:>10}", "{}", "{0}", "unclosed {name", "}"],
)
def test_templates_with_anything_but_the_placeholders_are_refused(template):
    with pytest.raises(placeholders.TemplateError):
        placeholders.check(template)


def test_placeholders_are_replaced_as_plain_text():
    rendered = placeholders.render("Hi {name} {{x}}", {"name": "{event} <b>Ana</b>"})

    assert rendered == "Hi {event} <b>Ana</b> {x}"


def _people(event):
    """Approved practitioner booked and checked in; approved academic; pending practitioner."""
    booked, booked_badge = badge_for(event, name="Bea Booked", category="practitioner")
    plain, _ = badge_for(event, name="Al Academic", category="academia")
    badge_for(event, name="Pat Pending", category="practitioner", status="pending")
    session = make_session(event, title="Workshop", capacity=5)
    bookings.book_session(booked, session, actor=None)
    db.session.commit()
    door = make_staff(event, "door_staff")
    scan_at(event, booked_badge.token, door)
    return session, booked, plain


def _names(event, audience):
    return [r.user.name for r in db.session.scalars(services.recipients_query(event, audience))]


def test_audiences_by_state_category_session_and_check_in(event):
    session, _, _ = _people(event)

    assert _names(event, services.Audience()) == ["Al Academic", "Bea Booked", "Pat Pending"]
    assert _names(event, services.Audience(status="approved")) == ["Al Academic", "Bea Booked"]
    assert _names(event, services.Audience(category="practitioner")) == [
        "Bea Booked",
        "Pat Pending",
    ]
    assert _names(event, services.Audience(session_id=session.id)) == ["Bea Booked"]
    assert _names(event, services.Audience(checked_in="yes")) == ["Bea Booked"]
    assert _names(event, services.Audience(status="approved", checked_in="no")) == ["Al Academic"]


def test_sending_queues_one_message_each_in_the_outbox_and_audits_it(event, organiser, smtp_server):
    _people(event)
    audience = services.Audience(status="approved")

    mailing = services.send(event, audience, "News for {name}", BODY, actor=organiser, expected=2)
    db.session.commit()

    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.recipient, m.subject) for m in messages] == [
        (r.user.email, f"News for {r.user.name}")
        for r in db.session.scalars(services.recipients_query(event, audience))
    ]
    assert "Dear Al Academic,\n\nsee you at Mail test" in messages[0].text_body
    assert "http://conference.test/events/mail-2027/registration" in messages[0].text_body
    assert messages[0].text_body.endswith("{braces}") and messages[0].html_body is None
    assert db.session.query(MailingRecipient).count() == 2
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mailed")).all()
    assert sorted(a.detail for a in audits) == ["News for {name}"] * 2
    assert {a.actor_id for a in audits} == {organiser.id}
    assert mailing.audience == "Approved"
    assert services.progress(mailing).sent == 0

    deliver_outbox()

    shown = services.progress(mailing)
    assert (shown.total, shown.sent, shown.failed, shown.waiting) == (2, 2, 0, 0)
    assert len(smtp_server.messages) == 2


def test_a_changed_audience_is_not_mailed(event, organiser):
    _people(event)

    with pytest.raises(services.MailingError) as refused:
        services.send(event, services.Audience(), "Hi", "Hello {name}", actor=organiser, expected=2)

    assert refused.value.code == "audience_changed"
    assert db.session.query(OutboxMessage).count() == 0


def test_a_test_message_goes_to_the_organiser_only(event, organiser):
    _people(event)

    services.send_test(
        event, services.Audience(status="approved"), "Hi {name}", "Hello {name}", actor=organiser
    )

    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == organiser.email
    assert message.subject == "[Test] Hi Al Academic"
    assert "it will go to 2 registrant(s)" in message.text_body
    assert db.session.query(AuditEntry).filter_by(action="mailed").count() == 0


def test_only_organisers_mail(event):
    door = make_staff(event, "door_staff")

    with pytest.raises(services.PermissionDenied):
        services.preview(event, services.Audience(), "Hi", "Hello", actor=door)


def test_compose_page_previews_tests_and_sends(login, event, organiser, smtp_server):
    _people(event)
    client = login(organiser)
    data = {"status": "approved", "subject": "Hello {name}", "body": BODY}

    preview = client.post("/events/mail-2027/manage/mailings", data={**data, "preview": "y"})
    bad = client.post(
        "/events/mail-2027/manage/mailings", data={**data, "body": "{nom}", "preview": "y"}
    )
    test = client.post("/events/mail-2027/manage/mailings", data={**data, "test": "y"})
    sent = client.post(
        "/events/mail-2027/manage/mailings", data={**data, "send": "y", "expected": "2"}
    )

    page = preview.get_data(as_text=True)
    assert "Preview: 2 registrant(s) will get this" in page and "Hello Al Academic" in page
    assert bad.status_code == 422 and "Unknown placeholder {nom}" in bad.get_data(as_text=True)
    assert f"A test message was sent to {organiser.email}" in test.get_data(as_text=True)
    assert sent.status_code == 302
    progress = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "for 2 registrant(s): Approved" in progress
    mailing_id = int(sent.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    body = client.get(f"/api/v1/events/mail-2027/mailings/{mailing_id}").get_json()
    assert body["total"] == 2 and body["sent"] + body["waiting"] + body["failed"] == 2
    assert len(smtp_server.messages_to(organiser.email)) == 1


def test_mailings_are_for_organisers_and_of_their_event(login, event, organiser):
    _people(event)
    mailing = services.send(
        event, services.Audience(status="approved"), "Hi", "Hello", actor=organiser, expected=2
    )
    db.session.commit()
    other = make_event(slug="other-2027")
    door = make_staff(event, "door_staff", name="Door Two")

    assert login(door).get("/events/mail-2027/manage/mailings").status_code == 403
    client = login(make_staff(other, "organiser", name="Other Organiser"))
    assert client.get(f"/events/other-2027/manage/mailings/{mailing.id}").status_code == 404
    assert client.get(f"/api/v1/events/other-2027/mailings/{mailing.id}").status_code == 404
