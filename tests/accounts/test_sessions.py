"""Sessions that end (issue 18): the list of devices, revoking one, logging out everywhere,
staff sessions ended by inactivity, and the password (and code) again before sensitive acts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from conference.accounts.models import User, UserSession
from conference.db_types import utcnow
from conference.extensions import db
from tests.factories import PASSWORD, make_event, make_staff, make_user, totp_code
from tests.querycount import count_queries


def _rows(user) -> list[UserSession]:
    db.session.expire_all()
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()


def _age(user, **fields: timedelta) -> None:
    """Move the account's session times into the past (as if time had passed)."""
    values = {name: utcnow() - ago for name, ago in fields.items()}
    db.session.execute(update(UserSession).where(UserSession.user_id == user.id).values(**values))
    db.session.commit()


def test_log_in_opens_a_session_row_listed_with_its_device(app, client):
    user = make_user("ola@example.org")

    client.post(
        "/account/login",
        data={"email": "ola@example.org", "password": PASSWORD},
        headers={"User-Agent": "Firefox on Linux"},
        environ_base={"REMOTE_ADDR": "198.51.100.4"},
    )
    page = client.get("/account/sessions/").get_data(as_text=True)

    [row] = _rows(user)
    assert (row.user_agent, row.address, row.method) == (
        "Firefox on Linux",
        "198.51.100.4",
        "password",
    )
    assert "Firefox on Linux <strong>(this device)</strong>" in page
    assert "198.51.100.4" in page


def test_staff_sessions_end_after_the_idle_minutes(app, login):
    event = make_event()
    organiser = make_staff(event, "organiser")
    attendee = make_user()
    staff_client, attendee_client = login(organiser), login(attendee)
    _age(organiser, last_seen_at=timedelta(minutes=31))
    _age(attendee, last_seen_at=timedelta(minutes=31))

    ended = staff_client.get(f"/events/{event.slug}/manage/")

    assert ended.status_code == 302 and "/account/login" in ended.headers["Location"]
    assert _rows(organiser)[0].revoked_at is not None
    assert "ended after a while without activity" in staff_client.get("/account/login").get_data(
        as_text=True
    )
    # An attendee's session lasts two weeks.
    assert attendee_client.get("/account/profile").status_code == 200


def test_activity_keeps_a_session_alive(app, login):
    event = make_event()
    organiser = make_staff(event, "organiser")
    client = login(organiser)
    _age(organiser, last_seen_at=timedelta(minutes=29))

    assert client.get(f"/events/{event.slug}/manage/").status_code == 200

    [row] = _rows(organiser)
    assert row.last_seen_at > utcnow() - timedelta(minutes=1)
    assert row.revoked_at is None


def test_a_session_used_within_both_limits_is_kept_without_reading_the_roles(app, login):
    # Live for staff and attendees alike: which the account is need not be asked.
    event = make_event()
    organiser = make_staff(event, "organiser")
    client = login(organiser)
    _age(organiser, last_seen_at=timedelta(minutes=29))
    with count_queries(db.engine) as recent:
        assert client.get("/account/profile").status_code == 200
    _age(organiser, last_seen_at=timedelta(minutes=31))
    with count_queries(db.engine) as idle:
        assert client.get("/account/profile").status_code == 302

    assert not [s for s in recent.statements if "FROM event_staff" in s], recent
    assert [s for s in idle.statements if "FROM event_staff" in s], idle


def test_revoking_another_device_logs_it_out(app, login):
    user = make_user()
    laptop, phone = login(user), login(user)
    phone_row = max(_rows(user), key=lambda r: r.id)

    laptop.post(f"/account/sessions/{phone_row.id}/revoke")

    assert phone.get("/account/profile").status_code == 302
    assert laptop.get("/account/profile").status_code == 200
    stranger = login(make_user())
    laptop_row = min(_rows(user), key=lambda r: r.id)
    assert stranger.post(f"/account/sessions/{laptop_row.id}/revoke").status_code == 404
    assert laptop.get("/account/profile").status_code == 200


