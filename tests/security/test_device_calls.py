"""A scanning device's call (a bearer token, no cookie) gets no cookie session: nothing is
set, nothing varies on a cookie; a request with a cookie keeps Flask's session."""

from __future__ import annotations

import pytest
from flask import session

from conference.cookie_sessions import CookielessCallSession
from tests.security.world import ORGANISER, world_with_snapshot


@pytest.fixture
def world(app):
    return world_with_snapshot()[0]


def test_a_device_scan_sets_no_cookie_and_does_not_vary_on_one(app, world):
    client = world.client_for(app, "device")

    response = client.post(
        f"/api/v1/events/{world.event.slug}/checkins",
        json={"code": world.badge.token, "checkpoint": "entrance"},
    )

    assert response.status_code == 200
    assert response.get_json()["result"] == "accepted"
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_bearer_call_that_writes_the_session_still_saves_it(app):
    interface = app.session_interface
    with app.test_request_context("/", headers={"Authorization": "Bearer cdt_x"}) as ctx:
        assert isinstance(session._get_current_object(), CookielessCallSession)
        assert interface.is_null_session(ctx.session)
        session["language"] = "fr"
        response = app.make_response("ok")
        assert not interface.is_null_session(ctx.session)
        app.process_response(response)

    assert "session=" in response.headers["Set-Cookie"]


def test_a_bearer_call_with_a_cookie_opens_the_cookie_session(app):
    with app.test_request_context(
        "/", headers={"Authorization": "Bearer cdt_x", "Cookie": "session=x"}
    ) as ctx:
        assert not isinstance(ctx.session, CookielessCallSession)


def test_a_staff_login_session_still_works_alongside(app, world):
    client = world.client_for(app, ORGANISER)

    response = client.get(f"/events/{world.event.slug}/manage/")

    assert response.status_code == 200
    assert "Cookie" in response.headers["Vary"]


def test_the_cookie_serializer_follows_a_new_secret_key(app):
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    old = app.secret_key
    app.secret_key = old + "-rotated"
    try:
        rotated = interface.get_signing_serializer(app)
        assert rotated is not first
        assert rotated.loads(rotated.dumps({"a": 1})) == {"a": 1}
    finally:
        app.secret_key = old
