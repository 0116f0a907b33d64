"""The registration rush under failure (issue 13): a gunicorn worker SIGKILLed every few seconds
and one PostgreSQL restart, then the invariants.

    python -m bench.chaos --database-url postgresql://postgres@127.0.0.1:5432/test
                          [--attendees 1500 --seconds 60 --workers 4 --kill-every 4]
                          [--redis-url redis://127.0.0.1:6379/0] [--json out.json]

The rush of bench/load.py (log in, register, book the popular session and every other one a
second), against gunicorn with ``workers`` workers on a fresh PostgreSQL database. Mail is real:
each worker sends what a request queued right after it commits, and a ``flask send-mail`` runs
every 2 s beside them, as the cron of docs/deployment.md does, to a loopback SMTP server that
counts every message per recipient. Meanwhile one worker is killed with SIGKILL every
``kill-every`` seconds (gunicorn starts another) and, half-way, PostgreSQL is restarted
(``pg_ctlcluster … restart -m fast``: every connection is cut). A client whose request got no
answer or a 503 sends it again, as a browser's user would; an answer of 409 to a repeated
registration or booking means the first one went through.

Reported: p50/p95/p99 per step, the kills, how long PostgreSQL took to come back and how long
until the app answered again. Invariants (exit 1 on a violation): every registration and booking
acknowledged to a client is stored; no session holds more than its capacity and its counter
equals its rows; every registered person got their confirmation exactly once (no message to the
same person with the same subject twice) and nothing is left unsent after the last send-mail.

Needs root (or the postgres user) to restart the local cluster; it restarts the cluster every
other database on it shares, so run it on a machine whose PostgreSQL nothing else is using.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import Any

from bench.load import Outcome, check_invariants, make_app, run_paced, seed
from bench.loadkit import Client, Server, Stats, format_table, fresh_database
from tests.smtp import LoopbackSMTP

# A killed sender's claim on a message lapses after this, so another sender takes it over within
# the run (production: MAIL_CLAIM_SECONDS, 300 s).
CLAIM_SECONDS = 15


def _cluster() -> tuple[str, str]:
    """The local cluster's version and name, as pg_ctlcluster wants them."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return version, "main"


def restart_postgresql() -> float:
    """Restart the local cluster (fast: connections are cut); seconds until it accepts again."""
    version, name = _cluster()
    started = time.monotonic()
    subprocess.run(  # noqa: S603  (fixed command line)
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "-m", "fast"],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=120,
    )
    while subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode:  # noqa: S607
        time.sleep(0.05)
    return time.monotonic() - started


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the master's children (Linux /proc)."""
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


class Chaos(threading.Thread):
    """Kills a random worker every ``every`` seconds; restarts PostgreSQL once at ``restart_at``."""

    def __init__(self, server: Server, slug: str, *, every: float, restart_at: float, until: float):
        super().__init__(daemon=True)
        self.server, self.slug = server, slug
        self.every, self.restart_at, self.until = every, restart_at, until
        self.kills = 0
        self.restart: dict[str, float] = {}
        self.rng = random.Random(7)  # noqa: S311  (which worker dies, not a secret)

    def run(self) -> None:
        started = time.monotonic()
        restarted = False
        next_kill = started + self.every
        while time.monotonic() < self.until:
            now = time.monotonic()
            if not restarted and now - started >= self.restart_at:
                restarted = True
                self._restart()
                continue
            if now >= next_kill:
                pids = worker_pids(self.server.process.pid)
                if pids:
                    with suppress(ProcessLookupError):
                        os.kill(self.rng.choice(pids), signal.SIGKILL)
                        self.kills += 1
                next_kill = now + self.every
            time.sleep(0.1)

    def _restart(self) -> None:
        cut = time.monotonic()
        database_seconds = restart_postgresql()
        # The app is back when a page that reads the database answers 200 again.
        probe = Client(self.server.port)
        give_up = time.monotonic() + 120
        while probe.request("GET", f"/events/{self.slug}/", timeout=10).status != 200:
            if time.monotonic() > give_up:
                self.restart = {"database_back_seconds": round(database_seconds, 2)}
                return
            time.sleep(0.05)
        self.restart = {
            "database_back_seconds": round(database_seconds, 2),
            "app_back_seconds": round(time.monotonic() - cut, 2),
        }


