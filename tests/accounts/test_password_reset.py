from __future__ import annotations

import re

from conference.extensions import db
from tests.factories import PASSWORD, make_user

LINK = re.compile(r"http://conference\.test(/account/reset/[\w.\-]+)")


def _reset_path(smtp_server, email: str) -> str:
    [message] = smtp_server.messages_to(email)
    return LINK.search(smtp_server.text_of(message)).group(1)


def test_reset_flow_sets_new_password_and_spends_the_link(client, smtp_server):
    user = make_user("omar@example.org")
    old_token = user.session_token

    response = client.post("/account/reset", data={"email": "omar@example.org"})
    assert response.status_code == 302
    path = _reset_path(smtp_server, "omar@example.org")
    assert client.get(path).status_code == 200

    done = client.post(
        path, data={"password": "brand new password", "confirm": "brand new password"}
    )

    assert done.status_code == 302
    db.session.refresh(user)
    assert user.session_token != old_token  # other sessions end
    assert (
        client.post(
            "/account/login", data={"email": "omar@example.org", "password": PASSWORD}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/account/login", data={"email": "omar@example.org", "password": "brand new password"}
        ).status_code
        == 302
    )
    again = client.get(path)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_reset_for_unknown_email_answers_the_same_and_sends_nothing(client, smtp_server):
    make_user("omar@example.org")

    known = client.post("/account/reset", data={"email": "omar@example.org"}, follow_redirects=True)
    unknown = client.post(
        "/account/reset", data={"email": "nobody@example.org"}, follow_redirects=True
    )

    assert known.status_code == unknown.status_code == 200
    text = "If an account exists for this address"
    assert text in known.get_data(as_text=True) and text in unknown.get_data(as_text=True)
    assert smtp_server.messages_to("nobody@example.org") == []
    assert len(smtp_server.messages) == 1


def test_expired_reset_link_is_refused(app, client, smtp_server):
    make_user("omar@example.org")
    client.post("/account/reset", data={"email": "omar@example.org"})
    path = _reset_path(smtp_server, "omar@example.org")
    app.config["RESET_TOKEN_MAX_AGE"] = -1

    response = client.get(path)

    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_change_password_needs_the_current_one(client, login):
    user = make_user()
    client = login(user)

    wrong = client.post(
        "/account/password",
        data={
            "pw-current_password": "not it at all",
            "pw-password": "another long one",
            "pw-confirm": "another long one",
        },
    )
    right = client.post(
        "/account/password",
        data={
            "pw-current_password": PASSWORD,
            "pw-password": "another long one",
            "pw-confirm": "another long one",
        },
    )

    assert wrong.status_code == 422
    assert "current password is not correct" in wrong.get_data(as_text=True)
    assert right.status_code == 302
    assert client.get("/account/profile").status_code == 200  # this device stays logged in
