"""The security log (issue 18): log-ins, failures, second-factor changes and sensitive actions,
with time, account and address, and the administrators' page that lists them."""

from __future__ import annotations

from sqlalchemy import select

from conference.accounts.models import SecurityEvent
from conference.extensions import db
from tests.factories import PASSWORD, enable_totp, make_event, make_staff, make_user, totp_code

ADDRESS = {"REMOTE_ADDR": "203.0.113.9"}


def _log() -> list[tuple[str, str, str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))
    return [(r.kind, r.email, r.address, r.detail) for r in rows]


def test_log_ins_and_failures_are_recorded_with_account_and_address(app, client):
    user = make_user("kim@example.org")
    enable_totp(user)
    db.session.commit()

    client.post(
        "/account/login",
        data={"email": "ghost@example.org", "password": "x" * 12},
        environ_base=ADDRESS,
    )
    client.post(
        "/account/login",
        data={"email": "KIM@example.org", "password": "x" * 12},
        environ_base=ADDRESS,
    )
    client.post(
        "/account/login",
        data={"email": "kim@example.org", "password": PASSWORD},
        environ_base=ADDRESS,
    )
    client.post("/account/two-factor/verify", data={"code": "000000"}, environ_base=ADDRESS)
    client.post("/account/two-factor/verify", data={"code": totp_code(user)}, environ_base=ADDRESS)

    assert _log() == [
        ("login_failed", "ghost@example.org", "203.0.113.9", ""),
        ("login_failed", "kim@example.org", "203.0.113.9", ""),
        ("second_factor_failed", "kim@example.org", "203.0.113.9", "log-in code"),
        ("login", "kim@example.org", "203.0.113.9", "totp"),
    ]
    assert (
        db.session.scalar(select(SecurityEvent.user_id).where(SecurityEvent.kind == "login"))
        == user.id
    )


def test_second_factor_changes_and_exports_are_recorded(app, login):
    event = make_event()
    organiser = make_staff(event, "organiser", email="olga@example.org")
    client = login(organiser)

    client.post("/account/two-factor/recovery-codes", data={"code": totp_code(organiser)})
    client.get(f"/events/{event.slug}/manage/registrations.csv")
    client.post(f"/events/{event.slug}/manage/badges/keys/rotate", data={"confirm": "y"})

    kinds = [(kind, email, detail.split(":")[0]) for kind, email, _, detail in _log()]
    assert kinds == [
        ("recovery_codes_renewed", "olga@example.org", ""),
        ("registrants_exported", "olga@example.org", event.slug),
        ("badge_key_rotated", "olga@example.org", event.slug),
    ]


def test_administrators_read_the_log_and_filter_it(app, login):
    admin = make_user("root@example.org", admin=True)
    client = login(admin)
    other = make_user("zed@example.org")
    anonymous = app.test_client()
    anonymous.post(
        "/account/login", data={"email": "zed@example.org", "password": "wrong password"}
    )
    anonymous.post(
        "/account/login", data={"email": "nobody@example.org", "password": "wrong password"}
    )

    page = client.get("/admin/security-log").get_data(as_text=True)
    only_zed = client.get("/admin/security-log", query_string={"email": other.email}).get_data(
        as_text=True
    )

    assert "login failed" in page and "zed@example.org" in page and "nobody@example.org" in page
    assert "zed@example.org" in only_zed and "nobody@example.org" not in only_zed
    assert login(other).get("/admin/security-log").status_code == 403
