from __future__ import annotations

import copy
import json
import re

import pytest
from sqlalchemy import func, select

from conference import permissions
from conference.accounts.models import User
from conference.agenda.models import AgendaSession, Room, Speaker, Track
from conference.events.models import Event
from conference.extensions import db
from conference.mail.models import OutboxMessage
from conference.mail.services import queue_mail
from tests.factories import make_event, make_user
from tests.workload import build_workload


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_user_command_makes_a_verified_account(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "ada@example.org",
            "--name",
            "Ada L",
            "--password",
            "long enough pw",
            "--admin",
        ]
    )

    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.name, user.is_admin, user.email_verified) == (
        "ada@example.org",
        "Ada L",
        True,
        True,
    )


def test_create_user_command_refuses_duplicates_and_short_passwords(runner):
    make_user("ada@example.org")

    duplicate = runner.invoke(
        args=["create-user", "ada@example.org", "--name", "A", "--password", "long enough pw"]
    )
    short = runner.invoke(
        args=["create-user", "bob@example.org", "--name", "B", "--password", "short"]
    )

    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    assert _count(User) == 1


@pytest.mark.parametrize(
    ("cli_role", "predicate"),
    [("organiser", permissions.is_organiser), ("door-staff", permissions.is_door_staff)],
)
def test_grant_command_gives_event_roles(runner, cli_role, predicate):
    user = make_user("staff@example.org", second_factor=True)
    event = make_event("ceris-x")

    result = runner.invoke(args=["grant", "staff@example.org", cli_role, "--event", "ceris-x"])

    assert result.exit_code == 0, result.output
    assert predicate(user, event)


def test_grant_command_reports_unknown_user_or_event(runner):
    make_user("staff@example.org")

    no_user = runner.invoke(args=["grant", "ghost@example.org", "organiser", "--event", "x"])
    no_event = runner.invoke(args=["grant", "staff@example.org", "organiser", "--event", "nope"])
    bad_role = runner.invoke(args=["grant", "staff@example.org", "king", "--event", "nope"])

    assert no_user.exit_code == 1 and "no user" in no_user.output
    assert no_event.exit_code == 1 and "no event" in no_event.output
    assert bad_role.exit_code == 2


