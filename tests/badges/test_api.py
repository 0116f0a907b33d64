"""The check-in JSON API: authentication, device tokens, CSRF, errors, offline data, sync."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from conference.badges import services
from conference.db_types import utcnow
from conference.extensions import db
from tests.badges.helpers import badge_for, scan_at
from tests.conftest import csrf_token_from
from tests.factories import make_event, make_session, make_staff, make_user, sign_in


@pytest.fixture
def event(app):
    return make_event(slug="border-2027", title="CERIS border security")


def _device(event, name="Entrance phone"):
    device, token = services.create_device(event, name, actor=None)
    db.session.commit()
    return device, token


def _post(client, event, body, token=None, path="checkins", **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/api/v1/events/{event.slug}/{path}", json=body, headers=headers, **kwargs)


def test_device_token_scans_and_gets_the_answer(client, event):
    _, token = _device(event)
    _, badge = badge_for(event, name="Jan Jansen")

    response = _post(client, event, {"code": badge.token, "checkpoint": "entrance"}, token)

    body = response.get_json()
    assert response.status_code == 200
    assert (body["result"], body["reason"]) == ("accepted", "checked_in")
    assert body["attendee"]["name"] == "Jan Jansen"
    assert body["message"] == "Checked in. Welcome!"
    assert body["checkpoint_label"] == "Event entrance"


def test_device_token_is_stored_hashed_and_shown_once(login, event):
    organiser = make_staff(event, "organiser")
    client = login(organiser)

    page = client.post(f"/events/{event.slug}/manage/badges/devices", data={"name": "Door 1"})
    token = page.get_data(as_text=True).split('id="new-token"')[1].split('value="')[1].split('"')[0]
    again = client.get(f"/events/{event.slug}/manage/badges/devices").get_data(as_text=True)

    device = services.list_devices(event)[0]
    assert token.startswith("cdt_") and device.token_hash != token and token not in again
    assert "Door 1" in again and device.token_hint in again


def test_revoked_device_token_is_refused(client, event):
    device, token = _device(event)
    _, badge = badge_for(event)
    services.revoke_device(device, actor=None)
    db.session.commit()

    response = _post(client, event, {"code": badge.token, "checkpoint": "entrance"}, token)

    assert response.status_code == 401
    assert "revoked" in response.get_json()["error"]["message"]
    from conference.badges.models import Scan

    assert db.session.query(Scan).count() == 0


def test_device_token_of_another_event_is_refused(client, event):
    other = make_event(slug="other-2027")
    _, token = _device(other)
    _, badge = badge_for(event)

    response = _post(client, event, {"code": badge.token, "checkpoint": "entrance"}, token)

    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "This device token is for another event."


def test_unknown_token_and_no_credentials_are_401(client, event):
    assert (
        _post(client, event, {"code": "x", "checkpoint": "entrance"}, "cdt_nope").status_code == 401
    )
    response = _post(client, event, {"code": "x", "checkpoint": "entrance"})
    assert response.status_code == 401
    assert "Bearer" in response.get_json()["error"]["message"]


def test_door_staff_of_another_event_get_403(login, event):
    other = make_event(slug="other-2027")
    stranger = make_staff(other, "door_staff")
    _, badge = badge_for(event)

    response = _post(login(stranger), event, {"code": badge.token, "checkpoint": "entrance"})

    assert response.status_code == 403
    assert login(stranger).get(f"/api/v1/events/{event.slug}/attendees").status_code == 403


def test_attendee_without_staff_role_cannot_scan_or_read_lists(login, event):
    attendee = make_user()
    client = login(attendee)

    assert _post(client, event, {"code": "x", "checkpoint": "entrance"}).status_code == 403
    for path in ("keys", "revocations", "attendees", "checkpoints"):
        assert client.get(f"/api/v1/events/{event.slug}/{path}").status_code == 403


def test_logged_in_scanner_must_send_the_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        event = make_event(slug="csrf-2027")
        door = make_staff(event, "door_staff")
        _, badge = badge_for(event)
        client = sign_in(app.test_client(), door)
        body = {"code": badge.token, "checkpoint": "entrance"}

        refused = client.post("/api/v1/events/csrf-2027/checkins", json=body)
        page = client.get("/events/csrf-2027/scan").get_data(as_text=True)
        accepted = client.post(
            "/api/v1/events/csrf-2027/checkins",
            json=body,
            headers={"X-CSRFToken": csrf_token_from(page)},
        )
        _, token = _device(event)
        by_device = client.post(
            "/api/v1/events/csrf-2027/checkins",
            json={"code": badge.token, "checkpoint": "entrance"},
            headers={"Authorization": f"Bearer {token}"},
        )
        db.session.remove()

    assert refused.status_code == 400 and refused.get_json()["error"]["name"] == "csrf"
    assert accepted.status_code == 200 and accepted.get_json()["result"] == "accepted"
    assert by_device.status_code == 200  # token-authenticated: no CSRF token needed


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        ("{not json", "application/json", "JSON object"),
        ("[1, 2]", "application/json", "JSON object"),
        ("code=x", "application/x-www-form-urlencoded", "JSON object"),
        ('{"checkpoint": "entrance"}', "application/json", "scanned code"),
        ('{"code": "x"}', "application/json", "checkpoint"),
        ('{"code": "x", "checkpoint": "session:abc"}', "application/json", "checkpoint"),
        (
            '{"code": "x", "checkpoint": "entrance", "scanned_at": "yesterday"}',
            "application/json",
            "ISO 8601",
        ),
    ],
)
def test_malformed_requests_get_400_json_with_a_message(
    client, event, data, content_type, expected
):
    _, token = _device(event)

    response = client.post(
        f"/api/v1/events/{event.slug}/checkins",
        data=data,
        content_type=content_type,
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 400
    assert expected in response.get_json()["error"]["message"]


def test_session_of_another_event_is_not_a_checkpoint(client, event):
    other = make_event(slug="other-2027")
    foreign_session = make_session(other)
    _, token = _device(event)

    response = _post(
        client, event, {"code": "x", "checkpoint": f"session:{foreign_session.id}"}, token
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "No such checkpoint at this event."


def test_scan_endpoint_is_rate_limited_per_device(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, SCAN_RATE_LIMIT="3 per minute")
    with app.app_context():
        event = make_event(slug="limited-2027")
        _, token = _device(event)
        _, other_token = _device(event, "Second")
        client = app.test_client()
        codes = [
            _post(client, event, {"code": "x", "checkpoint": "entrance"}, token).status_code
            for _ in range(4)
        ]
        other = _post(client, event, {"code": "x", "checkpoint": "entrance"}, other_token)
        limited = _post(client, event, {"code": "x", "checkpoint": "entrance"}, token)
        db.session.remove()

    assert codes == [200, 200, 200, 429]
    assert other.status_code == 200
    assert limited.is_json and limited.get_json()["error"]["code"] == 429


def test_offline_sync_is_idempotent_and_reports_each_result(client, event):
    _, token = _device(event)
    _, badge = badge_for(event, name="Queued Person")
    _, other = badge_for(event, name="Other Person")
    seen = (utcnow() - timedelta(minutes=5)).isoformat()
    scans = [
        {
            "code": badge.token,
            "checkpoint": "entrance",
            "client_scan_id": str(uuid.uuid4()),
            "scanned_at": seen,
        },
        {"code": "garbage", "checkpoint": "entrance", "client_scan_id": str(uuid.uuid4())},
        {"code": other.token, "checkpoint": "nowhere", "client_scan_id": str(uuid.uuid4())},
    ]

    first = _post(client, event, {"scans": scans}, token, path="checkins/batch").get_json()
    again = _post(client, event, {"scans": scans}, token, path="checkins/batch").get_json()

    results = first["results"]
    assert [r.get("result") for r in results] == ["accepted", "refused", None]
    assert results[0]["scanned_at"].startswith(seen[:16])
    assert results[2]["error"]["message"] == 'Give the checkpoint: "entrance" or "session:<id>".'
    assert [r.get("id") for r in again["results"][:2]] == [r["id"] for r in results[:2]]
    from conference.badges.models import Scan

    assert db.session.query(Scan).count() == 2


def test_offline_scan_conflicting_with_a_later_online_scan_is_refused_on_sync(client, event):
    event.entrance_readmits = False
    db.session.commit()
    _, token = _device(event)
    _, phone = _device(event, "Phone offline")
    _, badge = badge_for(event)
    _post(client, event, {"code": badge.token, "checkpoint": "entrance"}, token)

    body = {
        "scans": [{"code": badge.token, "checkpoint": "entrance", "client_scan_id": "offline-0001"}]
    }
    result = _post(client, event, body, phone, path="checkins/batch").get_json()["results"][0]

    assert (result["result"], result["reason"]) == ("refused", "already_checked_in")


def test_offline_data_for_an_authorised_scanner(client, event):
    _, token = _device(event)
    registration, badge = badge_for(event, name="Listed Person", category="academia")
    pending, _ = badge_for(event, name="Pending Person", status="pending")
    services.reissue_badge(badge, actor=None)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}

    keys = client.get(f"/api/v1/events/{event.slug}/keys", headers=headers).get_json()["keys"]
    revocations = client.get(f"/api/v1/events/{event.slug}/revocations", headers=headers).get_json()
    attendees = client.get(f"/api/v1/events/{event.slug}/attendees", headers=headers).get_json()

    assert keys[0]["status"] == "active" and len(keys[0]["public_key"]) == 43
    assert revocations["badges"] == [
        {"badge": badge.public_id, "valid_version": 2, "revoked": False}
    ]
    names = [a["name"] for a in attendees["attendees"]]
    assert names == ["Listed Person"]  # pending registrations without a badge are not listed
    assert attendees["attendees"][0]["badge_version"] == 2


def test_name_search_and_manual_check_in_by_api(client, event):
    _, token = _device(event)
    registration, _ = badge_for(event, name="Søren Nielsen")
    headers = {"Authorization": f"Bearer {token}"}

    found = client.get(f"/api/v1/events/{event.slug}/attendees?q=nielsen", headers=headers)
    manual = _post(
        client,
        event,
        {
            "registration": found.get_json()["attendees"][0]["registration"],
            "checkpoint": "entrance",
        },
        token,
        path="checkins/manual",
    ).get_json()

    assert found.get_json()["attendees"][0]["name"] == "Søren Nielsen"
    assert (manual["result"], manual["manual"]) == ("accepted", True)
    assert registration.id == found.get_json()["attendees"][0]["registration"]


def test_hidden_session_title_is_not_shown_to_a_device(client, event):
    session = make_session(
        event, title="Secret briefing", restricted_to=["member_state_expert"], visibility="hidden"
    )
    _, token = _device(event)
    _, badge = badge_for(event, category="academia")
    headers = {"Authorization": f"Bearer {token}"}

    answer = _post(
        client, event, {"code": badge.token, "checkpoint": f"session:{session.id}"}, token
    )
    checkpoints = client.get(f"/api/v1/events/{event.slug}/checkpoints", headers=headers)

    assert answer.get_json()["reason"] == "not_authorised"
    assert "Secret briefing" not in answer.get_data(as_text=True)
    assert "Secret briefing" not in checkpoints.get_data(as_text=True)
    assert "Closed session" in answer.get_json()["checkpoint_label"]


def test_stats_are_for_organisers_only(client, login, event):
    organiser = make_staff(event, "organiser")
    door = make_staff(event, "door_staff")
    _, badge = badge_for(event)
    scan_at(event, badge.token, door)

    stats = login(organiser).get(f"/api/v1/events/{event.slug}/checkins/stats")

    assert stats.get_json()["checkpoints"][0] == {
        "checkpoint": "entrance",
        "label": "Event entrance",
        "checked_in": 1,
        "refused": 0,
        "capacity": None,
    }
    _, token = _device(event)
    by_device = client.get(
        f"/api/v1/events/{event.slug}/checkins/stats", headers={"Authorization": f"Bearer {token}"}
    )
    assert by_device.status_code == 403
