"""Organisers' destructive actions ask first, on a page of their own (conference/confirmation.py).

Each: the list links to the page (no one-click form), the page says what will happen with a
destructive-styled button and a way back, neither the page nor a POST without ``confirm``
changes anything, and the confirmed POST does the action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from conference.agenda.models import Track
from conference.badges import services as badge_services
from conference.badges import signing
from conference.badges.models import Badge, ScanDevice
from conference.events.models import EventStaff
from conference.extensions import db
from conference.registration.models import Registration
from tests.conftest import csrf_token_from
from tests.factories import make_attendee, make_open_event, make_staff, make_track, sign_in


@dataclass
class Action:
    """One destructive action: where it is offered, its page, and how to tell it happened."""

    listed_on: str  # the page that links to the confirmation
    url: str
    question: str
    done: Callable[[], bool]
    extra: dict | None = None  # what the action POSTs besides ``confirm``


@pytest.fixture
def stage(app):
    event = make_open_event(slug="ask-first", mode="moderated")
    organiser = make_staff(event, "organiser", name="Olga Organiser")
    door = make_staff(event, "door_staff", name="Dora Door")
    holder = make_attendee(event, name="Bea Badge")
    expert = make_attendee(event, category="member_state_expert", verified=True, name="Ed Expert")
    badge = badge_services.ensure_badge(holder)
    device, _ = badge_services.create_device(event, "Door 1 tablet", actor=None)
    track = make_track(event, "Dual use")
    db.session.commit()
    key_id = signing.active_key(event).key_id
    base = f"/events/{event.slug}/manage"
    ids = {"badge": badge.id, "device": device.id, "track": track.id}

    def fresh(model, row_id):
        db.session.expire_all()
        return db.session.get(model, row_id)

    actions = {
        "reissue badge": Action(
            f"{base}/badges/",
            f"{base}/badges/{badge.public_id}/reissue",
            "Reissue the badge of Bea Badge?",
            lambda: fresh(Badge, ids["badge"]).version == 2,
        ),
        "revoke badge": Action(
            f"{base}/badges/",
            f"{base}/badges/{badge.public_id}/revoke",
            "Revoke the badge of Bea Badge?",
            lambda: fresh(Badge, ids["badge"]).is_revoked,
        ),
        "revoke key": Action(
            f"{base}/badges/keys",
            f"{base}/badges/keys/{key_id}/revoke",
            f"Revoke the signing key {key_id}?",
            lambda: signing.get_key(event, key_id).revoked_at is not None,
        ),
        "revoke device": Action(
            f"{base}/badges/devices",
            f"{base}/badges/devices/{device.id}/revoke",
            "Revoke the scanning device “Door 1 tablet”?",
            lambda: fresh(ScanDevice, ids["device"]).is_revoked,
        ),
        "delete track": Action(
            f"{base}/agenda/tracks/",
            f"{base}/agenda/tracks/{track.id}/delete",
            "Delete the track “Dual use”?",
            lambda: fresh(Track, ids["track"]) is None,
        ),
        "cancel registration": Action(
            f"{base}/registrations/{holder.id}",
            f"{base}/registrations/{holder.id}/cancel",
            "Cancel the registration of Bea Badge?",
            lambda: fresh(Registration, holder.id).status == "cancelled",
        ),
        "withdraw verification": Action(
            f"{base}/registrations/{expert.id}",
            f"{base}/registrations/{expert.id}/unverify",
            "Withdraw the verification of Ed Expert?",
            lambda: not fresh(Registration, expert.id).category_verified,
        ),
        "remove staff": Action(
            f"{base}/staff",
            f"{base}/staff/remove",
            "Remove Dora Door as door staff?",
            lambda: db.session.get(EventStaff, door_grant) is None,
            extra={"user_id": str(door.id), "role": "door_staff"},
        ),
    }
    door_grant = db.session.scalar(db.select(EventStaff.id).where(EventStaff.user_id == door.id))
    return organiser, actions


ACTIONS = [
    "reissue badge",
    "revoke badge",
    "revoke key",
    "revoke device",
    "delete track",
    "cancel registration",
    "withdraw verification",
    "remove staff",
]


def _ask(client, action: Action):
    """The confirmation page, as the organiser reaches it from the list."""
    if action.extra is None:
        return client.get(action.url)
    return client.post(action.url, data=action.extra)  # the list's button sends who and what


@pytest.mark.parametrize("name", ACTIONS)
def test_the_confirmation_page_says_what_will_happen_and_changes_nothing(stage, login, name):
    organiser, actions = stage
    action = actions[name]
    client = login(organiser)

    listing = client.get(action.listed_on).get_data(as_text=True)
    page = _ask(client, action)
    html = page.get_data(as_text=True)

    path = action.url.split("?")[0]
    assert f'href="{path}"' in listing or f'action="{path}"' in listing
    assert page.status_code == 200
    assert f"<h1>{action.question}</h1>" in html.replace("&#34;", '"')
    assert "What will happen" in html
    assert 'class="button button-danger">Yes, ' in html
    assert 'class="button button-secondary" href="' in html and ">No, keep the " in html
    assert not action.done()


@pytest.mark.parametrize("name", ACTIONS)
def test_a_post_without_the_confirmation_only_shows_the_page(stage, login, name):
    organiser, actions = stage
    action = actions[name]

    response = login(organiser).post(action.url, data=action.extra or {})

    assert response.status_code == 200
    assert "What will happen" in response.get_data(as_text=True)
    assert not action.done()


@pytest.mark.parametrize("name", ACTIONS)
def test_the_confirmed_post_does_it(stage, login, name):
    organiser, actions = stage
    action = actions[name]

    response = login(organiser).post(action.url, data={"confirm": "yes", **(action.extra or {})})

    assert response.status_code in (302, 303)
    assert action.done()


def test_the_confirmation_form_carries_its_csrf_token(stage, app_factory):
    organiser, actions = stage
    action = actions["revoke badge"]
    protected = app_factory(WTF_CSRF_ENABLED=True)
    with protected.app_context():
        client = sign_in(protected.test_client(), organiser)
        page = client.get(action.url).get_data(as_text=True)
        forged = client.post(action.url, data={"confirm": "yes"})
        forged_done = action.done()
        confirmed = client.post(
            action.url, data={"confirm": "yes", "csrf_token": csrf_token_from(page)}
        )
        db.session.remove()

    assert forged.status_code == 400 and not forged_done  # no token: refused, nothing done
    assert confirmed.status_code == 302
    assert action.done()


def test_a_badge_already_revoked_has_nothing_left_to_confirm(stage, login):
    organiser, actions = stage
    action = actions["revoke badge"]
    client = login(organiser)
    client.post(action.url, data={"confirm": "yes"})

    again = client.get(action.url, follow_redirects=True)

    assert "is already revoked" in again.get_data(as_text=True)


def test_the_key_page_counts_the_badges_to_print_again(stage, login):
    organiser, actions = stage

    html = login(organiser).get(actions["revoke key"].url).get_data(as_text=True)

    assert "1 badge(s) signed with it are signed again" in html


def test_door_staff_reach_no_confirmation_page(stage, login, app):
    _, actions = stage
    door = db.session.scalar(db.select(EventStaff).where(EventStaff.role == "door_staff")).user
    client = login(door)

    for name in ("revoke badge", "revoke device", "cancel registration"):
        assert client.get(actions[name].url).status_code == 403
