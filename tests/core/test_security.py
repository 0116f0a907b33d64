from __future__ import annotations

import pytest

from conference.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, make_event, make_user, sign_in


@pytest.fixture
def csrf_client(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app, app.test_client()
        db.session.remove()


def test_post_without_csrf_token_is_refused_and_writes_nothing(app, csrf_client):
    _, client = csrf_client
    response = client.post(
        "/account/signup",
        data={"name": "X", "email": "x@example.org", "password": "a" * 12, "confirm": "a" * 12},
    )

    assert response.status_code == 400
    assert "The form expired or was sent from elsewhere" in response.get_data(as_text=True)
    from sqlalchemy import func, select

    from conference.accounts.models import User

    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_post_with_csrf_token_from_the_form_works(app, csrf_client):
    _, client = csrf_client
    make_user("lena@example.org")
    page = client.get("/account/login").get_data(as_text=True)

    response = client.post(
        "/account/login",
        data={
            "email": "lena@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page),
        },
    )

    assert response.status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/account/logout",
        "/account/verify/resend",
        "/account/password",
        "/events/{slug}/manage/publish",
        "/events/{slug}/manage/staff",
        "/events/{slug}/manage/staff/remove",
        "/admin/events/new",
    ],
)
def test_state_changing_posts_without_token_change_nothing(app, csrf_client, path):
    flask_app, client = csrf_client
    admin = make_user(admin=True)
    event = make_event(published=False)
    sign_in(client, admin)

    response = client.post(
        path.format(slug=event.slug), data={"role": "organiser", "user_id": admin.id}
    )

    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.is_published is False


def test_security_headers_on_every_page(client):
    response = client.get("/")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_when_served_over_https(client):
    response = client.get("/", base_url="https://conference.test")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_login_is_rate_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        codes = [
            client.post(
                "/account/login", data={"email": "a@example.org", "password": "wrong one"}
            ).status_code
            for _ in range(4)
        ]
        db.session.remove()

    assert codes == [401, 401, 401, 429]


def test_password_reset_is_rate_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RESET_RATE_LIMIT="2 per minute")
    with app.app_context():
        client = app.test_client()
        codes = [
            client.post("/account/reset", data={"email": "a@example.org"}).status_code
            for _ in range(3)
        ]
        db.session.remove()

    assert codes == [302, 302, 429]


def test_rate_limit_answers_json_on_the_api_path_and_a_page_elsewhere(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1 per minute")
    with app.app_context():
        client = app.test_client()
        client.post("/account/login", data={"email": "a@example.org", "password": "x"})
        page = client.post("/account/login", data={"email": "a@example.org", "password": "x"})
        db.session.remove()

    assert page.status_code == 429
    assert "Too many attempts" in page.get_data(as_text=True)
