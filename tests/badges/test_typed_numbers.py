"""The short number printed on a badge, typed at the door: same rules, manual, limited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conference.badges import numbers, services
from conference.badges.answers import answer_json
from conference.badges.models import Scan
from conference.db_types import utcnow
from conference.extensions import db
from tests.badges.helpers import badge_for, scan_at
from tests.factories import make_event, make_session, make_staff


@pytest.fixture
def event(app):
    return make_event(title="CERIS border security")


@pytest.fixture
def door(event):
    return make_staff(event, "door_staff", name="Door Person")


def _printed(badge) -> str:
    return numbers.printed_number(badge.public_id)


def _confused(number: str) -> str:
    """The number as a hurried person types it: lower case, O as 0, I as 1, spaced."""
    typed = number.lower().replace("o", "0").replace("i", "1")
    return f"{typed[:4]} {typed[4:]}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("57QEG2PI", "57QEG2PI"),
        ("57qeg2p1", "57QEG2PI"),
        ("57QEG2PL", "57QEG2PI"),
        ("Badge 57QE-G2PI", "57QEG2PI"),
        ("5OQ0G2PI", "5OQOG2PI"),
        ("57QEG2P", None),  # too short
        ("57QEG2PI9", None),
        ("57QEG8PI", None),  # 8 is in no badge number
        ("CB1.AAAA.BBBB", None),
        ("x" * 10_000, None),
    ],
)
def test_typed_numbers_are_read_forgivingly(typed, expected):
    assert numbers.typed_number(typed) == expected


def test_typed_number_checks_in_as_a_manual_entry_with_identity_fields(event, door):
    registration, badge = badge_for(event, name="Ελένη Παπαδοπούλου", category="academia")
    registration.organisation = "University of Athens"
    registration.country = "GR"
    db.session.commit()

    scan = scan_at(event, _confused(_printed(badge)), door)
    answer = answer_json(scan, door)

    assert (answer["result"], answer["reason"]) == ("accepted", "checked_in")
    assert (scan.entry, scan.manual, scan.actor_user_id) == ("number", True, door.id)
    assert answer["check_identity"] is True
    assert answer["attendee"] == {
        "name": "Ελένη Παπαδοπούλου",
        "organisation": "University of Athens",
        "country": "Greece",
        "category": "academia",
        "category_label": "Academia",
        "category_verified": registration.category_verified,
    }
    assert answer["badge"] == badge.public_id


def test_typed_number_follows_the_door_rules(event, door):
    registration, badge = badge_for(event)
    restricted = make_session(event, restricted_to=["member_state_expert"])
    number = _printed(badge)

    assert scan_at(event, number, door, restricted).reason == "not_authorised"
    assert scan_at(event, number, door).reason == "checked_in"
    assert scan_at(event, number, door).result == "already_in"
    services.revoke_badge(badge, actor=door)
    db.session.commit()
    assert scan_at(event, number, door).reason == "revoked_badge"


def test_typed_number_of_a_pending_registration_is_refused(event, door):
    registration, badge = badge_for(event)
    registration.status = "pending"
    db.session.commit()

    answer = answer_json(scan_at(event, _printed(badge), door), door)

    assert (answer["result"], answer["reason"]) == ("refused", "not_approved")


def test_typed_number_of_another_event_is_unknown_here(event, door):
    _, elsewhere = badge_for(make_event(title="Other"))

    answer = answer_json(scan_at(event, _printed(elsewhere), door), door)

    assert (answer["result"], answer["reason"]) == ("refused", "unknown_number")
    assert answer["attendee"] is None


def test_failed_numbers_are_limited_per_scanner(event, door, app):
    app.config["SCAN_NUMBER_FAILURES"] = 3
    _, badge = badge_for(event)
    other = make_staff(event, "door_staff", name="Other Door")
    now = utcnow()

    misses = [scan_at(event, f"ZZZZZZ{c}{c}", door, now=now).reason for c in "ABC"]
    blocked = scan_at(event, _printed(badge), door, now=now + timedelta(seconds=1))

    assert misses == ["unknown_number"] * 3
    assert (blocked.result, blocked.reason) == ("refused", "too_many_attempts")
    # Another scanner is not blocked, and the block ends after the window.
    assert scan_at(event, "ZZZZZZDD", other, now=now).reason == "unknown_number"
    later = now + timedelta(seconds=app.config["SCAN_NUMBER_WINDOW_SECONDS"] + 5)
    assert scan_at(event, _printed(badge), door, now=later).reason == "checked_in"
    assert db.session.query(Scan).filter_by(reason="too_many_attempts").count() == 1


def test_scanned_codes_are_not_limited_by_failed_numbers(event, door, app):
    app.config["SCAN_NUMBER_FAILURES"] = 1
    _, badge = badge_for(event)
    scan_at(event, "ZZZZZZAA", door)

    assert scan_at(event, badge.token, door).reason == "checked_in"


def test_number_key_is_stored_folded(event):
    _, badge = badge_for(event)

    assert badge.number_key == numbers.fold(badge.public_id[:8])
    assert "L" not in badge.number_key