class SendMailCron(threading.Thread):
    """``flask send-mail`` every 2 s until stopped, as a cron or timer would run it."""

    def __init__(self, env: dict[str, str]):
        super().__init__(daemon=True)
        self.env = env
        self.stopping = threading.Event()
        self.runs = self.failures = 0

    def run(self) -> None:
        while not self.stopping.wait(2):
            self.once()

    def once(self, *args: str) -> None:
        flask = str(Path(sys.executable).parent / "flask")
        result = subprocess.run(  # noqa: S603  (our own command)
            [flask, "--app", "conference", "send-mail", *args],
            env=self.env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        self.runs += 1
        self.failures += result.returncode != 0


PASSWORD = "load-test-password"  # noqa: S105  (the seed's throw-away accounts)
TRY_AGAIN = {0, 500, 502, 503}  # no answer, a cut connection, a restarting database


def person_flow(port: int, plan, index: int, stats: Stats, outcome: Outcome, give_up: float):
    """Log in, register, book, each step sent again (after a second) while the answer is "try
    again", as a person reloads the page; True once every step has a definite answer."""
    email = plan.emails[index]
    client = Client(port, stats)

    def step(method: str, path: str, name: str, form: dict | None = None):
        while True:
            answer = client.request(method, path, name=name, form=form, timeout=30)
            if answer.status not in TRY_AGAIN or time.monotonic() > give_up:
                return answer
            time.sleep(1)

    page = step("GET", "/account/login", "login form")
    form = {"email": email, "password": PASSWORD, "csrf_token": page.csrf_token() or ""}
    if step("POST", "/account/login", "login", form).status != 302:
        return False
    page = step("GET", f"/events/{plan.slug}/register", "register form")
    token = page.csrf_token() or ""
    if page.status == 200:
        answer = step(
            "POST",
            f"/events/{plan.slug}/register",
            "register",
            {
                "category": "academia",
                "organisation": "Load Test University",
                "country": "BE",
                "privacy_consent": "y",
                "csrf_token": token,
            },
        )
        if answer.status == 302:
            outcome.add("registered", email)
        elif answer.status != 409:  # 409: an earlier try went through
            return False
    elif page.status != 302:  # 302: registered already, by a try whose answer was lost
        return False
    if not token:
        page = step("GET", f"/events/{plan.slug}/sessions/{plan.hot_session}/", "session page")
        token = page.csrf_token() or ""
    for session_id in [plan.hot_session] + ([plan.second_session] if index % 2 == 0 else []):
        answer = step(
            "POST",
            f"/events/{plan.slug}/sessions/{session_id}/book",
            "book",
            {"csrf_token": token},
        )
        if answer.status == 303:
            outcome.add("booked", (email, session_id))
        elif answer.status != 409:
            return False
    return True


def rush(port: int, plan, seconds: float, threads: int, stats: Stats, give_up: float) -> Outcome:
    """The opening minute, arrivals spread over ``seconds``."""
    outcome = Outcome()
    rng = random.Random(1)  # noqa: S311  (arrival times)
    tasks = [
        (rng.uniform(0, seconds), lambda i=i: person_flow(port, plan, i, stats, outcome, give_up))
        for i in range(len(plan.emails))
    ]
    outcome.unfinished = run_paced(tasks, threads=threads, deadline=give_up)
    return outcome


def mail_problems(smtp: LoopbackSMTP, registered: list[str]) -> tuple[list[str], dict[str, int]]:
    pairs = Counter((m["To"], m["Subject"]) for m in smtp.messages)
    twice = [pair for pair, count in pairs.items() if count > 1]
    mailed = {to for to, _ in pairs}
    unmailed = [email for email in registered if email not in mailed]
    problems = []
    if twice:
        problems.append(f"{len(twice)} messages delivered more than once, e.g. {twice[:3]}")
    if unmailed:
        problems.append(f"{len(unmailed)} registered people got no mail, e.g. {unmailed[:3]}")
    return problems, {"messages": len(smtp.messages), "duplicates": len(twice)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    smtp = LoopbackSMTP()
    smtp.start()
    try:
        with fresh_database(args.database_url) as url:
            if not url.startswith("postgres"):
                raise SystemExit("the chaos rush restarts PostgreSQL: give --database-url")
            app = make_app(url)
            plan = seed(app, attendees=args.attendees, badges=1, scanners=1)
            server = Server(url, workers=args.workers)
            server.env.update(
                {
                    "CONFERENCE_MAIL_BACKEND": "smtp",
                    "CONFERENCE_MAIL_SERVER": "127.0.0.1",
                    "CONFERENCE_MAIL_PORT": str(smtp.port),
                    "CONFERENCE_MAIL_DELIVER_AFTER_REQUEST": "true",
                    "CONFERENCE_MAIL_CLAIM_SECONDS": str(CLAIM_SECONDS),
                }
            )
            if args.redis_url:
                server.env["CONFERENCE_TASK_QUEUE_URL"] = args.redis_url
            stats = Stats()
            with server:
                cron = SendMailCron(server.env)
                cron.start()
                started = time.monotonic()
                give_up = started + 3 * args.seconds + 120
                chaos = Chaos(
                    server,
                    plan.slug,
                    every=args.kill_every,
                    restart_at=args.seconds / 2,
                    until=started + args.seconds,
                )
                chaos.start()
                outcome = rush(server.port, plan, args.seconds, args.threads, stats, give_up)
                wall = time.monotonic() - started
                chaos.join()
                cron.stopping.set()
                cron.join()
                # What killed senders had claimed is free once their claims lapse: the next
                # send-mail delivers it, as the cron would a minute later.
                time.sleep(CLAIM_SECONDS + 1)
                cron.once("--all")
                time.sleep(1)  # the loopback server hands over the last messages
            from conference.extensions import db

            with app.app_context():
                db.engine.dispose()  # the seed's connections died with the restart
            violations = check_invariants(app, plan, outcome, Outcome(), 0)
            from conference.mail.services import pending_count

            with app.app_context():
                left = pending_count()
                db.engine.dispose()
            problems, mail = mail_problems(smtp, outcome.registered)
            violations += problems
            if left:
                violations.append(f"{left} messages still unsent after the last send-mail")
    finally:
        smtp.stop()
    if outcome.unfinished:
        violations.append(f"{outcome.unfinished} people never got through")
    requests = sum(len(v) for v in stats.seconds.values())
    return {
        "database": "postgresql",
        "workers": args.workers,
        "attendees": args.attendees,
        "planned_seconds": args.seconds,
        "wall_seconds": round(wall, 1),
        "requests_per_second": round(requests / wall, 1),
        "registered": len(outcome.registered),
        "bookings": len(outcome.booked),
        "worker_kills": chaos.kills,
        "postgresql_restart": chaos.restart,
        "answers_5xx": stats.server_errors(),
        "send_mail_runs": cron.runs,
        "mail": mail,
        "requests": stats.table(wall),
        "violations": violations,
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--attendees", type=int, default=1500)
    p.add_argument("--seconds", type=float, default=60, help="arrivals spread over this long")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--kill-every", type=float, default=4, help="seconds between worker kills")
    p.add_argument("--threads", type=int, default=48, help="concurrent attendees at most")
    p.add_argument("--database-url", required=True, help="the local PostgreSQL server")
    p.add_argument("--redis-url", default=None, help="the task queue in Redis (production)")
    p.add_argument("--json", type=Path, default=None, help="also write the report here")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    report = run(args)
    summary = {k: v for k, v in report.items() if k not in ("requests", "violations")}
    print(json.dumps(summary, indent=2))
    print(format_table(report["requests"]))
    print("invariants: " + ("all held" if not report["violations"] else "VIOLATED"))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    for violation in report["violations"]:
        print(f"VIOLATION: {violation}", file=sys.stderr)
    return 1 if report["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
