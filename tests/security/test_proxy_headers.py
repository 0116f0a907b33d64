"""Behind a reverse proxy (PROXY_FIX_* settings, conference/proxies.py): the forwarded scheme,
host and client address are used when, and only when, the app is told to trust them.
bench/proxy_check.py checks the same through the real nginx of deploy/nginx.conf."""

from __future__ import annotations

import pytest
from flask import jsonify, request, url_for

from conference.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, make_user

BEHIND_NGINX = {
    "PROXY_FIX_X_FOR": 1,
    "PROXY_FIX_X_PROTO": 1,
    "PROXY_FIX_X_HOST": 1,
    "PROXY_FIX_X_PORT": 1,
}
FORWARDED = {
    "X-Forwarded-For": "198.51.100.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "conference.example.eu",
    "X-Forwarded-Port": "443",
}


def _with_probe(app):
    """The app plus a route that shows what a view sees of the request (added before the
    app's first request, on this test's own app)."""

    @app.get("/_probe")
    def probe():
        return jsonify(
            scheme=request.scheme,
            host=request.host,
            remote_addr=request.remote_addr,
            home=url_for("events.home", _external=True),
        )

    return app


def test_forwarded_headers_are_ignored_by_default(app_factory):
    app = _with_probe(app_factory())

    seen = app.test_client().get("/_probe", headers=FORWARDED).get_json()
    page = app.test_client().get("/", headers=FORWARDED)

    assert seen == {
        "scheme": "http",
        "host": "localhost",
        "remote_addr": "127.0.0.1",
        "home": "http://localhost/",
    }
    assert "Strict-Transport-Security" not in page.headers


def test_behind_the_proxy_links_and_addresses_are_the_public_ones(app_factory):
    app = _with_probe(app_factory(**BEHIND_NGINX))

    seen = app.test_client().get("/_probe", headers=FORWARDED).get_json()
    page = app.test_client().get("/", headers=FORWARDED)

    assert seen == {
        "scheme": "https",
        "host": "conference.example.eu",
        "remote_addr": "198.51.100.7",
        "home": "https://conference.example.eu/",
    }
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_only_the_address_the_proxy_added_is_trusted(app_factory):
    """nginx appends the address it saw; whatever the client wrote before it is not believed."""
    app = _with_probe(app_factory(**BEHIND_NGINX))

    seen = app.test_client().get(
        "/_probe", headers=FORWARDED | {"X-Forwarded-For": "10.0.0.1, 203.0.113.9"}
    )

    assert seen.get_json()["remote_addr"] == "203.0.113.9"


def test_redirects_and_secure_cookies_use_the_public_address(app_factory):
    app = app_factory(**BEHIND_NGINX, SESSION_COOKIE_SECURE=True, WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("proxied@example.org")
        db.session.remove()
    client = app.test_client()
    headers = FORWARDED | {"Referer": "https://conference.example.eu/account/login"}

    form = client.get("/account/login", headers=FORWARDED)
    token = csrf_token_from(form.get_data(as_text=True))
    logged_in = client.post(
        "/account/login",
        data={"email": "proxied@example.org", "password": PASSWORD, "csrf_token": token},
        headers=headers,
    )
    guarded = app.test_client().get("/account/profile", headers=FORWARDED)

    # Flask-WTF checks the Referer against the public https host on HTTPS requests.
    assert logged_in.status_code == 302, logged_in.get_data(as_text=True)[:500]
    assert "Secure" in logged_in.headers["Set-Cookie"]
    location = guarded.headers["Location"]
    assert location.startswith("/account/login") or location.startswith(
        "https://conference.example.eu/"
    )


def test_csrf_referrer_from_another_site_is_refused_over_https(app_factory):
    app = app_factory(**BEHIND_NGINX, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    form = client.get("/account/login", headers=FORWARDED)
    token = csrf_token_from(form.get_data(as_text=True))

    refused = client.post(
        "/account/login",
        data={"email": "x@example.org", "password": "x", "csrf_token": token},
        headers=FORWARDED | {"Referer": "https://evil.example/"},
    )

    assert refused.status_code == 400
    assert "The form expired or was sent from elsewhere" in refused.get_data(as_text=True)


@pytest.mark.parametrize("trusted", [False, True])
def test_login_limits_count_per_client_not_per_proxy(app_factory, trusted):
    settings = BEHIND_NGINX if trusted else {}
    app = app_factory(**settings, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()

    def attempt(address: str) -> int:
        data = {"email": "nobody@example.org", "password": "wrong password"}
        headers = FORWARDED | {"X-Forwarded-For": address}
        return client.post("/account/login", data=data, headers=headers).status_code

    first = [attempt("198.51.100.1") for _ in range(3)]
    other = attempt("198.51.100.2")

    assert first[2] == 429
    # Behind nginx every request comes from its loopback address: without trusting
    # X-Forwarded-For, one client's failures would lock everybody out.
    assert (other != 429) is trusted
