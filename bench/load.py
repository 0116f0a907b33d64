"""Load test against gunicorn on 127.0.0.1: the opening minute of registration and the morning
entrance rush, then the invariants.

    python -m bench.load [--attendees 1500 --register-seconds 60]
                         [--scans 2000 --scan-seconds 600 --scanners 6 --duplicates 0.1]
                         [--workers 2] [--database-url postgresql://...] [--json out.json]

Phase 1: ``attendees`` pre-created accounts (as if they had signed up earlier) arrive spread
over ``register-seconds``: log in, open the registration form, register, book the popular
session (a third of them get a seat) and every other one a second session (a quarter get one).
Phase 2: ``scans`` badge scans at the entrance spread over ``scan-seconds``, from ``scanners``
device tokens, a fraction of them duplicates (re-reads and second tries at another door).

It prints throughput and p50/p95/p99 per request, then checks: no 5xx; every registration and
booking acknowledged to a client is in the database; no session over capacity and no seat lost;
every scan answered is recorded exactly once and each badge enters once. Exit status 1 on any
violation. It only ever talks to 127.0.0.1 and stops by itself (every phase has a deadline).
The database is a fresh one (a temporary SQLite file, or a new database on the PostgreSQL
server of --database-url), dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.loadkit import Client, Server, Stats, format_table, fresh_database

PASSWORD = "load-test-password"  # noqa: S105  (throw-away accounts in a throw-away database)


@dataclass
class Plan:
    """What the seed made: the event, its sessions, the accounts, badges and scanners."""

    slug: str
    hot_session: int
    second_session: int
    capacities: dict[int, int]
    emails: list[str]
    badge_codes: list[str]
    device_tokens: list[str]


@dataclass
class Outcome:
    """What clients were told."""

    registered: list[str] = field(default_factory=list)  # emails acknowledged
    booked: list[tuple[str, int]] = field(default_factory=list)  # (email, session) acknowledged
    scans: list[dict[str, Any]] = field(default_factory=list)  # the API's answers
    unfinished: int = 0  # flows cut by the deadline or left without an answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, value: Any) -> None:
        with self.lock:
            getattr(self, name).append(value)


def make_app(database_url: str):
    from conference import create_app

    return create_app({"ENV": "test", "DATABASE_URL": database_url, "SECRET_KEY": "seed-only"})


def seed(app, *, attendees: int, badges: int, scanners: int) -> Plan:
    """Schema, event, sessions, accounts, badge holders and scanning devices, committed."""
    from werkzeug.security import generate_password_hash

    from conference.accounts.models import User
    from conference.agenda.models import Room
    from conference.agenda.services import SessionFields, create_session
    from conference.badges import services as badge_services
    from conference.events.services import EventDetails, create_event, set_published
    from conference.extensions import db
    from conference.registration.models import Registration

    with app.app_context():
        db.create_all()
        now = datetime.now(UTC)
        start = (now + timedelta(days=30)).date()
        event = create_event(
            EventDetails(
                slug="load-2027",
                title="Load test conference",
                kind="flagship",
                timezone="Europe/Brussels",
                start_date=start,
                end_date=start + timedelta(days=1),
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=now + timedelta(days=20),
                registration_mode="automatic",
            ),
            actor=None,
        )
        set_published(event, True, actor=None)
        room = Room(event_id=event.id, name="Main hall", capacity=max(attendees, 1))
        db.session.add(room)
        db.session.flush()
        nine = datetime.combine(start, datetime.min.time(), UTC) + timedelta(hours=8)
        capacities = {}
        sessions = []
        for title, hours, capacity in (
            ("Keynote: research security in Europe", 0, max(1, attendees // 3)),
            ("Workshop: export control", 3, max(1, attendees // 8)),
        ):
            session = create_session(
                event,
                SessionFields(
                    title=title,
                    starts_at=nine + timedelta(hours=hours),
                    ends_at=nine + timedelta(hours=hours + 1),
                    room_id=room.id,
                    capacity=capacity,
                ),
            )
            db.session.flush()
            capacities[session.id] = capacity
            sessions.append(session.id)
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        emails = [f"attendee{i}@load.example.org" for i in range(attendees)]
        holders = [f"holder{i}@load.example.org" for i in range(badges)]
        verified = now - timedelta(days=2)
        users = [
            User(
                email=email,
                name=f"Person {i}",
                password_hash=password_hash,
                organisation="Load Test University",
                country="BE",
                claimed_category="academia",
                email_verified_at=verified,
            )
            for i, email in enumerate(emails + holders)
        ]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(
            Registration(event_id=event.id, user_id=u.id, category="academia", status="approved")
            for u in users[attendees:]
        )
        event.approved_count = badges
        db.session.flush()
        badge_services.issue_missing_badges(event)
        tokens = [
            badge_services.create_device(event, f"Entrance scanner {i + 1}", actor=None)[1]
            for i in range(scanners)
        ]
        db.session.commit()
        codes = [b.token for b in badge_services.list_badges(event)]
        db.session.remove()
        return Plan(event.slug, sessions[0], sessions[1], capacities, emails, codes, tokens)


# --- Phase 1: the opening minute of registration -------------------------------------------


def attendee_flow(
    port: int,
    plan: Plan,
    index: int,
    stats: Stats,
    outcome: Outcome,
    retry_until: float | None = None,
) -> bool:
    """Log in, register, book; True when every step was answered.

    With ``retry_until``, a step nobody answered is sent again (see Client.request); a retried
    registration or booking may then be answered 409 (it had gone through): not acknowledged
    by that answer, but the flow goes on.
    """
    email = plan.emails[index]
    client = Client(port, stats)
    page = client.request("GET", "/account/login", name="login form", retry_until=retry_until)
    answer = client.request(
        "POST",
        "/account/login",
        name="login",
        form={"email": email, "password": PASSWORD, "csrf_token": page.csrf_token() or ""},
        retry_until=retry_until,
    )
    if answer.status != 302:
        return False
    page = client.request(
        "GET", f"/events/{plan.slug}/register", name="register form", retry_until=retry_until
    )
    token = page.csrf_token() or ""
    answer = client.request(
        "POST",
        f"/events/{plan.slug}/register",
        name="register",
        form={
            "category": "academia",
            "organisation": "Load Test University",
            "country": "BE",
            "privacy_consent": "y",
            "csrf_token": token,
        },
        retry_until=retry_until,
    )
    if answer.status == 302:
        outcome.add("registered", email)
    elif not (retry_until and answer.status == 409):
        return False
    sessions = [plan.hot_session] + ([plan.second_session] if index % 2 == 0 else [])
    for session_id in sessions:
        answer = client.request(
            "POST",
            f"/events/{plan.slug}/sessions/{session_id}/book",
            name="book",
            form={"csrf_token": token},
            retry_until=retry_until,
        )
        if answer.status == 303:
            outcome.add("booked", (email, session_id))
        elif not (retry_until and answer.status == 409):
            return False
    return True


def run_paced(tasks: list[tuple[float, Any]], *, threads: int, deadline: float) -> int:
    """Run (offset seconds, callable) tasks at their offsets; returns how many did not finish."""
    started = time.monotonic()
    unfinished = 0
    lock = threading.Lock()

    def run(offset: float, task) -> None:
        nonlocal unfinished
        wait = started + offset - time.monotonic()
        if wait > 0:
            time.sleep(wait)  # pacing: this task's arrival time
        ok = time.monotonic() < deadline and task()
        if not ok:
            with lock:
                unfinished += 1

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for offset, task in sorted(tasks, key=lambda t: t[0]):
            pool.submit(run, offset, task)
    return unfinished


def registration_rush(port: int, plan: Plan, seconds: float, threads: int, stats: Stats):
    outcome = Outcome()
    rng = random.Random(1)  # noqa: S311  (arrival times, not secrets)
    tasks = [
        (rng.uniform(0, seconds), lambda i=i: attendee_flow(port, plan, i, stats, outcome))
        for i in range(len(plan.emails))
    ]
    outcome.unfinished = run_paced(
        tasks, threads=threads, deadline=time.monotonic() + 3 * seconds + 120
    )
    return outcome


# --- Phase 2: the entrance rush --------------------------------------------------------------


def scan_schedule(plan: Plan, scans: int, seconds: float, duplicates: float):
    """(offset, scanner, code) for ``scans`` scans: unique badges first, then re-reads by the
    same scanner or a second try at another door, always after the original."""
    rng = random.Random(2)  # noqa: S311
    n_unique = min(len(plan.badge_codes), scans - int(scans * duplicates))
    scanners = len(plan.device_tokens)
    first = [
        (rng.uniform(0, seconds * 0.9), rng.randrange(scanners), code)
        for code in plan.badge_codes[:n_unique]
    ]
    again = []
    for _ in range(scans - n_unique):
        offset, scanner, code = rng.choice(first)
        other = scanner if rng.random() < 0.5 else rng.randrange(scanners)
        again.append((rng.uniform(offset, seconds), other, code))
    return first + again


def scan_flow(
    port: int,
    plan: Plan,
    scanner: int,
    code: str,
    stats: Stats,
    outcome: Outcome,
    retry_until: float | None = None,
) -> bool:
    """One scan at the entrance; with its own client_scan_id, so a retry is recorded once."""
    answer = Client(port, stats).request(
        "POST",
        f"/api/v1/events/{plan.slug}/checkins",
        name="scan",
        json_body={"code": code, "checkpoint": "entrance", "client_scan_id": uuid.uuid4().hex},
        headers={"Authorization": f"Bearer {plan.device_tokens[scanner]}"},
        retry_until=retry_until,
    )
    if answer.status != 200:
        return False
    outcome.add("scans", answer.json() | {"code": code})
    return True


def entrance_rush(port: int, plan: Plan, scans: int, seconds: float, duplicates: float, stats):
    outcome = Outcome()
    schedule = scan_schedule(plan, scans, seconds, duplicates)
    # As many threads as scanners: about one scan at a time per door.
    tasks = [
        (offset, lambda s=s, c=c: scan_flow(port, plan, s, c, stats, outcome))
        for offset, s, c in schedule
    ]
    outcome.unfinished = run_paced(
        tasks, threads=len(plan.device_tokens), deadline=time.monotonic() + 1.5 * seconds + 120
    )
    return outcome, len({code for _, _, code in schedule})


# --- The invariants ----------------------------------------------------------------------------


def check_invariants(app, plan: Plan, booked: Outcome, scanned: Outcome, unique: int) -> list[str]:
    """Everything acknowledged is stored, nothing is overbooked, each scan is recorded once."""
    from sqlalchemy import func, select

    from conference.accounts.models import User
    from conference.agenda.models import AgendaSession
    from conference.badges.models import Scan
    from conference.extensions import db
    from conference.registration.models import Booking, Registration

    problems = []
    with app.app_context():
        registered = set(
            db.session.scalars(
                select(User.email)
                .join(Registration, Registration.user_id == User.id)
                .where(Registration.status == "approved")
            )
        )
        lost = [e for e in booked.registered if e not in registered]
        if lost:
            problems.append(f"{len(lost)} acknowledged registrations are missing, e.g. {lost[:3]}")
        rows = set(
            db.session.execute(
                select(User.email, Booking.session_id)
                .join(Registration, Registration.user_id == User.id)
                .join(Booking, Booking.registration_id == Registration.id)
                .where(Booking.status.in_(["confirmed", "waitlisted"]))
            ).all()
        )
        lost = [b for b in booked.booked if tuple(b) not in rows]
        if lost:
            problems.append(f"{len(lost)} acknowledged bookings are missing, e.g. {lost[:3]}")
        for session_id, capacity in plan.capacities.items():
            confirmed = db.session.scalar(
                select(func.count())
                .select_from(Booking)
                .where(Booking.session_id == session_id, Booking.status == "confirmed")
            )
            counter = db.session.get(AgendaSession, session_id).confirmed_count
            wanted = sum(1 for _, s in booked.booked if s == session_id)
            if confirmed > capacity:
                problems.append(f"session {session_id}: {confirmed} seats for {capacity}")
            if counter != confirmed:
                problems.append(f"session {session_id}: counter {counter} != {confirmed} rows")
            if wanted >= capacity and confirmed < capacity:
                problems.append(f"session {session_id}: {capacity - confirmed} seats lost")
        answered = {s["id"] for s in scanned.scans}
        stored = dict(db.session.execute(select(Scan.id, Scan.result)).all())
        if len(answered) != len(scanned.scans) or set(stored) != answered:
            problems.append(
                f"{len(scanned.scans)} scans answered, {len(stored)} recorded, "
                f"{len(answered ^ set(stored))} differ"
            )
        wrong = [s["id"] for s in scanned.scans if stored.get(s["id"]) != s["result"]]
        if wrong:
            problems.append(f"{len(wrong)} scans recorded with another result than answered")
        entries = db.session.execute(
            select(Scan.registration_id, func.count())
            .where(Scan.result == "accepted", Scan.repeat_of_id.is_(None))
            .group_by(Scan.registration_id)
        ).all()
        twice = [r for r, n in entries if n > 1]
        if twice:
            problems.append(f"{len(twice)} badges entered more than once")
        if scanned.unfinished == 0 and len(entries) != unique:
            problems.append(f"{len(entries)} badges entered, {unique} distinct badges scanned")
        db.session.remove()
    return problems


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, serve, load, check; the report as a dict (``violations`` empty when all held)."""
    with fresh_database(args.database_url) as url:
        app = make_app(url)
        plan = seed(app, attendees=args.attendees, badges=args.scans, scanners=args.scanners)
        register_stats, scan_stats = Stats(), Stats()
        with Server(url, workers=args.workers) as server:
            started = time.monotonic()
            booked = registration_rush(
                server.port, plan, args.register_seconds, args.threads, register_stats
            )
            register_wall = time.monotonic() - started
            started = time.monotonic()
            scanned, unique = entrance_rush(
                server.port, plan, args.scans, args.scan_seconds, args.duplicates, scan_stats
            )
            scan_wall = time.monotonic() - started
        violations = check_invariants(app, plan, booked, scanned, unique)
        from conference.extensions import db

        with app.app_context():
            db.engine.dispose()
    errors = register_stats.server_errors() + scan_stats.server_errors()
    if errors:
        violations.append(f"{errors} server errors (5xx)")
    for phase, outcome in (("registration", booked), ("entrance", scanned)):
        if outcome.unfinished:
            violations.append(f"{outcome.unfinished} {phase} flows unanswered or refused")
    requests = sum(len(v) for v in register_stats.seconds.values())
    return {
        "database": url.split(":", 1)[0].split("+")[0],
        "workers": args.workers,
        "registration": {
            "attendees": args.attendees,
            "planned_seconds": args.register_seconds,
            "wall_seconds": round(register_wall, 1),
            "requests_per_second": round(requests / register_wall, 1),
            "registered": len(booked.registered),
            "bookings": len(booked.booked),
            "requests": register_stats.table(register_wall),
        },
        "entrance": {
            "scans": len(scanned.scans),
            "distinct_badges": unique,
            "planned_seconds": args.scan_seconds,
            "wall_seconds": round(scan_wall, 1),
            "scans_per_second": round(len(scanned.scans) / scan_wall, 1),
            "requests": scan_stats.table(scan_wall),
        },
        "violations": violations,
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--attendees", type=int, default=1500)
    p.add_argument("--register-seconds", type=float, default=60)
    p.add_argument("--scans", type=int, default=2000)
    p.add_argument("--scan-seconds", type=float, default=600)
    p.add_argument("--scanners", type=int, default=6)
    p.add_argument("--duplicates", type=float, default=0.1)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=48, help="concurrent attendees at most")
    p.add_argument("--database-url", default=None, help="a PostgreSQL server (default: SQLite)")
    p.add_argument("--json", type=Path, default=None, help="also write the report here")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    report = run(args)
    for phase in ("registration", "entrance"):
        summary = {k: v for k, v in report[phase].items() if k != "requests"}
        print(f"\n{phase}: {json.dumps(summary)}")
        print(format_table(report[phase]["requests"]))
    print(f"\ndatabase: {report['database']}, gunicorn workers: {report['workers']}")
    print("invariants: " + ("all held" if not report["violations"] else "VIOLATED"))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    for violation in report["violations"]:
        print(f"VIOLATION: {violation}", file=sys.stderr)
    return 1 if report["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
