"""`make bench` (not `make test`): build the cold w5000 agenda page many times in one worker
process and fail if that process crashes (issue 13: SIGSEGV while garbage-collecting inside
SQLAlchemy's result processing, 3 of 9 cold builds in a gunicorn sync worker).

    python -m bench.agenda_stress                 # w5000, 200 builds, SQLite
    python -m bench.agenda_stress --builds 20 --workload w400
    DATABASE_URL=postgresql://... python -m bench.agenda_stress

The parent imports the workload into a fresh database, then runs a child process
(``python -X faulthandler``, as bench/server.py runs gunicorn) that, per build, empties
the in-process caches and asks for the anonymous agenda page through the app, so each
build runs load_agenda, the ORM and the templates from nothing, like a cold worker.
Exit 0: every build answered 200; otherwise the child's signal and faulthandler stack.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _config(database_url: str) -> dict:
    return {
        "ENV": "development",
        "SECRET_KEY": "bench-stress-secret",
        "DATABASE_URL": database_url,
        "MAIL_BACKEND": "console",
        "MAIL_DELIVER_AFTER_REQUEST": False,
        "RATELIMIT_ENABLED": False,
        "TASK_CONSUMER_IN_PROCESS": False,
    }


def _prepare(workload: str, database_url: str) -> str:
    from bench.scenarios import BenchRun
    from bench.workloads import load_workload
    from conference import create_app
    from conference.extensions import db
    from conference.workload.importer import import_event

    run = BenchRun(workload, load_workload(workload), database_url, quick=False, http=False)
    run._reset_database()
    app = create_app(_config(database_url))
    with app.app_context():
        report = import_event(run.document)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return report.slug


def _child(database_url: str, slug: str, builds: int) -> int:
    """Inside the worker process: cold builds, one after the other."""
    from conference import create_app
    from conference.extensions import db

    app = create_app(_config(database_url))
    client = app.test_client()
    timings = []
    for number in range(1, builds + 1):
        for name in ("public_page_cache", "feed_cache", "feed_fragments"):
            cache = app.extensions.get(name)
            if cache is not None:
                cache.clear()
        started = time.perf_counter()
        response = client.get(f"/events/{slug}/agenda/")
        timings.append(time.perf_counter() - started)
        if response.status_code != 200 or b"</html>" not in response.data:
            print(f"build {number}: HTTP {response.status_code}", flush=True)
            return 1
        with app.app_context():
            db.session.remove()
        if number % 10 == 0 or number == builds:
            print(f"  {number}/{builds} builds, last {timings[-1] * 1000:.0f} ms", flush=True)
    timings.sort()
    print(
        f"cold agenda: {builds} builds, median {timings[len(timings) // 2] * 1000:.0f} ms,"
        f" max {timings[-1] * 1000:.0f} ms",
        flush=True,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="w5000")
    parser.add_argument("--builds", type=int, default=200)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--child", nargs=2, metavar=("URL", "SLUG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child[0], args.child[1], args.builds)
    with tempfile.TemporaryDirectory(prefix="conference-stress-") as tmp:
        url = args.database_url or "sqlite:///" + str(Path(tmp) / "stress.sqlite3")
        started = time.monotonic()
        slug = _prepare(args.workload, url)
        print(f"{args.workload} imported in {time.monotonic() - started:.0f} s; building...")
        child = subprocess.run(  # noqa: S603 (our own interpreter and module)
            [
                sys.executable,
                "-X",
                "faulthandler",
                "-m",
                "bench.agenda_stress",
                "--builds",
                str(args.builds),
                "--child",
                url,
                slug,
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
    if child.returncode < 0:
        print(f"FAILED: the worker died with {signal.Signals(-child.returncode).name}")
        return 1
    if child.returncode:
        print("FAILED: a build did not answer 200")
        return 1
    print(f"OK: {args.builds} cold builds of the {args.workload} agenda, no crash")
    return 0


if __name__ == "__main__":
    sys.exit(main())
