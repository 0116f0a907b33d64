"""Sign-in with an OpenID Connect provider, end to end against a real provider on loopback
(tests/accounts/oidc_provider.py): discovery, state, nonce, PKCE, the ID token's signature,
linking by verified email, and the provider's second factor for staff (issue #18)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from conference.accounts.audit import SecurityEventKind
from conference.accounts.models import SecurityEvent, User, UserSession
from conference.events.services import grant_role
from conference.extensions import db
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, LoopbackProvider
from tests.factories import make_event, make_staff, make_user

CALLBACK = "http://conference.test/account/oidc/callback"


@pytest.fixture(scope="session")
def provider_server():
    provider = LoopbackProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def provider(app, provider_server):
    provider_server.reset(CALLBACK)
    app.config.update(
        OIDC_ISSUER=provider_server.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_PROVIDER_NAME="EU Login",
    )
    return provider_server


def _to_provider(client, next_url: str | None = None) -> str:
    response = client.post("/account/oidc/login" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def _back_from_provider(authorize_url: str) -> str:
    """What the provider sends the browser back to: the callback path with code and state."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return f"{back.path}?{back.query}"


def _sign_in(client, next_url: str | None = None):
    return client.get(_back_from_provider(_to_provider(client, next_url)))


def _failures() -> list[SecurityEvent]:
    return list(
        db.session.scalars(
            select(SecurityEvent).where(
                SecurityEvent.kind == SecurityEventKind.PROVIDER_SIGN_IN_FAILED
            )
        )
    )


def test_the_login_page_offers_the_provider_only_when_configured(app, client):
    assert "Sign in with" not in client.get("/account/login").get_data(as_text=True)
    assert client.post("/account/oidc/login").status_code == 404
    assert client.get("/account/oidc/callback?code=x&state=y").status_code == 404

    app.config.update(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="c")
    assert "Sign in with your organisation" in client.get("/account/login").get_data(as_text=True)


def test_the_authorization_request_carries_state_nonce_and_pkce(provider, client):
    query = parse_qs(urlsplit(_to_provider(client)).query)

    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [CALLBACK] and query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32


def test_a_verified_email_new_here_gets_an_account_and_is_signed_in(provider, client):
    response = _sign_in(client, next_url="/events/")

    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert response.headers["Location"] == "/events/"
    user = db.session.scalar(select(User).where(User.email == "ana.silva@example.eu"))
    assert user.name == "Ana Silva" and user.email_verified_at is not None
    assert user.password_hash is None
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.method == "oidc"
    profile = client.get("/account/profile")
    assert profile.status_code == 200 and "ana.silva@example.eu" in profile.get_data(as_text=True)


def test_an_existing_account_is_linked_by_email_and_its_address_confirmed(provider, client):
    existing = make_user("Ana.Silva@example.eu", verified=False)

    _sign_in(client)

    db.session.expire_all()
    assert db.session.scalars(select(User)).all() == [existing]
    assert existing.email_verified_at is not None
    assert client.get("/account/profile").status_code == 200


def test_an_unverified_email_links_no_account(provider, client):
    provider.person.email_verified = False

    response = _sign_in(client)

    assert response.status_code == 400
    assert "did not confirm your email address" in response.get_data(as_text=True)
    assert db.session.scalars(select(User)).all() == []
    assert client.get("/account/profile").status_code == 302  # not signed in


def test_a_callback_with_another_state_is_refused(provider, client):
    back = _back_from_provider(_to_provider(client))
    forged = back.replace("state=", "state=forged")

    response = client.get(forged)

    assert response.status_code == 400
    assert "did not start in this browser" in response.get_data(as_text=True)
    assert [e.detail for e in _failures()] == [
        "This sign-in did not start in this browser (its state does not match)."
    ]
    assert client.get("/account/profile").status_code == 302


def test_a_callback_is_used_once(provider, client):
    back = _back_from_provider(_to_provider(client))
    assert client.get(back).status_code == 302
    client.post("/account/logout")

    again = client.get(back)

    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)


