"""`make bench` (issue 13): the memory of one gunicorn worker after every public output of the
w5000 event, then after each of 10 agenda changes with every output asked for again.

    python -m bench.memory [--workload w5000] [--changes 10] [--database-url postgresql://...]

The parent imports the workload into a fresh database and serves it with one sync worker
(bench/server.py, as the HTTP layer of `make bench` does). Round 0 asks for every public output
once (agenda page, agenda PDF, JSON, frab XML, the event, track and room feeds); each later
round first changes the agenda (a session moved by five minutes, through the service that the
organisers' pages call, then the version bump they make) and asks for every output again, so
each round builds everything from nothing. After each output it reads the worker's resident
set (VmRSS) and peak (VmHWM) from /proc. The caches are bounded: the worker's memory must level
off instead of growing with every change; the report says by how much it grew from the end of
round 1 to the end of the last round (exit 1 when that exceeds --max-growth-mib).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.agenda_stress import _config, _prepare
from bench.server import Client, Gunicorn


def _outputs(app, slug: str) -> list[str]:
    from sqlalchemy import select

    from conference.agenda.models import Room, Track
    from conference.events.models import Event
    from conference.extensions import db

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        tracks = db.session.scalars(select(Track.id).where(Track.event_id == event.id)).all()
        rooms = db.session.scalars(select(Room.id).where(Room.event_id == event.id)).all()
        db.session.remove()
    base = f"/events/{slug}"
    return [
        f"{base}/agenda/",
        f"{base}/agenda.pdf",
        f"{base}/agenda.json",
        f"{base}/schedule.xml",
        f"{base}/calendar.ics",
        *(f"{base}/tracks/{t}/calendar.ics" for t in tracks[:5]),
        *(f"{base}/rooms/{r}/calendar.ics" for r in rooms[:5]),
    ]


def _change_agenda(app, slug: str, number: int) -> str:
    """Move one public session by five minutes, as an organiser's edit does."""
    from sqlalchemy import select

    from conference.agenda.models import AgendaSession
    from conference.agenda.services import SessionFields, save_session
    from conference.events.models import Event
    from conference.extensions import db

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        session = db.session.scalars(
            select(AgendaSession)
            .where(AgendaSession.event_id == event.id, AgendaSession.restricted_to == [])
            .order_by(AgendaSession.id)
            .offset(number)
            .limit(1)
        ).one()
        shift = timedelta(minutes=5)
        fields = SessionFields(
            title=session.title,
            starts_at=session.starts_at + shift,
            ends_at=session.ends_at + shift,
            kind=session.kind,
            abstract=session.abstract,
            track_id=session.track_id,
            room_id=session.room_id,
            capacity=session.capacity,
            requires_booking=session.requires_booking,
            restricted_to=list(session.restricted_to),
            restricted_visibility=session.restricted_visibility,
            status=session.status,
            speakers=list(session.speakers),
            tlp=session.tlp,
            chatham_house=session.chatham_house,
        )
        save_session(event, fields, actor=None, session=session, override_conflicts=True)
        db.session.commit()
        title = session.title
        db.session.remove()
    return title


def _memory_kib(pid: int) -> tuple[int, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values["VmRSS"], values["VmHWM"]


def run(workload: str, changes: int, database_url: str | None, max_growth: float) -> int:
    from conference import create_app

    with tempfile.TemporaryDirectory(prefix="conference-memory-") as tmp:
        url = database_url or "sqlite:///" + str(Path(tmp) / "memory.sqlite3")
        started = time.monotonic()
        slug = _prepare(workload, url)
        print(f"{workload} imported in {time.monotonic() - started:.0f} s")
        app = create_app(_config(url))
        paths = _outputs(app, slug)
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-memory-secret",
            "CONFERENCE_ENV": "production",
            "CONFERENCE_MAIL_BACKEND": "console",
            "CONFERENCE_MAIL_DELIVER_AFTER_REQUEST": "false",
            "CONFERENCE_RATELIMIT_ENABLED": "false",
        }
        rounds: list[tuple[str, int, int]] = []
        with Gunicorn(env, workers=1) as server:
            [worker] = server.worker_pids()
            client = Client(server.port, keep_alive=False)
            rss, _ = _memory_kib(worker)
            print(f"{'after':<48} {'RSS MiB':>8} {'peak MiB':>9}")
            print(f"{'start (app loaded)':<48} {rss / 1024:8.1f}")
            for number in range(changes + 1):
                label = "every output, cold" if number == 0 else f"change {number}, every output"
                if number:
                    _change_agenda(app, slug, number)
                for path in paths:
                    reply = client.request("GET", path)
                    if reply.status != 200:
                        print(f"FAILED: {path} answered {reply.status}")
                        return 1
                    if server.process.poll() is not None or server.worker_pids() != [worker]:
                        print(f"FAILED: the worker died building {path}")
                        return 1
                rss, peak = _memory_kib(worker)
                rounds.append((label, rss, peak))
                print(f"{label:<48} {rss / 1024:8.1f} {peak / 1024:9.1f}")
    growth = (rounds[-1][1] - rounds[min(1, len(rounds) - 1)][1]) / 1024
    print(
        f"{len(paths)} outputs per round; RSS {rounds[0][1] / 1024:.0f} MiB after the first round,"
        f" {rounds[-1][1] / 1024:.0f} MiB after {changes} changes"
        f" (growth since change 1: {growth:+.1f} MiB), peak {rounds[-1][2] / 1024:.0f} MiB"
    )
    if growth > max_growth:
        print(f"FAILED: the worker grew {growth:.1f} MiB over {changes - 1} changes")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="w5000")
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--max-growth-mib", type=float, default=40)
    args = parser.parse_args(argv)
    return run(args.workload, args.changes, args.database_url, args.max_growth_mib)


if __name__ == "__main__":
    sys.exit(main())
