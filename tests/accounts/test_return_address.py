"""New users keep their place (issue 15): Event → Register → Log in → Create an account →
confirm the address lands back on the registration form, and registering needs that
confirmed address. Only same-site paths are ever followed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from conference.accounts import tokens
from conference.accounts.models import User
from conference.extensions import db
from conference.registration.models import Registration
from conference.urls import safe_next_url
from tests.factories import PASSWORD, make_open_event, make_user

LINK = re.compile(r"http://conference\.test(/account/verify/[\w.\-]+)")
REGISTRATION = {
    "category": "academia",
    "organisation": "University of Tartu",
    "country": "EE",
    "privacy_consent": "y",
}
HOSTILE = [
    "https://evil.example/",
    "http:/evil.example",
    "//evil.example/x",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "evil.example",
    " /events",
]


def _signup(client, next_url: str | None = None, **fields):
    data = {
        "name": "Nora New",
        "email": "nora@example.org",
        "password": "a long enough password",
        "confirm": "a long enough password",
    }
    if next_url is not None:
        data["next"] = next_url
    return client.post("/account/signup", data=data | fields)


def _link(smtp_server, email: str = "nora@example.org") -> str:
    *_, message = smtp_server.messages_to(email)
    return LINK.search(smtp_server.text_of(message)).group(1)


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_url_refuses_everything_but_a_same_site_path(target):
    assert safe_next_url(target) is None


@pytest.mark.parametrize("target", ["/events/x/register", "/events/x/agenda?day=2027-03-23", "/"])
def test_safe_next_url_keeps_same_site_paths(target):
    assert safe_next_url(target) == target


def test_new_user_keeps_their_place_through_login_signup_and_confirmation(app, client, smtp_server):
    event = make_open_event("kept")
    register_path = f"/events/{event.slug}/register"

    to_login = client.get(register_path)
    login_page = client.get(to_login.headers["Location"]).get_data(as_text=True)
    signup_link = re.search(r'href="(/account/signup[^"]*)">Create an account', login_page)
    signup_page = client.get(signup_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    signed_up = _signup(
        client, re.search(r'name="next" type="hidden" value="([^"]*)"', signup_page).group(1)
    )
    unconfirmed = client.get(register_path)
    refused = client.post(register_path, data=REGISTRATION)
    confirmed = client.get(_link(smtp_server))
    form_page = client.get(confirmed.headers["Location"])
    registered = client.post(register_path, data=REGISTRATION)

    assert (
        to_login.headers["Location"] == f"/account/login?next=%2Fevents%2F{event.slug}%2Fregister"
    )
    assert signup_link.group(1) == f"/account/signup?next=/events/{event.slug}/register"
    assert signed_up.status_code == 302 and signed_up.headers["Location"] == register_path
    text = unconfirmed.get_data(as_text=True)
    assert "First, confirm your email address" in text
    assert 'action="/account/verify/resend"' in text
    assert f'<input type="hidden" name="next" value="{register_path}">' in text
    assert 'name="privacy_consent"' not in text  # no form to fill in yet
    assert refused.status_code == 403
    assert confirmed.headers["Location"] == register_path
    assert 'name="privacy_consent"' in form_page.get_data(as_text=True)
    assert "nora@example.org is confirmed" in form_page.get_data(as_text=True)
    assert registered.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_an_unconfirmed_post_registers_nobody(app, login):
    event = make_open_event()
    user = make_user(verified=False)

    response = login(user).post(f"/events/{event.slug}/register", data=REGISTRATION)

    assert response.status_code == 403
    assert "First, confirm your email address" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_the_registration_service_refuses_an_unconfirmed_address(app):
    from conference.errors import EmailNotConfirmed
    from conference.registration import services
    from tests.factories import registration_details

    event = make_open_event()
    with pytest.raises(EmailNotConfirmed, match="Confirm your email address"):
        services.register(event, make_user(verified=False), registration_details())


@pytest.mark.parametrize("target", HOSTILE)
def test_signup_never_follows_a_foreign_target(app, client, smtp_server, target):
    signed_up = _signup(client, target)
    confirmed = client.get(_link(smtp_server))

    assert signed_up.headers["Location"] == "/account/profile"
    assert confirmed.headers["Location"] == "/account/profile"
    assert "evil" not in client.get("/account/signup?next=" + target).get_data(as_text=True)


@pytest.mark.parametrize("target", HOSTILE)
def test_a_signed_token_with_a_foreign_target_is_not_followed(app, client, target):
    """Even a token we signed (an older or mistaken one) cannot send anyone off-site."""
    user = make_user(verified=False)

    response = client.get(f"/account/verify/{tokens.make_verification_token(user, target)}")

    assert response.headers["Location"] == "/account/login"


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_follows_a_foreign_target(app, client, target):
    user = make_user()

    page = client.get("/account/login", query_string={"next": target}).get_data(as_text=True)
    response = client.post(
        "/account/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD},
    )

    assert "evil" not in page
    assert response.headers["Location"] == "/"


def test_confirming_in_another_browser_asks_to_log_in_then_goes_on(app, smtp_server):
    event = make_open_event("elsewhere")
    target = f"/events/{event.slug}/register"
    _signup(app.test_client(), target)
    other_browser = app.test_client()

    confirmed = other_browser.get(_link(smtp_server))
    logged_in = other_browser.post(
        confirmed.headers["Location"],
        data={"email": "nora@example.org", "password": "a long enough password"},
    )

    assert confirmed.headers["Location"] == f"/account/login?next=/events/{event.slug}/register"
    assert logged_in.headers["Location"] == target
    assert db.session.scalar(select(User.email_verified_at)) is not None


def test_resend_from_the_register_page_carries_the_target(app, login, smtp_server):
    event = make_open_event("again")
    target = f"/events/{event.slug}/register"
    user = make_user("ulla@example.org", verified=False)
    client = login(user)

    resent = client.post("/account/verify/resend", data={"next": target})
    confirmed = client.get(_link(smtp_server, user.email))

    assert resent.headers["Location"] == target
    assert confirmed.headers["Location"] == target


def test_resend_is_rate_limited(app_factory, smtp_server):
    from tests.factories import sign_in

    limited = app_factory(RATELIMIT_ENABLED=True, RESET_RATE_LIMIT="2 per minute")
    with limited.app_context():
        user = make_user("rita@example.org", verified=False)
        client = sign_in(limited.test_client(), user)
        answers = [client.post("/account/verify/resend").status_code for _ in range(3)]
        db.session.remove()

    assert answers == [302, 302, 429]
    assert len(smtp_server.messages_to("rita@example.org")) == 2
