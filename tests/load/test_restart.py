"""Restarts under load (PostgreSQL): attendees register and book and scanners check badges in
while gunicorn (two workers) is reloaded (SIGHUP), stopped and started again (SIGTERM), and
killed outright (SIGKILL to every process) and started again. Clients send again what got no
answer, as real ones do. Afterwards nothing acknowledged to a client is missing, no session
is over capacity, and each scan is recorded once and each badge entered once."""

from __future__ import annotations

import os
import threading
import time

import pytest

from bench.load import Outcome, attendee_flow, check_invariants, make_app, scan_flow, seed
from bench.loadkit import Server, Stats, fresh_database
from conference.extensions import db

pytestmark = pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL") or "").startswith("postgres"),
    reason="restarts under load run on PostgreSQL (set DATABASE_URL; .ci/run does)",
)

ATTENDEES = 60
BADGES = 60
SCANNERS = 3


def _drive(tasks, threads: int) -> None:
    """Run the tasks (each retries until answered) on a few threads, in order."""
    pending = list(tasks)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not pending:
                    return
                task = pending.pop(0)
            task()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=300)


def test_nothing_acknowledged_is_lost_across_reload_restart_and_kill(tmp_path):
    with fresh_database(os.environ["DATABASE_URL"]) as url:
        app = make_app(url)
        plan = seed(app, attendees=ATTENDEES, badges=BADGES, scanners=SCANNERS)
        stats, booked, scanned = Stats(), Outcome(), Outcome()
        server = Server(url, workers=2, log_dir=tmp_path)
        server.start()
        retry_until = time.monotonic() + 240
        finished: list[bool] = []
        tasks = [
            lambda i=i: finished.append(
                attendee_flow(server.port, plan, i, stats, booked, retry_until=retry_until)
            )
            for i in range(ATTENDEES)
        ] + [
            lambda i=i: finished.append(
                scan_flow(
                    server.port,
                    plan,
                    i % SCANNERS,
                    plan.badge_codes[i % BADGES],
                    stats,
                    scanned,
                    retry_until=retry_until,
                )
            )
            for i in range(BADGES + BADGES // 5)  # a fifth of the badges are scanned twice
        ]
        tasks = [tasks[i] for i in sorted(range(len(tasks)), key=lambda i: (i * 7919) % len(tasks))]
        load = threading.Thread(target=_drive, args=(tasks, 8))
        try:
            load.start()
            for restart in (server.reload, _stop_and_start(server), _kill_and_start(server)):
                _wait_for(lambda: len(finished) > 0 or not load.is_alive())
                progress = len(finished)
                restart()
                # Let the clients get some answers from the restarted server before the next.
                _wait_for(lambda p=progress: len(finished) >= p + 10 or not load.is_alive())
            load.join(timeout=300)
        finally:
            server.stop()

        problems = check_invariants(app, plan, booked, scanned, unique=BADGES)
        with app.app_context():
            db.engine.dispose()

    assert not load.is_alive()
    assert all(finished) and len(finished) == len(tasks), server.log_tail()
    assert stats.server_errors() == 0, stats.table(1)
    assert stats.statuses["(no answer)"][0] > 0  # the restarts did cut clients off
    assert all(0 not in codes for name, codes in stats.statuses.items() if name != "(no answer)")
    assert problems == []
    assert len(booked.registered) >= ATTENDEES * 0.9  # a few answers may be lost in the kill
    assert len(scanned.scans) == len(tasks) - ATTENDEES


def _stop_and_start(server: Server):
    def restart() -> None:
        server.stop()
        server.start()

    return restart


def _kill_and_start(server: Server):
    def restart() -> None:
        server.kill()
        server.start()

    return restart


def _wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the clients' progress, bounded by the deadline
