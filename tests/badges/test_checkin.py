"""The door rules: codes that are refused, the restricted-session matrix, repeats and re-entries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conference.badges import checkin, services, signing, tokens
from conference.badges.answers import answer_json
from conference.badges.checkpoints import Checkpoint
from conference.db_types import utcnow
from conference.extensions import db
from tests.badges.helpers import badge_for, scan_at
from tests.factories import make_booking, make_event, make_room, make_session, make_staff


@pytest.fixture
def event(app):
    return make_event(title="CERIS border security")


@pytest.fixture
def door(event):
    return make_staff(event, "door_staff", name="Door Person")


def test_valid_badge_is_accepted_at_the_entrance_with_the_attendee(event, door):
    registration, badge = badge_for(event, name="Łucja Kowalska", category="industry")

    scan = scan_at(event, badge.token, door)
    answer = answer_json(scan, door)

    assert (answer["result"], answer["reason"]) == ("accepted", "checked_in")
    assert answer["attendee"]["name"] == "Łucja Kowalska"
    assert answer["attendee"]["category_label"] == "Industry"
    assert answer["previous_check_in"] is None
    assert scan.registration_id == registration.id and scan.actor_user_id == door.id


def test_altered_code_is_refused_as_invalid(event, door):
    _, badge = badge_for(event)
    payload = bytearray(tokens.b32decode(badge.token.split(".")[1]))
    payload[-1] = 2  # claim version 2: the signature no longer matches
    altered = f"CB1.{tokens.b32encode(bytes(payload))}.{badge.token.split('.')[2]}"

    answer = answer_json(scan_at(event, altered, door), door)

    assert (answer["result"], answer["reason"]) == ("refused", "invalid_code")
    assert answer["attendee"] is None


def test_forged_code_with_a_real_badge_id_and_key_id_is_refused(event, door):
    _, badge = badge_for(event)
    claims = tokens.parse_token(badge.token).claims

    forged = tokens.sign_token(claims, Ed25519PrivateKey.generate())

    answer = answer_json(scan_at(event, forged, door), door)
    assert answer["reason"] == "invalid_code" and answer["attendee"] is None


@pytest.mark.parametrize("code", ["", "hello", "CB1.AAAA.BBBB"])
def test_garbage_and_truncated_codes_are_refused_and_logged(event, door, code):
    _, badge = badge_for(event)
    codes = [code, badge.token[:-10], badge.token[:40]]

    answers = [answer_json(scan_at(event, c, door), door) for c in codes]

    assert {a["reason"] for a in answers} == {"invalid_code"}
    assert all(a["id"] for a in answers)  # every refusal is in the log


def test_code_of_another_event_is_refused_as_such(event, door):
    other = make_event(title="Another event")
    _, foreign_badge = badge_for(other, name="Foreign Person")

    answer = answer_json(scan_at(event, foreign_badge.token, door), door)

    assert answer["reason"] == "wrong_event"
    assert answer["attendee"] is None  # nothing about another event's attendee


def test_reissued_badge_voids_the_old_code_but_the_new_one_works(event, door):
    _, badge = badge_for(event)
    old_code = badge.token
    services.reissue_badge(badge, actor=door)
    db.session.commit()

    old = answer_json(scan_at(event, old_code, door), door)
    new = answer_json(scan_at(event, badge.token, door), door)

    assert (old["result"], old["reason"]) == ("refused", "revoked_badge")
    assert "replaced by a newer one" in old["message"]
    assert (new["result"], new["reason"]) == ("accepted", "checked_in")
    assert tokens.parse_token(badge.token).claims.version == 2


def test_revoked_badge_is_refused(event, door):
    _, badge = badge_for(event)
    services.revoke_badge(badge, actor=door)
    db.session.commit()

    answer = answer_json(scan_at(event, badge.token, door), door)

    assert (answer["result"], answer["reason"]) == ("refused", "revoked_badge")


def test_badge_signed_with_a_retired_key_still_verifies(event, door):
    _, badge = badge_for(event)
    old_code, old_key = badge.token, badge.key_id
    new_key = signing.rotate_key(event, actor=door)
    db.session.commit()
    _, later_badge = badge_for(event, name="Later Person")

    answers = [answer_json(scan_at(event, c, door), door) for c in (old_code, later_badge.token)]

    assert [a["result"] for a in answers] == ["accepted", "accepted"]
    assert signing.get_key(event, old_key).status == "retired"
    assert later_badge.key_id == new_key.key_id != old_key


def test_badge_signed_with_a_revoked_key_is_refused_and_resigned(event, door):
    _, badge = badge_for(event)
    old_code, old_key = badge.token, signing.get_key(event, badge.key_id)

    count = services.revoke_key(event, old_key, actor=door)
    db.session.commit()

    assert count == 1 and badge.token != old_code and badge.key_id != old_key.key_id
    refused = answer_json(scan_at(event, old_code, door), door)
    assert (refused["reason"], refused["attendee"]) == ("revoked_key", None)
    accepted = answer_json(scan_at(event, badge.token, door), door)
    assert accepted["result"] == "accepted"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("pending", "waiting for approval"),
        ("cancelled", "cancelled"),
        ("rejected", "declined"),
        ("waitlisted", "waiting list"),
    ],
)
def test_badge_of_a_registration_no_longer_approved_is_refused(event, door, status, message):
    registration, badge = badge_for(event)
    registration.status = status
    db.session.commit()

    answer = answer_json(scan_at(event, badge.token, door), door)

    assert (answer["result"], answer["reason"]) == ("refused", "not_approved")
    assert message in answer["message"]
    assert answer["attendee"]["name"] == "Anna Novák"


# The door matrix: (restricted_to, requires_booking, category, verified, booked) -> reason.
MATRIX = [
    ([], False, "academia", False, False, "checked_in"),
    ([], True, "academia", False, False, "not_booked"),
    ([], True, "academia", False, True, "checked_in"),
    (["member_state_expert"], False, "member_state_expert", True, False, "checked_in"),
    (["member_state_expert"], False, "member_state_expert", False, False, "not_authorised"),
    (["member_state_expert"], False, "academia", True, False, "not_authorised"),
    (["member_state_expert"], True, "member_state_expert", True, False, "not_booked"),
    (["member_state_expert"], True, "member_state_expert", True, True, "checked_in"),
    (["member_state_expert"], True, "member_state_expert", False, True, "not_authorised"),
    (["policy_maker", "practitioner"], False, "practitioner", True, False, "checked_in"),
]


@pytest.mark.parametrize(
    ("restricted_to", "requires_booking", "category", "verified", "booked", "reason"), MATRIX
)
@pytest.mark.parametrize("visibility", ["listed", "hidden"])
def test_session_door_matrix(
    event, door, restricted_to, requires_booking, category, verified, booked, reason, visibility
):
    session = make_session(
        event,
        title="Closed-door briefing on foreign interference",
        restricted_to=restricted_to,
        visibility=visibility if restricted_to else None,
        requires_booking=requires_booking,
    )
    registration, badge = badge_for(event, category=category, verified=verified)
    if booked:
        make_booking(registration, session)

    answer = answer_json(scan_at(event, badge.token, door, session), door)

    assert answer["reason"] == reason
    assert answer["result"] == ("accepted" if reason == "checked_in" else "refused")
    # Messages never name a session; the door staff (event staff) see the title in the label.
    assert "foreign interference" not in answer["message"]
    assert "foreign interference" in answer["checkpoint_label"]


def test_entrance_admits_any_approved_registration_whatever_its_category(event, door):
    _, badge = badge_for(event, category="member_state_expert", verified=False)

    assert scan_at(event, badge.token, door).result == "accepted"


def test_waitlisted_or_cancelled_booking_does_not_count(event, door):
    session = make_session(event, requires_booking=True)
    registration, badge = badge_for(event)
    make_booking(registration, session, status="waitlisted")

    assert scan_at(event, badge.token, door, session).reason == "not_booked"


def test_cancelled_session_refuses_everyone(event, door):
    session = make_session(event, status="cancelled")
    _, badge = badge_for(event)

    assert scan_at(event, badge.token, door, session).reason == "session_cancelled"


def test_second_entry_is_refused_with_when_and_where_without_re_entry(event, door, app):
    app.config["SCAN_DUPLICATE_WINDOW_SECONDS"] = 5
    event.entrance_readmits = False
    other_door = make_staff(event, "door_staff", name="Second Door")
    _, badge = badge_for(event)
    first = scan_at(event, badge.token, door)

    second = answer_json(scan_at(event, badge.token, other_door), other_door)

    assert (second["result"], second["reason"]) == ("refused", "already_checked_in")
    assert second["previous_check_in"]["checkpoint_label"] == "Event entrance"
    assert second["previous_check_in"]["by"] == "Door Person"
    local = first.scanned_at.astimezone(event.tz).strftime("%H:%M")
    assert second["message"] == (
        f"Already in since {local}. This event does not admit re-entry the same day."
    )
    assert second["can_let_in_again"] is False


def test_entrance_admits_again_on_the_next_day_of_the_event(event, door):
    _, badge = badge_for(event)
    yesterday = utcnow() - timedelta(days=1)
    scan_at(event, badge.token, door, now=yesterday)

    assert scan_at(event, badge.token, door).result == "accepted"


def test_same_scanner_rereading_within_the_window_gets_the_first_answer(event, door, app):
    app.config["SCAN_DUPLICATE_WINDOW_SECONDS"] = 5
    _, badge = badge_for(event)
    now = utcnow()

    first = scan_at(event, badge.token, door, now=now)
    again = scan_at(event, badge.token, door, now=now + timedelta(seconds=3))
    later = scan_at(event, badge.token, door, now=now + timedelta(seconds=30))

    assert (first.result, first.repeat_of_id) == ("accepted", None)
    assert (again.result, again.reason, again.repeat_of_id) == ("accepted", "checked_in", first.id)
    assert answer_json(again, door)["repeat"] is True
    assert (later.result, later.reason) == ("already_in", "already_in")


def test_duplicate_window_is_per_door_and_per_scanner(event, door, app):
    app.config["SCAN_DUPLICATE_WINDOW_SECONDS"] = 5
    session = make_session(event)
    _, badge = badge_for(event)
    now = utcnow()
    scan_at(event, badge.token, door, now=now)

    at_session = scan_at(event, badge.token, door, session, now=now + timedelta(seconds=1))

    assert (at_session.result, at_session.repeat_of_id) == ("accepted", None)


def test_refusal_is_repeated_not_reevaluated_within_the_window(event, door, app):
    app.config["SCAN_DUPLICATE_WINDOW_SECONDS"] = 5
    registration, badge = badge_for(event)
    registration.status = "pending"
    db.session.commit()
    now = utcnow()
    first = scan_at(event, badge.token, door, now=now)
    registration.status = "approved"
    db.session.commit()

    again = scan_at(event, badge.token, door, now=now + timedelta(seconds=2))

    assert (again.result, again.reason, again.repeat_of_id) == ("refused", "not_approved", first.id)


def test_session_without_booking_is_full_at_its_capacity(event, door):
    session = make_session(event, room=make_room(event, capacity=2))
    badges = [badge_for(event, name=f"Person {i}")[1] for i in range(3)]

    results = [scan_at(event, b.token, door, session).reason for b in badges]

    assert results == ["checked_in", "checked_in", "session_full"]


def test_session_capacity_of_its_own_overrides_the_room(event, door):
    session = make_session(event, room=make_room(event, capacity=50), capacity=1)
    first, second = (badge_for(event, name=n)[1] for n in ("One", "Two"))

    assert scan_at(event, first.token, door, session).result == "accepted"
    assert scan_at(event, second.token, door, session).reason == "session_full"


def test_manual_check_in_applies_the_rules_and_is_marked(event, door):
    registration, _ = badge_for(event, name="Forgot Badge")
    session = make_session(event, restricted_to=["member_state_expert"])

    at_entrance = checkin.manual_check_in(event, Checkpoint(event), registration, actor=door)
    at_session = checkin.manual_check_in(
        event, Checkpoint(event, session), registration, actor=door
    )
    db.session.commit()

    assert (at_entrance.result, at_entrance.manual) == ("accepted", True)
    assert (at_session.result, at_session.reason) == ("refused", "not_authorised")
    again = answer_json(
        checkin.manual_check_in(event, Checkpoint(event), registration, actor=door), door
    )
    assert (again["result"], again["reason"]) == ("already_in", "already_in")
    assert again["previous_check_in"]["manual"] is True
    assert (again["entry"], again["check_identity"]) == ("name", True)
    back = checkin.manual_check_in(
        event, Checkpoint(event), registration, actor=door, let_in_again=True
    )
    assert (back.result, back.reason, back.entry) == ("accepted", "let_in_again", "name")


def test_badge_ids_are_random_not_sequential(event):
    ids = [badge_for(event, name=f"P{i}")[1].public_id for i in range(3)]

    assert len(set(ids)) == 3 and all(len(i) == 26 for i in ids)
    assert sorted(ids) != ids or sorted(ids, reverse=True) != ids


def test_only_approved_registrations_get_a_badge(event):
    registration, badge = badge_for(event, status="pending")

    assert badge is None
    with pytest.raises(services.BadgeError):
        services.ensure_badge(registration)
