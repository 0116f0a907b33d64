"""Two-factor sign-in (issue 18): enrolment, the second step of a log-in, recovery codes,
replays, rate limits, and staff roles that wait for a second factor."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from conference.accounts.models import RecoveryCode, User
from conference.accounts.two_factor import hash_recovery_code
from conference.extensions import db
from tests.factories import PASSWORD, enable_totp, make_event, make_staff, make_user, totp_code

SECRET_ON_PAGE = re.compile(
    r'<code class="totp-secret" id="totp-secret" data-otpauth="([^"]+)">([A-Z2-7]+)</code>'
)
QR_IMAGE = re.compile(r'<img class="totp-qr" src="data:image/svg\+xml;base64,([^"]+)"')
CODE_ITEM = re.compile(r"<li><code>([a-z0-9-]{19})</code></li>")


def _log_in(client, email, password=PASSWORD, **query):
    return client.post(
        "/account/login", data={"email": email, "password": password}, query_string=query
    )


def _start_setup(client) -> tuple[str, str]:
    """Begin enrolment; the secret and otpauth address the page shows."""
    assert client.post("/account/two-factor/setup").status_code == 302
    page = client.get("/account/two-factor/setup")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    uri, secret = SECRET_ON_PAGE.search(html).groups()
    svg = base64.b64decode(QR_IMAGE.search(html).group(1))
    assert svg.startswith(b"<?xml") and b"<svg" in svg and b"<path" in svg
    return secret, uri.replace("&amp;", "&")


def test_enrolment_needs_a_first_code_and_shows_recovery_codes_once(app, login):
    user = make_user("ana@example.org")
    client = login(user)
    other_device = login(user)

    secret, uri = _start_setup(client)
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert parse_qs(parts.query)["secret"] == [secret]
    assert parse_qs(parts.query)["issuer"] == ["CERIS Conference"]

    wrong = client.post("/account/two-factor/confirm", data={"code": "123456"})
    db.session.refresh(user)
    assert wrong.status_code == 422
    assert "This code is not correct" in wrong.get_data(as_text=True)
    assert not user.has_totp

    done = client.post("/account/two-factor/confirm", data={"code": pyotp.TOTP(secret).now()})

    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    codes = CODE_ITEM.findall(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(user)
    assert user.has_totp and user.totp_secret == secret
    stored = set(
        db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    )
    assert stored == {hash_recovery_code(c) for c in codes}
    assert not stored & set(codes)
    # This session stays signed in; the one that never showed the factor is logged out.
    assert client.get("/account/profile").status_code == 200
    assert other_device.get("/account/profile").status_code == 302
    # The codes are not shown again.
    assert (
        "<code>" not in client.get("/account/two-factor/").get_data(as_text=True).split("Unused")[0]
    )
    assert "Unused recovery codes: <strong>10</strong>" in client.get(
        "/account/two-factor/"
    ).get_data(as_text=True)


def test_log_in_waits_for_the_code_before_the_session_is_signed_in(app, client):
    user = make_user("ben@example.org")
    enable_totp(user)
    db.session.commit()

    first = _log_in(client, "ben@example.org", next="/account/profile")

    assert first.status_code == 302
    assert first.headers["Location"].endswith("/account/two-factor/verify")
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/account/profile").status_code == 302

    wrong = client.post("/account/two-factor/verify", data={"code": "000000"})
    assert wrong.status_code == 401
    assert "not correct" in wrong.get_data(as_text=True)

    right = client.post("/account/two-factor/verify", data={"code": totp_code(user)})

    assert right.status_code == 302
    assert right.headers["Location"].endswith("/account/profile")
    with client.session_transaction() as session:
        assert session["_user_id"] == user.session_token
        assert session["signed_in_with"] == "totp"
    assert "ben@example.org" in client.get("/account/profile").get_data(as_text=True)


def test_a_replayed_code_is_refused(app, client):
    user = make_user("cleo@example.org")
    enable_totp(user)
    db.session.commit()
    code = totp_code(user)
    _log_in(client, "cleo@example.org")
    assert client.post("/account/two-factor/verify", data={"code": code}).status_code == 302
    client.post("/account/logout")

    _log_in(client, "cleo@example.org")
    replay = client.post("/account/two-factor/verify", data={"code": code})

    assert replay.status_code == 401
    assert client.get("/account/profile").status_code == 302
    # The next step's code (the app's next one) still works.
    assert (
        client.post(
            "/account/two-factor/verify", data={"code": totp_code(user, steps=1)}
        ).status_code
        == 302
    )


def test_a_recovery_code_signs_in_once(app, client):
    user = make_user("dan@example.org")
    codes = enable_totp(user)
    db.session.commit()

    _log_in(client, "dan@example.org")
    used = client.post("/account/two-factor/recover", data={"code": codes[3].upper()})

    assert used.status_code == 302
    assert client.get("/account/profile").status_code == 200
    client.post("/account/logout")
    _log_in(client, "dan@example.org")
    again = client.post("/account/two-factor/recover", data={"code": codes[3]})
    assert again.status_code == 401
    assert "used already" in again.get_data(as_text=True)
    assert db.session.scalar(
        select(RecoveryCode.used_at).where(RecoveryCode.code_hash == hash_recovery_code(codes[3]))
    )


def test_wrong_password_and_unknown_account_answer_alike_with_two_factor_on(app, client):
    user = make_user("eve@example.org")
    enable_totp(user)
    db.session.commit()

    wrong = _log_in(client, "eve@example.org", "not the password")
    unknown = _log_in(client, "nobody@example.org", "not the password")

    assert wrong.status_code == unknown.status_code == 401
    # The same page, but for the address typed back into the form.
    assert wrong.get_data(as_text=True).replace("eve@", "nobody@") == unknown.get_data(as_text=True)
    assert "/two-factor/" not in wrong.get_data(as_text=True)


def test_second_step_without_a_password_or_after_it_expired_goes_back_to_log_in(app, client):
    user = make_user("fay@example.org")
    enable_totp(user)
    db.session.commit()

    assert (
        client.post("/account/two-factor/verify", data={"code": totp_code(user)})
        .headers["Location"]
        .endswith("/account/login")
    )
    app.config["TWO_FACTOR_PENDING_MINUTES"] = 0
    _log_in(client, "fay@example.org")
    late = client.post("/account/two-factor/verify", data={"code": totp_code(user)})

    assert late.headers["Location"].endswith("/account/login")
    assert client.get("/account/profile").status_code == 302


def test_switching_off_needs_a_current_code(app, login):
    user = make_user("gus@example.org")
    enable_totp(user)
    db.session.commit()
    client = login(user)

    refused = client.post("/account/two-factor/disable", data={"code": "000000"})
    db.session.refresh(user)
    assert refused.status_code == 302 and user.has_totp

    client.post("/account/two-factor/disable", data={"code": totp_code(user)})

    db.session.refresh(user)
    assert not user.has_totp and user.totp_secret is None
    assert (
        db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []
    )
    assert client.get("/account/profile").status_code == 200


def test_new_recovery_codes_replace_the_old_ones(app, login):
    user = make_user("hal@example.org")
    old = enable_totp(user)
    db.session.commit()
    client = login(user)

    page = client.post("/account/two-factor/recovery-codes", data={"code": totp_code(user)})

    new = CODE_ITEM.findall(page.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    hashes = set(
        db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    )
    assert hashes == {hash_recovery_code(c) for c in new}


@pytest.mark.parametrize("path", ["/account/two-factor/verify", "/account/two-factor/recover"])
def test_second_step_is_rate_limited(app_factory, path):
    application = app_factory(
        RATELIMIT_ENABLED=True,
        TWO_FACTOR_RATE_LIMIT="3 per minute",
        RECOVERY_CODE_RATE_LIMIT="3 per minute",
    )
    with application.app_context():
        user = make_user()
        enable_totp(user)
        db.session.commit()
        client = application.test_client()
        _log_in(client, user.email)
        wrong = "000000" if path.endswith("verify") else "aaaa-bbbb-cccc-dddd"
        codes = [client.post(path, data={"code": wrong}).status_code for _ in range(4)]
        db.session.remove()

    assert codes == [401, 401, 401, 429]


# --- Staff roles wait for the second factor -------------------------------------------------


def test_organiser_without_second_factor_is_told_to_set_it_up(app, login):
    event = make_event()
    organiser = make_staff(event, "organiser", second_factor=False)
    client = login(organiser)

    page = client.get(f"/events/{event.slug}/manage/")

    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "Your staff role needs two-factor sign-in" in html
    assert 'href="/account/two-factor/"' in html

    enable_totp(db.session.get(User, organiser.id))
    db.session.commit()
    assert login(organiser).get(f"/events/{event.slug}/manage/").status_code == 200


def test_site_admin_without_second_factor_cannot_administer(app, login):
    admin = make_user(admin=True, second_factor=False)

    page = login(admin).get("/admin/")

    assert page.status_code == 403
    assert "Your staff role needs two-factor sign-in" in page.get_data(as_text=True)
    assert "needs two-factor sign-in before its pages open" in login(admin).get("/").get_data(
        as_text=True
    )


def test_door_staff_need_a_second_factor_only_when_the_setting_says_so(app, login):
    event = make_event()
    door = make_staff(event, "door_staff", second_factor=False)
    scanner = f"/events/{event.slug}/scan"

    assert login(door).get(scanner).status_code == 200
    app.config["DOOR_STAFF_REQUIRE_SECOND_FACTOR"] = True
    refused = login(door).get(scanner)

    assert refused.status_code == 403
    assert "two-factor sign-in" in refused.get_data(as_text=True)


def test_attendees_without_second_factor_see_plain_errors(app, login):
    event = make_event()
    attendee = make_user()

    page = login(attendee).get(f"/events/{event.slug}/manage/")

    assert page.status_code == 403
    assert "two-factor" not in page.get_data(as_text=True)
