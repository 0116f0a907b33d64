"""The three answers at the door (re-entry in amber), online and offline scans, garbage."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from conference.badges import reports, services
from conference.badges.models import Scan
from conference.db_types import utcnow
from conference.extensions import db
from tests.badges.helpers import badge_for, scan_at
from tests.factories import make_event, make_session, make_staff


@pytest.fixture
def event(app):
    return make_event(slug="border-2027", title="CERIS border security", days=3)


@pytest.fixture
def device(event):
    device, token = services.create_device(event, "North door", actor=None)
    db.session.commit()
    return device, token


def _post(client, event, body, token, path="checkins"):
    return client.post(
        f"/api/v1/events/{event.slug}/{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )


def _scan(client, event, token, code, **extra):
    return _post(client, event, {"code": code, "checkpoint": "entrance", **extra}, token)


def test_coming_back_is_amber_with_when_and_where_then_let_in_again(client, event, device, app):
    app.config["SCAN_DUPLICATE_WINDOW_SECONDS"] = 0
    _, token = device
    _, badge = badge_for(event, name="Back From Break")
    first = _scan(client, event, token, badge.token).get_json()

    back = _scan(client, event, token, badge.token).get_json()
    again = _scan(client, event, token, badge.token, let_in_again=True).get_json()

    assert first["can_let_in_again"] is False
    assert (back["result"], back["reason"], back["can_let_in_again"]) == (
        "already_in",
        "already_in",
        True,
    )
    local = first["local_time"][:5]
    assert back["message"] == f"Already in since {local} at North door."
    assert back["attendee"]["name"] == "Back From Break"
    assert (again["result"], again["reason"]) == ("accepted", "let_in_again")
    assert again["message"] == "Let in again. Welcome back!"
    # Amber is neither a refusal nor an entry in the counts; letting in again is an entry.
    counts = {row["checkpoint"]: row for row in reports.checkpoint_counts(event, None)}
    assert (counts["entrance"]["checked_in"], counts["entrance"]["refused"]) == (1, 0)


def test_let_in_again_tapped_twice_is_one_entry(event, device, app):
    app.config["SCAN_DUPLICATE_WINDOW_SECONDS"] = 5
    north, _ = device
    _, badge = badge_for(event)
    # Fixed instants at noon, event time: the test never straddles the event's midnight.
    noon = datetime.combine(event.start_date, time(12, 0), event.tz)
    scan_at(event, badge.token, north, now=noon)

    back = noon + timedelta(minutes=30)
    amber = scan_at(event, badge.token, north, now=back)
    taps = [
        scan_at(event, badge.token, north, now=back + timedelta(seconds=n), let_in_again=True)
        for n in (1, 2)
    ]

    assert (amber.result, amber.repeat_of_id) == ("already_in", None)
    assert [(t.result, t.reason) for t in taps] == [("accepted", "let_in_again")] * 2
    assert (taps[0].repeat_of_id, taps[1].repeat_of_id) == (None, taps[0].id)


def test_event_without_re_entry_refuses_the_second_entry_the_same_day(client, event, device, app):
    app.config["SCAN_DUPLICATE_WINDOW_SECONDS"] = 0
    event.entrance_readmits = False
    db.session.commit()
    _, token = device
    _, badge = badge_for(event)
    _scan(client, event, token, badge.token)

    body = _scan(client, event, token, badge.token, let_in_again=True).get_json()

    assert (body["result"], body["reason"], body["can_let_in_again"]) == (
        "refused",
        "already_checked_in",
        False,
    )
    assert "does not admit re-entry" in body["message"]


def test_re_entry_defaults_to_yes_for_several_days_and_no_for_one(app):
    assert make_event(days=2).admits_reentry is True
    assert make_event(days=1).admits_reentry is False
    assert make_event(days=1, entrance_readmits=True).admits_reentry is True


def test_session_doors_keep_their_own_rule(event):
    door = make_staff(event, "door_staff")
    session = make_session(event)
    _, badge = badge_for(event)
    scan_at(event, badge.token, door, session, now=utcnow() - timedelta(minutes=5))

    again = scan_at(event, badge.token, door, session, let_in_again=True)

    assert (again.result, again.reason) == ("refused", "already_checked_in")


def test_online_scan_keeps_the_device_time_as_information_only(client, event, device, app):
    app.config["SCAN_DUPLICATE_WINDOW_SECONDS"] = 0
    _, token = device
    _, badge = badge_for(event)
    wrong_clock = (utcnow() - timedelta(days=1)).isoformat()

    first = _scan(client, event, token, badge.token, scanned_at=wrong_clock).get_json()
    second = _scan(client, event, token, badge.token, scanned_at=wrong_clock).get_json()

    # A clock a day behind would make the second scan "yesterday's" entry, and admit it.
    assert first["offline"] is False and second["result"] == "already_in"
    scan = db.session.get(Scan, first["id"])
    assert scan.offline is False and scan.client_scanned_at is not None
    assert scan.seen_at == scan.scanned_at
    assert first["scanned_at"] == scan.scanned_at.isoformat()


def test_online_and_offline_scans_are_logged_distinctly(client, event, device):
    _, token = device
    online, queued = badge_for(event, name="On Line")[1], badge_for(event, name="Off Line")[1]
    seen = (utcnow() - timedelta(minutes=10)).isoformat()
    _scan(client, event, token, online.token, scanned_at=utcnow().isoformat())
    batch = {"scans": [{"code": queued.token, "checkpoint": "entrance", "scanned_at": seen}]}
    uploaded = _post(client, event, batch, token, path="checkins/batch").get_json()["results"][0]

    rows = {row["name"]: row for row in reports.scan_log_rows(event, reports.scan_log(event), None)}

    assert uploaded["offline"] is True and uploaded["scanned_at"].startswith(seen[:16])
    assert (rows["On Line"]["kind"], rows["Off Line"]["kind"]) == ("online", "offline")
    assert rows["Off Line"]["seen_at"] != rows["Off Line"]["time"]


def test_ten_kilobytes_of_garbage_is_an_invalid_code_and_logged(client, event, device):
    _, token = device

    response = _scan(client, event, token, "Z" * 10_000)

    body = response.get_json()
    assert response.status_code == 200
    assert (body["result"], body["reason"]) == ("refused", "invalid_code")
    logged = db.session.get(Scan, body["id"])
    assert (logged.result, logged.reason, logged.badge_id) == ("refused", "invalid_code", None)


@pytest.mark.parametrize("body", [{"code": ""}, {"code": 12}, {"code": "   "}])
def test_no_code_at_all_is_still_a_missing_code(client, event, device, body):
    _, token = device

    response = _post(client, event, {"checkpoint": "entrance", **body}, token)

    assert (response.status_code, response.get_json()["error"]["name"]) == (400, "missing_code")
    assert db.session.query(Scan).count() == 0


def test_flags_must_be_booleans(client, event, device):
    _, token = device
    _, badge = badge_for(event)

    response = _scan(client, event, token, badge.token, let_in_again="yes")

    assert (response.status_code, response.get_json()["error"]["name"]) == (400, "bad_flag")
    assert db.session.query(Scan).count() == 0


def test_checkpoints_tell_offline_scanners_whether_the_entrance_readmits(client, event, device):
    _, token = device
    make_session(event)

    first = client.get(
        f"/api/v1/events/{event.slug}/checkpoints", headers={"Authorization": f"Bearer {token}"}
    ).get_json()["checkpoints"]
    event.entrance_readmits = False
    db.session.commit()
    second = client.get(
        f"/api/v1/events/{event.slug}/checkpoints", headers={"Authorization": f"Bearer {token}"}
    ).get_json()["checkpoints"]

    assert [c["admits_reentry"] for c in first] == [True, False]
    assert [c["admits_reentry"] for c in second] == [False, False]
