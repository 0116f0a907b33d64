"""Each role is allowed where it should be and refused everywhere else."""

from __future__ import annotations

import pytest

from conference import permissions
from conference.events.models import StaffRole
from conference.extensions import db
from tests.factories import enable_totp, make_event, make_staff, make_user

ACTORS = ["anonymous", "attendee", "door_staff", "organiser", "other_organiser", "admin"]


@pytest.fixture
def world(app):
    event = make_event("the-event", published=False)
    other = make_event("other-event", published=True)
    users = {
        "attendee": make_user(),
        "door_staff": make_staff(event, StaffRole.DOOR_STAFF.value),
        "organiser": make_staff(event, StaffRole.ORGANISER.value),
        "other_organiser": make_staff(other, StaffRole.ORGANISER.value),
        "admin": make_user(admin=True),
    }
    return event, other, users


def _client(app, login, users, actor):
    return app.test_client() if actor == "anonymous" else login(users[actor])


# (method, path, {actor: expected status}); "draft" event pages 404 for outsiders.
MATRIX = [
    (
        "GET",
        "/events/the-event/",
        {
            "anonymous": 404,
            "attendee": 404,
            "door_staff": 200,
            "organiser": 200,
            "other_organiser": 404,
            "admin": 200,
        },
    ),
    (
        "GET",
        "/events/the-event/manage/",
        {
            "anonymous": 302,
            "attendee": 404,
            "door_staff": 403,
            "organiser": 200,
            "other_organiser": 404,
            "admin": 200,
        },
    ),
    (
        "GET",
        "/events/the-event/manage/staff",
        {
            "anonymous": 302,
            "attendee": 404,
            "door_staff": 403,
            "organiser": 200,
            "other_organiser": 404,
            "admin": 200,
        },
    ),
    (
        "POST",
        "/events/the-event/manage/publish",
        {
            "anonymous": 302,
            "attendee": 404,
            "door_staff": 403,
            "organiser": 302,
            "other_organiser": 404,
            "admin": 302,
        },
    ),
    (
        "GET",
        "/admin/",
        {
            "anonymous": 302,
            "attendee": 403,
            "door_staff": 403,
            "organiser": 403,
            "other_organiser": 403,
            "admin": 200,
        },
    ),
    (
        "GET",
        "/admin/events/new",
        {
            "anonymous": 302,
            "attendee": 403,
            "door_staff": 403,
            "organiser": 403,
            "other_organiser": 403,
            "admin": 200,
        },
    ),
    ("GET", "/events/other-event/", {actor: 200 for actor in ACTORS}),
    ("GET", "/account/profile", {"anonymous": 302, **{a: 200 for a in ACTORS if a != "anonymous"}}),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("method", "path", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX]
)
def test_route_access_per_role(app, login, world, actor, method, path, expected):
    _, _, users = world
    client = _client(app, login, users, actor)

    response = client.open(path, method=method, data={"submit": "Publish"})

    assert response.status_code == expected[actor]
    if expected[actor] == 302 and actor == "anonymous":
        assert "/account/login" in response.headers["Location"]


def test_organiser_grants_door_staff_but_not_organiser(app, login, world):
    event, _, users = world
    client = login(users["organiser"])
    newcomer = make_user("new@example.org")

    page = client.get("/events/the-event/manage/staff").get_data(as_text=True)
    assert 'value="door_staff"' in page and 'value="organiser"' not in page
    refused = client.post(
        "/events/the-event/manage/staff", data={"email": "new@example.org", "role": "organiser"}
    )
    granted = client.post(
        "/events/the-event/manage/staff", data={"email": "new@example.org", "role": "door_staff"}
    )

    assert refused.status_code == 422
    assert granted.status_code == 302
    assert permissions.is_door_staff(newcomer, event)
    assert not permissions.is_organiser(newcomer, event)


def test_admin_grants_and_removes_organiser(app, login, world):
    event, _, users = world
    client = login(users["admin"])
    newcomer = make_user("new@example.org", name="Nia Newcomer")

    client.post(
        "/events/the-event/manage/staff", data={"email": "new@example.org", "role": "organiser"}
    )
    page = client.get("/events/the-event/manage/staff").get_data(as_text=True)
    assert "Nia Newcomer" in page
    # The role is granted, and usable once the newcomer has a second factor (issue 18).
    assert not permissions.is_organiser(newcomer, event)
    enable_totp(newcomer)
    permissions.forget_cached_roles(newcomer)
    assert permissions.is_organiser(newcomer, event)

    client.post(
        "/events/the-event/manage/staff/remove",
        data={"user_id": newcomer.id, "role": "organiser", "confirm": "yes"},
    )
    permissions.forget_cached_roles(newcomer)
    assert not permissions.is_organiser(newcomer, event)


def test_granting_to_unknown_email_explains_what_to_do(app, login, world):
    _, _, users = world
    client = login(users["admin"])

    response = client.post(
        "/events/the-event/manage/staff", data={"email": "ghost@example.org", "role": "organiser"}
    )

    assert response.status_code == 422
    assert "Ask the person to sign up first" in response.get_data(as_text=True)


def test_door_staff_may_scan_but_not_manage(world):
    event, other, users = world

    assert permissions.can_scan(users["door_staff"], event)
    assert not permissions.can_manage_event(users["door_staff"], event)
    assert not permissions.can_scan(users["door_staff"], other)
    assert not permissions.can_scan(users["attendee"], event)
    assert permissions.can_scan(users["admin"], other)
    assert not permissions.can_scan(None, event)


def test_organiser_publishes_draft_and_public_sees_it(app, login, world):
    event, _, users = world
    client = login(users["organiser"])

    client.post("/events/the-event/manage/publish")

    db.session.refresh(event)
    assert event.is_published and event.published_at is not None
    assert app.test_client().get("/events/the-event/").status_code == 200
