"""A small, complete world for the security tests: two events, one person per actor, and an
object of every kind the routes take in their URLs (session, speaker, badge, device, key...).

``build_world()`` writes it through the services and factories (so counters, keys and audit
rows are right) and commits; the matrix rebuilds it after any request that changed something.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event as sa_event
from sqlalchemy import text

from conference.accounts import tokens as account_tokens
from conference.badges import services as badge_services
from conference.badges import signing
from conference.db_types import utcnow
from conference.documents.services import Upload, add_document
from conference.events.models import Event
from conference.extensions import db
from conference.mail.services import deliver_outbox
from conference.registration import booking as booking_services
from conference.registration.offers import offer_token
from tests.factories import (
    make_attendee,
    make_open_event,
    make_registration,
    make_room,
    make_session,
    make_speaker,
    make_staff,
    make_track,
    make_user,
)

# --- The actors --------------------------------------------------------------------------

ANONYMOUS = "anonymous"
PENDING = "attendee_pending"  # registered, waiting for the organisers' decision
APPROVED = "attendee_approved"  # approved, category (academia) not verified
EXPERT = "verified_expert"  # approved, verified Member State expert
ORGANISER = "organiser"  # organiser of this event
ORGANISER_OTHER = "organiser_other"  # organiser of another event
DOOR = "door_staff"  # door staff of this event
DOOR_OTHER = "door_staff_other"  # door staff of another event
DEVICE = "device"  # a scanning device token of this event (no login)
DEVICE_OTHER = "device_other"  # a scanning device token of another event
ADMIN = "site_admin"
NCP = "ncp"  # national contact point of this event's delegation A (Belgium), nothing else

ACTORS = (
    ANONYMOUS,
    PENDING,
    APPROVED,
    EXPERT,
    ORGANISER,
    ORGANISER_OTHER,
    DOOR,
    DOOR_OTHER,
    DEVICE,
    DEVICE_OTHER,
    ADMIN,
    NCP,
)
DEVICE_ACTORS = (DEVICE, DEVICE_OTHER)
LOGGED_OUT = (ANONYMOUS, *DEVICE_ACTORS)
LOGGED_IN = tuple(a for a in ACTORS if a not in LOGGED_OUT)


@dataclass(frozen=True)
class Obj:
    """What the tests need of a row: its id and a few attributes, readable without a session."""

    id: int
    attrs: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.attrs[name]
        except KeyError:
            raise AttributeError(name) from None


def _obj(row: Any, *names: str) -> Obj:
    return Obj(row.id, {name: getattr(row, name) for name in names})


@dataclass
class World:
    """Plain values (ids, slugs, tokens) of the world's rows: valid for as long as the rows
    are, whatever happens to the ORM session (the matrix restores the rows between actors)."""

    event: Obj  # published, registration open, automatic approval
    other: Obj  # another published event with its own staff and devices
    users: dict[str, Obj]  # per actor: id, email, session_token
    device_tokens: dict[str, str]
    room: Obj
    track: Obj
    speaker: Obj
    public_session: Obj
    # Restricted to verified Member State experts and *hidden* from everyone else.
    restricted_session: Obj
    other_session: Obj
    pending: Obj
    approved: Obj
    expert: Obj
    other_registration: Obj  # the approved attendee's registration at the other event
    badge: Obj  # the approved attendee's badge (public_id, token)
    other_badge: Obj
    spare_device_id: int  # a device of this event that a request may revoke
    other_device_id: int
    key_id: str
    other_key_id: str
    verify_token: str  # a new account's email-verification link token
    reset_token: str  # the approved attendee's password-reset link token
    extra: dict[str, Any] = field(default_factory=dict)
    # Per actor, the session a completed log-in leaves: its row is in the snapshot, so a client
    # is signed in without writing anything (and a request that ends the session is undone).
    sign_ins: dict[str, dict[str, Any]] = field(default_factory=dict)

    def client_for(self, app: Flask, actor: str) -> FlaskClient:
        """A test client acting as ``actor``: a login session, a device token, or neither."""
        client = app.test_client()
        signed_in = self.sign_ins.get(actor)
        if signed_in is not None:
            with client.session_transaction() as session:
                session.update(signed_in)
        if actor in self.device_tokens:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.device_tokens[actor]}"
        return client


def _signed_in(user) -> dict[str, Any]:
    """The session values ``tests.factories.sign_in`` gives a browser, with their row."""
    from conference.accounts.sessions import open_session

    method = "totp" if user.has_totp else "password"
    row = open_session(user, method=method, user_agent="Test client", address="127.0.0.1")
    return {
        "_user_id": user.session_token,
        "_fresh": True,
        "sid": row.key,
        "signed_in_with": method,
    }


def _other_device(user) -> int:
    """A session of ``user`` on another browser (one a request may revoke)."""
    from conference.accounts.sessions import open_session

    row = open_session(user, method="totp", user_agent="Another browser", address="192.0.2.7")
    db.session.commit()
    return row.id


def _nine_o_clock(event: Event, day: int = 0, hour: int = 9) -> datetime:
    start = datetime.combine(event.start_date, datetime.min.time(), UTC)
    return start + timedelta(days=day, hours=hour - 1)


def _finished_print_job(event: Event) -> str:
    """A badge print job of this event, run through the real task."""
    from conference.badges.print_jobs import KIND, print_badge_sheet
    from conference.jobs.services import create_job

    job = create_job(event, KIND, {"layout": "a6"}, actor=None)
    db.session.commit()
    public_id = job.public_id
    print_badge_sheet(job.id)
    return public_id


def _staged_agenda_upload(event: Event) -> str:
    """An agenda file uploaded on the import page and waiting for its confirmation."""
    from conference.workload.uploads import stage_upload

    start = _nine_o_clock(event, 0, 16).astimezone(event.tz).strftime("%Y-%m-%d %H:%M")
    end = _nine_o_clock(event, 0, 17).astimezone(event.tz).strftime("%Y-%m-%d %H:%M")
    csv = f"id,title,kind,room,start,end\nw1,Imported,Talk,Room A,{start},{end}\n"
    upload = stage_upload(event, "sessions.csv", csv.encode(), actor=None)
    db.session.commit()
    return upload.public_id


def _briefing_document(session, organiser):
    """A TLP:AMBER document on the hidden restricted session (issue 19)."""
    from tests.documents.conftest import pdf_bytes

    return add_document(
        session,
        title="Briefing note",
        tlp="TLP:AMBER",
        upload=Upload("note.pdf", pdf_bytes(1)),
        actor=organiser,
        max_bytes=1024 * 1024,
    )


def _delegations(event: Event, ncp, nominee_email: str) -> dict[str, Any]:
    """Delegation A (Belgium, the NCP actor's) with an open invitation to the pending attendee,
    and delegation B (Estonia) with its own NCP and nominee, which the NCP actor must not see."""
    from tests.delegations.helpers import invite, make_delegation, make_ncp

    belgium = make_delegation(event, "Belgium", quota=3)
    from conference.delegations.services import appoint_contact

    appoint_contact(belgium, ncp, actor=None)
    nomination, secret = invite(belgium, ncp, name="Pia Pending", email=nominee_email)
    estonia = make_delegation(event, "Estonia", quota=2, country="EE")
    other_nomination, _ = invite(estonia, make_ncp(estonia, email="ncp-ee@example.org"))
    db.session.commit()
    return {
        "delegation": belgium.id,
        "nomination": nomination.id,
        "invitation": secret,
        "other_delegation": estonia.id,
        "other_nomination": other_nomination.id,
    }


def build_world() -> World:
    """Create every actor and object, committed."""
    from conference.editions.series import create_series, set_series

    event = make_open_event("this-event", mode="automatic", title="This event")
    other = make_open_event("other-event", mode="automatic", title="Another event")
    users = {
        ADMIN: make_user("admin@example.org", name="Site Admin", admin=True),
        ORGANISER: make_staff(event, "organiser", email="org@example.org", name="Org This"),
        ORGANISER_OTHER: make_staff(
            other, "organiser", email="org-other@example.org", name="Org Other"
        ),
        DOOR: make_staff(event, "door_staff", email="door@example.org", name="Door This"),
        DOOR_OTHER: make_staff(
            other, "door_staff", email="door-other@example.org", name="Door Other"
        ),
        NCP: make_user("ncp@example.org", name="Nina Contact", second_factor=True),
    }
    pending = make_registration(
        event, make_user("pending@example.org", name="Pia Pending"), status="pending"
    )
    approved = make_attendee(event, category="academia", name="Anna Approved")
    expert = make_attendee(event, category="member_state_expert", verified=True, name="Ed Expert")
    users[PENDING], users[APPROVED], users[EXPERT] = pending.user, approved.user, expert.user
    other_registration = make_registration(other, approved.user)

    room = make_room(event, "Room A", capacity=40)
    track = make_track(event, "Track 1")
    speaker = make_speaker(event, "Sam Speaker")
    # In the track: a track no visible session is in answers 404, like a missing one.
    public_session = make_session(
        event,
        title="Open plenary",
        room=room,
        track_id=track.id,
        starts_at=_nine_o_clock(event),
        speakers=[speaker],
    )
    restricted_session = make_session(
        event,
        title="Closed briefing",
        room=room,
        starts_at=_nine_o_clock(event, hour=14),
        restricted_to=["member_state_expert"],
        visibility="hidden",
    )
    other_session = make_session(other, title="Other plenary", starts_at=_nine_o_clock(other))
    booking_services.book_session(expert, restricted_session, actor=None)
    booking_services.book_session(approved, public_session, actor=None)
    # A seat offer: the approved attendee waits for a full workshop at the plenary's time; the
    # seat the expert frees is held for them (it overlaps their plenary seat).
    workshop = make_session(
        event, title="Full workshop", room=room, starts_at=_nine_o_clock(event), capacity=1
    )
    booking_services.book_session(expert, workshop, actor=None)
    booking_services.book_session(approved, workshop, actor=None)
    booking_services.unbook_session(expert, workshop, actor=None)
    offer = booking_services.get_booking(approved, workshop)
    assert offer.status == "offered"

    badge = badge_services.ensure_badge(approved)
    badge_services.ensure_badge(expert)
    other_badge = badge_services.ensure_badge(other_registration)
    device, device_token = badge_services.create_device(event, "Entrance phone", actor=None)
    _, other_token = badge_services.create_device(other, "Other phone", actor=None)
    spare, _ = badge_services.create_device(event, "Spare tablet", actor=None)
    other_spare, _ = badge_services.create_device(other, "Other spare", actor=None)
    document = _briefing_document(restricted_session, users[ORGANISER])
    series = create_series("world-series", "World series", actor=None)
    set_series(event, series, actor=None)
    from conference.mailings.models import Mailing

    mailing = Mailing(event_id=event.id, subject="Hi", body="Hello {name}", audience="Approved")
    db.session.add(mailing)
    db.session.commit()
    job_id = _finished_print_job(event)
    upload_id = _staged_agenda_upload(event)
    delegations = _delegations(event, users[NCP], pending.user.email)
    event_attrs = ("slug", "kind", "timezone", "start_date", "end_date", "registration_mode")
    sign_ins = {actor: _signed_in(user) for actor, user in users.items()}
    db.session.commit()
    return World(
        sign_ins=sign_ins,
        extra={
            "job": job_id,
            "agenda_upload": upload_id,
            "series_slug": series.slug,
            "mailing": mailing.id,
            "offer": offer_token(offer),
            "document": document.id,
            "organiser_session_id": _other_device(users[ORGANISER]),
            **delegations,
        },
        event=_obj(event, *event_attrs),
        other=_obj(other, *event_attrs),
        users={a: _obj(u, "email", "session_token", "name") for a, u in users.items()},
        device_tokens={DEVICE: device_token, DEVICE_OTHER: other_token},
        room=_obj(room, "name"),
        track=_obj(track, "name"),
        speaker=_obj(speaker, "name"),
        public_session=_obj(public_session, "title"),
        restricted_session=_obj(restricted_session, "title"),
        other_session=_obj(other_session, "title"),
        pending=_obj(pending, "user_id"),
        approved=_obj(approved, "user_id"),
        expert=_obj(expert, "user_id"),
        other_registration=_obj(other_registration, "user_id"),
        badge=_obj(badge, "public_id", "token"),
        other_badge=_obj(other_badge, "public_id", "token"),
        spare_device_id=spare.id,
        other_device_id=other_spare.id,
        key_id=signing.active_key(event).key_id,
        other_key_id=signing.active_key(other).key_id,
        verify_token=account_tokens.make_verification_token(
            make_user("unconfirmed@example.org", name="Una Unconfirmed", verified=False)
        ),
        reset_token=account_tokens.make_reset_token(approved.user),
    )


# --- Snapshots: put the world back in a few milliseconds ---------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Every row of every table, as written by ``build_world``."""

    rows: dict[str, list[dict[str, Any]]]


def take_snapshot(only: set[str] | None = None) -> Snapshot:
    """Every row of every table; ``only``: of these tables and every table that refers to them
    (a row elsewhere changes only by a statement naming its table, or by a cascade from one)."""
    db.session.commit()
    tables = _tables_of(only)
    with db.engine.connect() as connection:
        return Snapshot(
            {
                table.name: [
                    dict(r)
                    for r in connection.execute(
                        # In key order: PostgreSQL moves a row that was updated, even to itself.
                        table.select().order_by(*table.primary_key.columns)
                    ).mappings()
                ]
                for table in tables
            }
        )


def restore_snapshot(snapshot: Snapshot, only: set[str] | None = None) -> None:
    """Empty every table and put the snapshot's rows back (ids included).

    ``only``: the tables a request wrote (``WriteCounter.tables``); those are restored with
    every table that refers to them (emptying a table cascades to those), the rest is kept.
    """
    db.session.remove()
    tables = _tables_of(only)
    with db.engine.begin() as connection:
        # DELETE, not TRUNCATE: on a few dozen rows it is many times faster on PostgreSQL.
        for table in reversed(tables):
            connection.execute(table.delete())
        for table in tables:
            if snapshot.rows[table.name]:
                connection.execute(table.insert(), snapshot.rows[table.name])
        if connection.dialect.name == "postgresql":
            # New rows must get ids above the restored ones (table names: our own metadata).
            calls = [
                f"setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), "  # noqa: S608
                f'(SELECT max(id) FROM "{t.name}"))'
                for t in tables
                if "id" in t.c and snapshot.rows[t.name]
            ]
            connection.execute(text("SELECT " + ", ".join(calls)))


def _tables_of(only: set[str] | None) -> list:
    """The tables in dependency order: all of them, or ``only`` and those that refer to them
    (all of them when ``only`` names a table the metadata does not have)."""
    tables = _sorted_tables()
    if only is None or not only <= {t.name for t in tables}:
        return list(tables)
    return list(_with_dependents(frozenset(only)))


# The schema is fixed for the run: sorting its ~60 tables for every snapshot and restore
# cost the hostile-input sweep 2 % of its time (cProfile, 4.8 s of 242 s).
@functools.cache
def _sorted_tables() -> tuple:
    return tuple(db.metadata.sorted_tables)


@functools.cache
def _with_dependents(names: frozenset[str]) -> tuple:
    """The tables named and every table whose foreign keys lead to one of them, at any depth,
    in dependency order."""
    chosen = set(names)
    grown = True
    while grown:
        grown = False
        for table in _sorted_tables():
            if table.name not in chosen and any(
                key.column.table.name in chosen for key in table.foreign_keys
            ):
                chosen.add(table.name)
                grown = True
    return tuple(t for t in _sorted_tables() if t.name in chosen)


_WRITTEN_TABLE = re.compile(r'^(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class WriteCounter:
    """Counts INSERT/UPDATE/DELETE statements sent to the database while it is active, and
    names the tables they wrote (``tables`` is None when a write's table could not be read
    from its statement: then every table counts as written)."""

    def __init__(self) -> None:
        self.count = 0
        self._tables: set[str] = set()
        self._unnamed = False

    @property
    def tables(self) -> set[str] | None:
        return None if self._unnamed else self._tables

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG002
        text = statement.lstrip().upper()
        written = _WRITTEN_TABLE.match(statement.lstrip())
        if written:
            self._tables.add(written.group(1).lower())
        # A line in the security log is the record of a refusal (a failed re-confirmation, a
        # wrong code), not a change the refused request made.
        if text[:6] in {"INSERT", "UPDATE", "DELETE"} and not text.startswith(
            "INSERT INTO SECURITY_EVENTS"
        ):
            self.count += 1
        # A write whose table the pattern cannot name (one inside a common table expression,
        # say): every table may have changed.
        if not written and text.startswith(("INSERT", "UPDATE", "DELETE", "WITH ")):
            self._unnamed = True

    def __enter__(self) -> WriteCounter:
        sa_event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        sa_event.remove(db.engine, "before_cursor_execute", self._seen)


_CACHE: dict[str, tuple[World, Snapshot]] = {}


def world_with_snapshot() -> tuple[World, Snapshot]:
    """The world, built once per test run and restored from its snapshot afterwards."""
    if "world" in _CACHE:
        world, snapshot = _CACHE["world"]
        # The actors' log-ins are as recent as at the start of each test (staff sessions end
        # after STAFF_SESSION_IDLE_MINUTES, sensitive actions want REAUTHENTICATE_MINUTES).
        now = utcnow()
        for row in snapshot.rows["user_sessions"]:
            row.update(created_at=now, last_seen_at=now, authenticated_at=now)
        restore_snapshot(snapshot)
    else:
        world = build_world()
        # Mail the world queued is sent: a request then sends only its own (not the world's
        # again after every restore).
        deliver_outbox(include_not_due=True)
        snapshot = take_snapshot()
        _CACHE["world"] = (world, snapshot)
    return world, snapshot