def test_log_out_everywhere_ends_every_session(app, login):
    user = make_user()
    laptop, phone = login(user), login(user)
    token = user.session_token

    done = laptop.post("/account/sessions/logout-everywhere")

    assert done.status_code == 302 and done.headers["Location"].endswith("/account/login")
    assert laptop.get("/account/profile").status_code == 302
    assert phone.get("/account/profile").status_code == 302
    assert db.session.get(User, user.id).session_token != token
    assert all(row.revoked_at is not None for row in _rows(user))


def test_changing_the_password_keeps_this_session_only(app, login):
    user = make_user()
    here, elsewhere = login(user), login(user)

    here.post(
        "/account/password",
        data={
            "pw-current_password": PASSWORD,
            "pw-password": "another long password",
            "pw-confirm": "another long password",
        },
    )

    assert here.get("/account/profile").status_code == 200
    assert elsewhere.get("/account/profile").status_code == 302
    assert (
        len(here.get("/account/sessions/").get_data(as_text=True).split("Log out this session"))
        == 1
    )


def test_export_asks_for_the_password_and_code_again_after_a_while(app, login):
    event = make_event()
    organiser = make_staff(event, "organiser")
    client = login(organiser)
    csv_path = f"/events/{event.slug}/manage/registrations.csv"
    assert client.get(csv_path).status_code == 200  # just signed in
    _age(organiser, authenticated_at=timedelta(minutes=16))

    detour = client.get(csv_path)

    assert detour.status_code == 302
    assert "/account/sessions/confirm?next=" in detour.headers["Location"]
    confirm = detour.headers["Location"]
    page = client.get(confirm).get_data(as_text=True)
    assert "Code from your authenticator app" in page
    wrong = client.post(confirm, data={"password": PASSWORD, "code": "000000"})
    assert wrong.status_code == 401
    assert client.get(csv_path).status_code == 302

    right = client.post(
        confirm, data={"password": PASSWORD, "code": totp_code(db.session.get(User, organiser.id))}
    )

    assert right.status_code == 302 and right.headers["Location"] == csv_path
    export = client.get(csv_path)
    assert export.status_code == 200 and export.mimetype == "text/csv"


def test_rotating_a_badge_key_or_granting_a_role_needs_a_recent_password(app, login):
    event = make_event()
    organiser = make_staff(event, "organiser")
    admin = make_user(admin=True)
    organiser_client, admin_client = login(organiser), login(admin)
    _age(organiser, authenticated_at=timedelta(hours=1))
    _age(admin, authenticated_at=timedelta(hours=1))
    keys = f"http://localhost/events/{event.slug}/manage/badges/keys"

    rotate = organiser_client.post(
        f"/events/{event.slug}/manage/badges/keys/rotate",
        data={"confirm": "y"},
        headers={"Referer": keys},
    )
    grant = admin_client.post(
        f"/events/{event.slug}/manage/staff", data={"email": organiser.email, "role": "door_staff"}
    )

    assert rotate.status_code == 302
    assert rotate.headers["Location"].endswith(
        f"/account/sessions/confirm?next=/events/{event.slug}/manage/badges/keys"
    )
    assert grant.status_code == 302 and "/account/sessions/confirm" in grant.headers["Location"]
    from conference.events.models import EventStaff

    assert db.session.scalar(select(EventStaff).where(EventStaff.role == "door_staff")) is None


def test_a_signed_in_request_reads_the_account_and_its_session_in_one_statement(app, login):
    client = login(make_user())
    with count_queries(db.engine) as log:
        assert client.get("/account/profile").status_code == 200

    # One read of the account (its session row joined to it), none of the session row alone.
    assert len([s for s in log.statements if s.startswith("SELECT users.")]) == 1, log
    assert not [s for s in log.statements if s.startswith("SELECT user_sessions.")], log