def test_demo_command_is_idempotent_and_prints_logins(app, runner):
    app.config["ENV"] = "development"

    first = runner.invoke(args=["demo"])
    counts = {m.__name__: _count(m) for m in (Event, User, AgendaSession, Room)}
    second = runner.invoke(args=["demo"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert {m.__name__: _count(m) for m in (Event, User, AgendaSession, Room)} == counts
    assert counts["Event"] == 4  # with the past 2025 flagship edition, cloned once
    editions = {e.slug: e for e in db.session.scalars(select(Event))}
    assert editions["flagship-2025"].is_published and editions["flagship-2025"].is_past
    assert editions["flagship-2025"].series_id == editions["flagship-2027"].series_id
    assert editions["flagship-2027"].series.title == (
        "European Flagship Conference on Research Security"
    )
    assert editions["ceris-border-2027"].series.title == "CERIS thematic events"
    for email in (
        "admin@demo.ceris.eu",
        "organiser@demo.ceris.eu",
        "door@demo.ceris.eu",
        "expert@demo.ceris.eu",
    ):
        assert email in first.output
    assert "add the TOTP key CERISDEMOSTAFFTWOZEROTWOSEVENABC" in first.output
    codes = runner.invoke(args=["demo-codes"])
    assert codes.exit_code == 0
    assert re.search(r"admin@demo\.ceris\.eu\s+\d{6}", codes.output)
    assert re.search(r"organiser@demo\.ceris\.eu\s+\d{6}", codes.output)
    restricted = db.session.scalars(select(AgendaSession)).all()
    assert any(s.restricted_to == ["member_state_expert"] for s in restricted)


def test_demo_refuses_production_without_force(app, runner):
    app.config["ENV"] = "production"

    result = runner.invoke(args=["demo"])

    assert result.exit_code == 1
    assert _count(Event) == 0


def test_import_event_loads_the_shared_workload(runner, tmp_path):
    document = build_workload(sessions=40, attendees=5, rooms=4)
    path = tmp_path / "w.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    result = runner.invoke(args=["import-event", str(path)])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "flagship-2027"
    event = db.session.scalar(select(Event))
    assert event.is_published and event.timezone == "Europe/Brussels"
    assert (_count(Room), _count(Track), _count(Speaker), _count(AgendaSession)) == (4, 12, 20, 40)
    first = db.session.scalar(select(AgendaSession).where(AgendaSession.external_id == "X1"))
    # 09:00 in Brussels in March (winter time) is 08:00 UTC.
    assert first.starts_at.isoformat() == "2027-03-23T08:00:00+00:00"
    assert first.abstract == document["sessions"][0]["abstract"]
    assert [s.external_id for s in first.speakers] == document["sessions"][0]["speakers"]


def test_reimport_updates_instead_of_duplicating_and_bumps_revisions(runner, tmp_path):
    document = build_workload(sessions=20, attendees=0, rooms=2)
    path = tmp_path / "w.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    runner.invoke(args=["import-event", str(path)])
    first = db.session.scalar(select(AgendaSession).where(AgendaSession.external_id == "X1"))
    uid, revision = first.uid, first.revision

    changed = copy.deepcopy(document)
    changed["sessions"][0]["start"] = changed["sessions"][0]["start"].replace("09:00", "08:30")
    changed["sessions"][1]["abstract"] = "A new abstract"
    del changed["sessions"][-1]
    path.write_text(json.dumps(changed), encoding="utf-8")
    result = runner.invoke(args=["import-event", str(path)])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _count(AgendaSession) == 20
    moved = db.session.scalar(select(AgendaSession).where(AgendaSession.external_id == "X1"))
    assert moved.uid == uid
    assert moved.revision == revision + 1
    second = db.session.scalar(select(AgendaSession).where(AgendaSession.external_id == "X2"))
    assert (
        second.abstract == "A new abstract" and second.revision == 0
    )  # abstracts do not bump SEQUENCE
    dropped = db.session.scalar(select(AgendaSession).where(AgendaSession.external_id == "X20"))
    assert dropped.status == "cancelled" and dropped.revision == 1


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["sessions"][2].update(room="R99"),
            "$.sessions[2].room: no room with id 'R99'",
        ),
        (
            lambda d: d["sessions"][1].update(end=d["sessions"][1]["start"]),
            "$.sessions[1].end: the session must end after it starts",
        ),
        (lambda d: d["sessions"][0].pop("title"), "$.sessions[0]: 'title' is a required property"),
        (
            lambda d: d["event"].update(timezone="Mars/Olympus"),
            "$.event.timezone: unknown IANA timezone",
        ),
        (lambda d: d["rooms"][1].update(id="R1"), "$.rooms[1].id: duplicate id 'R1'"),
        (
            lambda d: d["sessions"][3].update(kind="Keynote"),
            "$.sessions[3].kind: unknown kind 'Keynote'",
        ),
        (
            lambda d: d["sessions"][0].update(restricted_to=["spies"]),
            "$.sessions[0].restricted_to[0]",
        ),
        (
            lambda d: d["sessions"][0].update(start="2027-04-30T09:00", end="2027-04-30T10:00"),
            "is outside the event",
        ),
        (
            lambda d: d["sessions"][0].update(speakers=["S1", "S404"]),
            "$.sessions[0].speakers[1]: no speaker with id 'S404'",
        ),
    ],
)
def test_broken_import_file_reports_json_path_and_writes_nothing(
    runner, tmp_path, mutate, expected
):
    document = build_workload(sessions=10, attendees=0, rooms=2)
    mutate(document)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    result = runner.invoke(args=["import-event", str(path)])

    assert result.exit_code == 1
    assert "nothing was imported" in result.stderr
    assert expected in result.stderr
    assert _count(Event) == 0 and _count(AgendaSession) == 0 and _count(Room) == 0


def test_import_of_a_nonexistent_local_time_is_refused(runner, tmp_path):
    document = build_workload(sessions=2, attendees=0, rooms=1)
    document["event"]["start"] = "2027-03-28"  # clocks go forward at 02:00 in Brussels
    document["sessions"][0].update(start="2027-03-28T02:30", end="2027-03-28T03:30")
    document["sessions"][1].update(start="2027-03-28T09:00", end="2027-03-28T10:00")
    path = tmp_path / "dst.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    result = runner.invoke(args=["import-event", str(path)])

    assert result.exit_code == 1
    assert (
        "$.sessions[0].start: 2027-03-28 02:30 does not exist in Europe/Brussels" in result.stderr
    )


@pytest.mark.parametrize(
    ("content", "message"), [("{not json", "not valid JSON"), (b"\xff\xfe\x00", "not UTF-8")]
)
def test_unreadable_import_file_is_reported(runner, tmp_path, content, message):
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)

    result = runner.invoke(args=["import-event", str(path)])

    assert result.exit_code == 1
    assert message in result.stderr


def test_send_mail_command_delivers_the_queue(app, runner, smtp_server):
    queue_mail("someone@example.org", "Hello", "Plain text", "<p>HTML</p>")
    db.session.commit()

    result = runner.invoke(args=["send-mail"])

    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    [message] = smtp_server.messages_to("someone@example.org")
    assert smtp_server.html_of(message).strip() == "<p>HTML</p>"
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None


def test_send_mail_command_keeps_mail_when_server_is_down(app, runner, smtp_server):
    queue_mail("someone@example.org", "Hello", "Plain text")
    db.session.commit()
    smtp_server.stop()
    try:
        down = runner.invoke(args=["send-mail"])
    finally:
        smtp_server.start()
    up = runner.invoke(args=["send-mail", "--all"])

    assert down.exit_code == 1 and "still queued 1" in down.output
    assert up.exit_code == 0 and "Sent 1" in up.output
    message = db.session.scalar(select(OutboxMessage))
    assert message.attempts == 2 and message.last_error
