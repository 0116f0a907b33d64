"""Mail is written in its recipient's language, whoever's request sends it (issue 20)."""

from __future__ import annotations

import pytest

from conference.extensions import db
from conference.registration import moderation
from tests.factories import make_open_event, make_staff, make_user, register
from tests.registration.helpers import deliver_mail


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", ("inscription",)), ("de", ("Anmeldung",)), (None, ("registration",))],
)
def test_an_organisers_decision_reaches_the_attendee_in_the_attendees_language(
    client, smtp_server, language, words
):
    event = make_open_event(mode="moderated")
    organiser = make_staff(event, "organiser")
    attendee = make_user("lea@example.org", name="Léa Martin")
    attendee.language = language
    registration = register(event, attendee)
    deliver_mail()
    smtp_server.clear()

    # The organiser's own page is in English; the attendee's mail is not.
    with client.application.test_request_context(headers={"Accept-Language": "en"}):
        moderation.approve(registration, actor=organiser)
        db.session.commit()
    deliver_mail()

    [message] = smtp_server.messages_to("lea@example.org")
    html = smtp_server.html_of(message)
    assert f'<html lang="{language or "en"}">' in html
    body = message["Subject"] + smtp_server.text_of(message)
    assert all(word in body for word in words), body
