"""Input no column can hold is refused with a 4xx that says why, before any query runs:
NUL characters (PostgreSQL text cannot store them) and numbers beyond an INTEGER column."""

from __future__ import annotations

import pytest

from tests.security.world import ORGANISER, WriteCounter, world_with_snapshot

HUGE = "9" * 25


@pytest.fixture
def world(app):
    return world_with_snapshot()[0]


@pytest.mark.parametrize(
    "path",
    [
        "/events/{slug}/sessions/{huge}/",
        "/events/{slug}/speakers/{huge}/",
        "/events/{slug}/manage/registrations/{huge}",
        "/events/{slug}/manage/agenda/rooms/{huge}/edit",
        "/events/{slug}/manage/sessions/{huge}/attendance.csv",
    ],
)
def test_ids_too_large_for_the_database_are_not_found(app, world, path):
    client = world.client_for(app, ORGANISER)

    response = client.get(path.format(slug=world.event.slug, huge=HUGE))

    assert response.status_code == 404
    assert "We could not find this page" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/account/profile", {"data": {"name": "Ann\x00", "submit": "Save"}}),
        ("GET", "/events/{slug}/manage/registrations?q=a%00b", {}),
        ("GET", "/events/this%00event/", {}),
        (
            "POST",
            "/events/{slug}/manage/agenda/rooms/",
            {"data": {"name": "A\x00", "capacity": "3"}},
        ),
    ],
)
def test_nul_characters_are_refused_with_a_message_and_nothing_written(
    app, world, method, path, payload
):
    client = world.client_for(app, ORGANISER)

    with WriteCounter() as writes:
        response = client.open(path.format(slug=world.event.slug), method=method, **payload)

    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert writes.count == 0


def test_nul_characters_in_json_are_refused_as_json(app, world):
    client = world.client_for(app, "device")

    response = client.post(
        f"/api/v1/events/{world.event.slug}/checkins",
        json={"code": world.badge.token, "checkpoint": "entrance", "client_scan_id": "a\x00" * 8},
    )

    assert response.status_code == 400
    assert "NUL character" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        (
            "/events/{slug}/manage/agenda/rooms/",
            {"name": "B", "capacity": "3", "position": HUGE},
            "position",
        ),
        ("/events/{slug}/manage/registrations/bulk", {"action": "approve", "ids": HUGE}, None),
        ("/events/{slug}/scan/manual", {"checkpoint": "entrance", "registration": HUGE}, None),
        ("/events/{slug}/manage/staff/remove", {"user_id": HUGE, "role": "door_staff"}, None),
    ],
)
def test_numbers_too_large_for_the_database_are_refused(app, world, path, data, field):
    client = world.client_for(app, ORGANISER)

    with WriteCounter() as writes:
        response = client.post(path.format(slug=world.event.slug), data=data)

    assert response.status_code in (400, 422)
    if field:
        assert "Give a whole number between" in response.get_data(as_text=True)
    assert writes.count == 0


@pytest.mark.parametrize(
    "body",
    [
        {"registration": 10**30, "checkpoint": "entrance"},
        {"registration": 1, "checkpoint": "session:" + HUGE},
        {"registration": 1, "checkpoint": "session:²"},
    ],
)
def test_api_refuses_numbers_no_row_can_have(app, world, body):
    client = world.client_for(app, "device")

    response = client.post(f"/api/v1/events/{world.event.slug}/checkins/manual", json=body)

    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_page_numbers_beyond_the_last_page_show_an_empty_page(app, world):
    client = world.client_for(app, ORGANISER)

    for path in ("registrations", "audit"):
        response = client.get(f"/events/{world.event.slug}/manage/{path}?page={HUGE}")
        assert response.status_code == 200


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(app, world):
    """The body is searched for \\u0000 before parsing: a literal backslash-u text passes."""
    client = world.client_for(app, "device")

    response = client.post(
        f"/api/v1/events/{world.event.slug}/checkins",
        json={"code": "not a code \\u0000", "checkpoint": "entrance"},
    )

    assert response.status_code == 200
    assert response.get_json()["reason"] == "invalid_code"


def test_a_nul_deep_in_a_json_key_is_refused(app, world):
    client = world.client_for(app, "device")

    response = client.post(
        f"/api/v1/events/{world.event.slug}/checkins",
        json={"code": world.badge.token, "checkpoint": "entrance", "x": [{"k\x00": 1}]},
    )

    assert response.status_code == 400
    assert "NUL character" in response.get_json()["error"]["message"]
