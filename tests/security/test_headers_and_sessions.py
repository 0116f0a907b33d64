"""Security headers on every kind of answer (pages, files, JSON, errors; HSTS over HTTPS),
redirects that never leave the site, and sessions and emailed tokens that cannot be replayed.
(The matrix checks the headers on every route for every actor; tests/accounts has the basics.)"""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import pytest

from conference.accounts import tokens
from conference.accounts.models import User
from conference.extensions import db
from tests.factories import PASSWORD, make_user
from tests.security.matrix import url_of
from tests.security.routes import ROUTES
from tests.security.world import ORGANISER, world_with_snapshot


def _assert_headers(response, *, https: bool) -> None:
    csp = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    hsts = response.headers.get("Strict-Transport-Security", "")
    assert hsts.startswith("max-age=31536000") if https else hsts == ""


def test_every_page_served_over_https_carries_hsts_and_the_other_headers(app):
    world = world_with_snapshot()[0]
    client = world.client_for(app, ORGANISER)
    for endpoint, row in sorted(ROUTES.items()):
        if "GET" not in row.methods():
            continue
        response = client.get(url_of(world, endpoint, row), base_url="https://conference.test")
        _assert_headers(response, https=True)
        response.close()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no/such/page", 404),
        ("POST", "/", 405),
        ("GET", "/events/x%00/", 400),
        ("POST", "/api/v1/events/nope/checkins", 401),
        ("GET", "/admin/", 302),
    ],
)
def test_error_answers_carry_the_headers_too(client, method, path, status):
    for https in (False, True):
        base = "https://conference.test" if https else "http://localhost"
        response = client.open(path, method=method, base_url=base)
        assert response.status_code == status
        _assert_headers(response, https=https)


def test_a_server_error_carries_the_headers(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("a bug")

    with app.app_context():
        response = app.test_client().get("/boom", base_url="https://conference.test")
        db.session.remove()

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "a bug" not in response.get_data(as_text=True)
    _assert_headers(response, https=True)


HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
    "/../..//evil.example",
    "/%5Cevil.example",
]


def _stays_on_site(location: str) -> bool:
    """Where a browser would go: WHATWG treats backslashes as slashes and drops tabs and
    newlines, so do the same before resolving against our own address."""
    browser = location.replace("\\", "/").replace("\t", "").replace("\n", "").replace("\r", "")
    target = urlsplit(urljoin("https://conference.test/account/login", browser))
    return target.scheme == "https" and target.netloc == "conference.test"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_redirects_off_the_site(app, client, target):
    make_user("lena@example.org")

    response = client.post(
        "/account/login?next=" + quote(target, safe=""),
        data={"email": "lena@example.org", "password": PASSWORD},
    )

    assert response.status_code == 302
    assert _stays_on_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_booking_buttons_never_redirect_off_the_site(app, target):
    world = world_with_snapshot()[0]
    client = world.client_for(app, "verified_expert")
    path = f"/events/{world.event.slug}/sessions/{world.public_session.id}/book"

    response = client.post(path, data={"next": target})

    assert response.status_code in (303, 409)
    if response.status_code == 303:
        assert _stays_on_site(response.headers["Location"]), response.headers["Location"]


def test_verification_links_expire(app, client):
    user = make_user("nia@example.org", verified=False)
    token = tokens.make_verification_token(user)
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1

    response = client.get(f"/account/verify/{token}")

    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert db.session.get(User, user.id).email_verified_at is None


def test_a_reset_link_is_spent_by_its_use_and_by_any_password_change(app, client, login):
    user = make_user("omar@example.org")
    used, changed = tokens.make_reset_token(user), tokens.make_reset_token(user)
    new = {"password": "a brand new password", "confirm": "a brand new password"}

    first = client.post(f"/account/reset/{used}", data=new)
    again = client.post(f"/account/reset/{used}", data=new)
    other = client.get(f"/account/reset/{changed}")

    assert first.status_code == 302
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    assert other.status_code == 400  # issued before the change: spent with it


def test_reset_and_verification_tokens_are_not_interchangeable(app, client):
    user = make_user("ida@example.org", verified=False)

    as_verify = client.get(f"/account/verify/{tokens.make_reset_token(user)}")
    as_reset = client.get(f"/account/reset/{tokens.make_verification_token(user)}")

    assert as_verify.status_code == 400 and as_reset.status_code == 400
    assert db.session.get(User, user.id).email_verified_at is None


def test_a_password_reset_logs_out_every_existing_session(app, client, login):
    user = make_user("sam@example.org")
    stolen = login(user)
    assert stolen.get("/account/profile").status_code == 200

    client.post(
        f"/account/reset/{tokens.make_reset_token(user)}",
        data={"password": "a brand new password", "confirm": "a brand new password"},
    )

    assert stolen.get("/account/profile").status_code == 302  # back to the login page