def test_an_id_token_with_another_nonce_is_refused(provider, client):
    provider.nonce_override = "a-nonce-this-browser-never-sent"

    response = _sign_in(client)

    assert response.status_code == 400
    assert "ID token was refused" in response.get_data(as_text=True)
    assert db.session.scalars(select(User)).all() == []


def test_a_tampered_code_is_refused_by_the_provider(provider, client):
    back = _back_from_provider(_to_provider(client))
    query = parse_qs(urlsplit(back).query)

    response = client.get(
        f"/account/oidc/callback?code=not-{query['code'][0]}&state={query['state'][0]}"
    )

    assert response.status_code == 400
    assert "did not accept the sign-in" in response.get_data(as_text=True)


def test_a_provider_that_does_not_answer_is_said_in_words(app, provider, client):
    app.config["OIDC_ISSUER"] = "http://127.0.0.1:9"  # nothing listens on the discard port

    response = client.post("/account/oidc/login")

    assert response.status_code == 400
    assert "did not answer as expected" in response.get_data(as_text=True)


def test_an_error_from_the_provider_is_shown(provider, client):
    state = parse_qs(urlsplit(_to_provider(client)).query)["state"][0]

    response = client.get(
        f"/account/oidc/callback?error=access_denied&error_description=User+cancelled&state={state}"
    )

    assert response.status_code == 400
    assert "refused the sign-in: User cancelled" in response.get_data(as_text=True)


def test_the_return_address_must_be_on_this_site(provider, client):
    response = _sign_in(client, next_url="//evil.example/")

    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_staff_with_an_authenticator_still_give_its_code(provider, client):
    event = make_event("idp")
    make_staff(event, "organiser", email="ana.silva@example.eu")

    response = _sign_in(client)

    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/account/two-factor/verify"
    )
    assert client.get("/events/idp/manage/").status_code == 302  # not signed in yet


def test_the_providers_second_factor_opens_the_roles_of_events_that_trust_it(provider, client):
    trusting, other = make_event("idp"), make_event("idp-other")
    trusting.trusts_provider_second_factor = True
    db.session.commit()
    ana = make_staff(trusting, "organiser", email="ana.silva@example.eu", second_factor=False)
    grant_role(other, ana, "organiser", actor=None)
    db.session.commit()
    provider.person.amr = ["pwd", "mfa"]

    _sign_in(client)

    row = db.session.scalar(select(UserSession))
    assert row.method == "oidc+mfa"
    assert client.get("/events/idp/manage/").status_code == 200
    refused = client.get("/events/idp-other/manage/")
    assert refused.status_code == 403  # that event's organisers did not accept it
    assert "two-factor" in refused.get_data(as_text=True).lower()


def test_organisers_choose_to_trust_the_providers_second_factor(app, provider, login):
    event = make_event("idp")
    organiser = make_staff(event, "organiser")
    client = login(organiser)
    page = client.get("/events/idp/manage/").get_data(as_text=True)
    assert "Accept the identity provider&#39;s second factor" in page

    app.config["OIDC_ISSUER"] = ""
    hidden = client.get("/events/idp/manage/").get_data(as_text=True)
    assert "identity provider" not in hidden  # no provider configured: nothing to trust


def test_a_password_only_provider_sign_in_leaves_a_staff_role_waiting(provider, client):
    event = make_event("idp")
    make_staff(event, "organiser", email="ana.silva@example.eu", second_factor=False)

    _sign_in(client)

    page = client.get("/events/idp/manage/")
    assert page.status_code == 403
    assert "two-factor" in page.get_data(as_text=True).lower()


@pytest.mark.parametrize(
    "query",
    [
        "code=x&state=" + "s" * 5000,
        "code=%00%ff&state=%00",
        "state=%E2%80%AE&code=%F0%9F%98%80",
        "error=" + "e" * 3000,
        "code=a&code=b&state=c&state=d",
        "",
    ],
)
def test_hostile_callbacks_are_refused_in_words(provider, client, query):
    _to_provider(client)

    response = client.get(f"/account/oidc/callback?{query}")

    assert response.status_code == 400  # NUL bytes are refused before the view, alike
    assert client.get("/account/profile").status_code == 302
