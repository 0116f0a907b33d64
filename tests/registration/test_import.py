"""import-event loads the workload's attendees with the booking rules, reporting refusals."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from conference.accounts.models import User
from conference.agenda.models import AgendaSession
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import AuditEntry, Booking, Registration
from tests.factories import make_user
from tests.registration.helpers import assert_counters_match_rows
from tests.workload import build_workload

pytestmark = pytest.mark.usefixtures("app")


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _import(runner, tmp_path, document):
    path = tmp_path / "w.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return runner.invoke(args=["import-event", str(path)])


def test_import_loads_attendees_with_the_booking_rules(runner, tmp_path):
    document = build_workload(sessions=60, attendees=40, rooms=3)
    for session in document["sessions"][:5]:
        session["capacity"] = 2  # make some sessions fill up

    result = _import(runner, tmp_path, document)

    assert result.exit_code == 0, result.output
    assert _count(User) == 40 and _count(Registration) == 40
    assert "40 accounts created" in result.stderr and "40 registrations created" in result.stderr
    assert all(u.password_hash is None for u in db.session.scalars(select(User)))
    registrations = db.session.scalars(select(Registration)).all()
    assert {r.status for r in registrations} == {"approved"}
    assert all(r.category_verified and r.category_verified_by_id is None for r in registrations)
    wanted = {a["email"]: a for a in document["attendees"]}
    for r in registrations:
        assert r.category == wanted[r.user.email]["role"]
        assert r.external_id == wanted[r.user.email]["id"]
    # Every booking obeys the rules: restrictions, no overlapping seats (a waiting place may
    # overlap: waiting is not a seat), capacity.
    per_registration = defaultdict(list)
    for booking in db.session.scalars(select(Booking).where(Booking.status != "cancelled")):
        session = booking.session
        if session.restricted_to:
            assert booking.registration.category in session.restricted_to
        if booking.status != "confirmed":
            continue
        for other in per_registration[booking.registration_id]:
            assert not (other.starts_at < session.ends_at and session.starts_at < other.ends_at)
        per_registration[booking.registration_id].append(session)
    assert_counters_match_rows(db.session.scalar(select(Event)))
    assert "bookings confirmed" in result.stderr
    refused_restricted = _refused_by_restriction(document)
    if refused_restricted:
        assert (
            f"{refused_restricted} bookings refused, restricted to other categories"
            in result.stderr
        )
    assert _count(AuditEntry, AuditEntry.action == "imported") == 40


def _refused_by_restriction(document) -> int:
    restricted = {s["id"]: s["restricted_to"] for s in document["sessions"] if s["restricted_to"]}
    return sum(
        1
        for a in document["attendees"]
        for sid in a["sessions"]
        if sid in restricted and a["role"] not in restricted[sid]
    )


def test_reimport_duplicates_nothing(runner, tmp_path):
    document = build_workload(sessions=30, attendees=20, rooms=2)
    first = _import(runner, tmp_path, document)
    counts = (_count(User), _count(Registration), _count(Booking), _count(AuditEntry))
    confirmed = {s.id: s.confirmed_count for s in db.session.scalars(select(AgendaSession))}

    again = _import(runner, tmp_path, document)

    assert first.exit_code == again.exit_code == 0
    db.session.expire_all()
    assert (_count(User), _count(Registration), _count(Booking), _count(AuditEntry)) == counts
    assert {s.id: s.confirmed_count for s in db.session.scalars(select(AgendaSession))} == confirmed
    assert "20 registrations already present" in again.stderr
    assert "0 accounts created" in again.stderr


def _small_document() -> dict:
    document = build_workload(sessions=4, attendees=0, rooms=1)
    document["sessions"][0].update(capacity=1, restricted_to=[], restricted_visibility=None)
    document["sessions"][1].update(
        restricted_to=["member_state_expert"], restricted_visibility="listed"
    )
    return document


def _attendee(n: int, role: str = "academia", sessions=("X1",)) -> dict:
    return {
        "id": f"A{n}",
        "name": f"Person {n}",
        "email": f"Person{n}@Example.org",
        "organisation": "Org",
        "country": "BE",
        "role": role,
        "sessions": list(sessions),
    }


def test_import_waitlists_beyond_capacity_and_reports_refusals(runner, tmp_path):
    document = _small_document()
    document["attendees"] = [
        _attendee(1, "member_state_expert", ["X1", "X2"]),
        _attendee(2, "academia", ["X1", "X2"]),
        _attendee(3, "industry", ["X1"]),
    ]

    result = _import(runner, tmp_path, document)

    assert result.exit_code == 0, result.output
    x1 = db.session.scalar(select(AgendaSession).where(AgendaSession.external_id == "X1"))
    statuses = [
        (b.registration.external_id, b.status, b.waitlist_position)
        for b in db.session.scalars(
            select(Booking).where(Booking.session_id == x1.id).order_by(Booking.id)
        )
    ]
    assert statuses == [("A1", "confirmed", None), ("A2", "waitlisted", 1), ("A3", "waitlisted", 2)]
    assert "2 bookings waitlisted (session full)" in result.stderr
    assert "2 bookings are on waiting lists instead of seats" in result.stderr
    assert "1 bookings refused, restricted to other categories: A2 → X2" in result.stderr
    assert _count(Booking, Booking.session_id != x1.id) == 1  # the expert's X2
    assert_counters_match_rows(db.session.scalar(select(Event)))


def test_import_matches_existing_accounts_by_email(runner, tmp_path):
    existing = make_user("person1@example.org", name="Chosen Name")
    document = _small_document()
    document["attendees"] = [_attendee(1)]

    result = _import(runner, tmp_path, document)

    assert result.exit_code == 0, result.output
    assert _count(User) == 1
    db.session.expire_all()
    user = db.session.get(User, existing.id)
    assert user.name == "Chosen Name" and user.password_hash is not None
    assert db.session.scalar(select(Registration)).user_id == existing.id


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["attendees"][0].update(sessions=["X1", "X404"]),
            "$.attendees[0].sessions[1]: no session with id 'X404'",
        ),
        (
            lambda d: d["attendees"][1].update(email="PERSON1@example.org"),
            "$.attendees[1].email: duplicate email",
        ),
        (lambda d: d["attendees"][1].update(id="A1"), "$.attendees[1].id: duplicate id 'A1'"),
        (lambda d: d["attendees"][0].update(role="spy"), "$.attendees[0].role"),
        (lambda d: d["attendees"][0].update(email="not-an-email"), "$.attendees[0].email"),
    ],
)
def test_broken_attendees_are_reported_and_nothing_is_written(runner, tmp_path, mutate, expected):
    document = _small_document()
    document["attendees"] = [_attendee(1), _attendee(2)]
    mutate(document)

    result = _import(runner, tmp_path, document)

    assert result.exit_code == 1
    assert expected in result.stderr
    assert _count(Event) == 0 and _count(User) == 0 and _count(Registration) == 0


def test_reimport_that_verifies_a_registration_reissues_its_badge(runner, tmp_path):
    from conference.badges.services import ensure_badge

    document = _small_document()
    document["attendees"] = [_attendee(1, "member_state_expert", ["X1"])]
    assert _import(runner, tmp_path, document).exit_code == 0
    registration = db.session.scalar(select(Registration))
    registration.category_verified_at = None  # say, an organiser withdrew it meanwhile
    badge = ensure_badge(registration)
    db.session.commit()
    old_token = badge.token

    result = _import(runner, tmp_path, document)

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(Registration)).category_verified
    badge = ensure_badge(db.session.scalar(select(Registration)))
    assert badge.version == 2 and badge.token != old_token
