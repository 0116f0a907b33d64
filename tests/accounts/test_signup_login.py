from __future__ import annotations

import re

from sqlalchemy import func, select

from conference.accounts.models import User
from conference.extensions import db
from conference.mail.services import deliver_outbox
from tests.factories import PASSWORD, make_user

LINK = re.compile(r"http://conference\.test/account/(?:verify|reset)/[\w.\-]+")


def _signup(client, **fields):
    data = {
        "name": "Maria Ionescu",
        "email": "Maria@Example.org",
        "password": "a long enough password",
        "confirm": "a long enough password",
        "organisation": "Ministry of Research",
        "country": "RO",
        "claimed_category": "member_state_expert",
    }
    data.update(fields)
    return client.post("/account/signup", data=data)


def test_signup_creates_account_and_sends_verification_link(client, smtp_server):
    response = _signup(client)

    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.email == "maria@example.org"
    assert user.claimed_category == "member_state_expert"
    assert user.password_hash and "a long enough password" not in user.password_hash
    assert not user.email_verified
    [message] = smtp_server.messages_to("maria@example.org")
    assert message["Subject"] == "Confirm your email address"
    text = smtp_server.text_of(message)
    html = smtp_server.html_of(message)
    link = LINK.search(text).group(0)
    assert link in html

    verified = client.get(link.removeprefix("http://conference.test"))

    assert verified.status_code == 302
    db.session.refresh(user)
    assert user.email_verified


def test_verification_link_works_once(client, smtp_server):
    _signup(client)
    link = LINK.search(smtp_server.text_of(smtp_server.messages[0])).group(0)
    path = link.removeprefix("http://conference.test")
    client.get(path)

    again = client.get(path)

    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_tampered_verification_link_is_refused(client, smtp_server):
    _signup(client)
    path = LINK.search(smtp_server.text_of(smtp_server.messages[0])).group(0)
    path = path.removeprefix("http://conference.test")

    response = client.get(path[:-3] + "abc")

    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert not db.session.scalar(select(User)).email_verified


def test_signup_with_taken_email_shows_error_next_to_field(client):
    make_user("maria@example.org")

    response = _signup(client)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page
    assert "already exists" in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_signup_with_mismatched_passwords_writes_nothing(client):
    response = _signup(client, confirm="something else entirely")

    assert response.status_code == 422
    assert "The two passwords differ." in response.get_data(as_text=True)
    assert 'aria-describedby="confirm-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_signup_with_short_password_is_refused(client):
    response = _signup(client, password="short", confirm="short")

    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_login_with_correct_password_logs_in(client):
    user = make_user("lena@example.org", name="Lena Virtanen")

    response = client.post(
        "/account/login", data={"email": "LENA@example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    profile = client.get("/account/profile")
    assert profile.status_code == 200
    assert "Lena Virtanen" in profile.get_data(as_text=True)
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    make_user("lena@example.org")

    wrong = client.post(
        "/account/login", data={"email": "lena@example.org", "password": "nope nope nope"}
    )
    unknown = client.post(
        "/account/login", data={"email": "who@example.org", "password": "nope nope nope"}
    )

    assert wrong.status_code == unknown.status_code == 401
    message = "The email address or the password is not correct."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert client.get("/account/profile").status_code == 302


def test_login_redirects_only_to_local_paths(client):
    make_user("lena@example.org")

    local = client.post(
        "/account/login?next=/events/x/", data={"email": "lena@example.org", "password": PASSWORD}
    )
    client.post("/account/logout")
    evil = client.post(
        "/account/login?next=https://evil.example/",
        data={"email": "lena@example.org", "password": PASSWORD},
    )
    client.post("/account/logout")
    sneaky = client.post(
        "/account/login?next=//evil.example/",
        data={"email": "lena@example.org", "password": PASSWORD},
    )

    assert local.headers["Location"] == "/events/x/"
    assert evil.headers["Location"] == "/"
    assert sneaky.headers["Location"] == "/"


def test_login_starts_a_fresh_session(client):
    make_user("lena@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"

    client.post("/account/login", data={"email": "lena@example.org", "password": PASSWORD})

    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_logout_needs_post(client, login):
    user = make_user()
    client = login(user)

    assert client.get("/account/logout").status_code == 405
    assert client.get("/account/profile").status_code == 200
    client.post("/account/logout")
    assert client.get("/account/profile").status_code == 302


def test_inactive_account_cannot_log_in(client):
    user = make_user("gone@example.org")
    user.is_active_account = False
    db.session.commit()

    response = client.post(
        "/account/login", data={"email": "gone@example.org", "password": PASSWORD}
    )

    assert response.status_code == 401


def test_profile_update_saves_details(client, login):
    user = make_user()
    client = login(user)

    response = client.post(
        "/account/profile",
        data={
            "name": "New Name",
            "organisation": "Europol",
            "country": "NL",
            "claimed_category": "practitioner",
            "submit": "Save profile",
        },
    )

    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.organisation, user.country, user.claimed_category) == (
        "New Name",
        "Europol",
        "NL",
        "practitioner",
    )


def test_profile_refuses_unknown_country(client, login):
    user = make_user()
    client = login(user)

    response = client.post(
        "/account/profile", data={"name": "X", "country": "ZZ", "submit": "Save profile"}
    )

    assert response.status_code == 422
    assert 'id="country-error"' in response.get_data(as_text=True)


def test_resend_verification_sends_a_new_link(client, login, smtp_server):
    user = make_user(verified=False)
    client = login(user)

    client.post("/account/verify/resend")

    assert len(smtp_server.messages_to(user.email)) == 1


def test_mail_queued_while_server_down_is_kept_and_sent_later(app, client, smtp_server):
    smtp_server.stop()
    try:
        response = _signup(client)
        assert response.status_code == 302
        user = db.session.scalar(select(User))
        assert user is not None  # the action succeeded although mail could not go out
    finally:
        smtp_server.start()
    assert smtp_server.messages == []

    sent, failed = deliver_outbox(include_not_due=True)

    assert (sent, failed) == (1, 0)
    assert smtp_server.messages_to("maria@example.org")
