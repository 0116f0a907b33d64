# ruff: noqa: S603, S607, S105  (runs our own tools and pg_dump; a throwaway password)
"""`make deploy-check`: run the reference deployment of docs/deployment.md on this machine
and check that it holds: PostgreSQL, Redis, gunicorn with 4 workers, the task worker.

    python -m bench.deploy_check --database-url postgresql://.../scratch --wipe

WIPES the given PostgreSQL database (``--wipe`` says you mean it). Steps, each timed:
``flask db upgrade`` on an empty database, an event imported, gunicorn (4 sync workers)
and ``flask tasks worker`` started with Redis for rate limits and the queue; 40 sign-ups
in parallel, two ``flask send-mail`` runs racing the worker: each person mailed exactly
once; the login limit shared by the 4 workers; a badge print job run by the worker; a
``pg_dump`` restored with ``pg_restore``; ``flask db upgrade`` again (nothing to do).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.server import free_port
from bench.workloads import CACHE, load_workload
from tests.smtp import LoopbackSMTP

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "deploy-check-password"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _step(name: str, started: float) -> None:
    print(f"  {name:<58} {time.monotonic() - started:6.1f} s", flush=True)


def _flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "conference", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


class PlainHttpSession(requests.Session):
    """Production cookies are Secure; this check talks plain HTTP on loopback (nginx, which
    terminates TLS in the reference deployment, is docs/proxy.md's subject), so the client
    is told to send them anyway."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


def _session(base: str) -> PlainHttpSession:
    return PlainHttpSession(base)


def _post_form(session: requests.Session, path: str, data: dict, form_path: str | None = None):
    page = session.get(session.base + (form_path or path)).text
    return session.post(
        session.base + path,
        data={"csrf_token": CSRF.search(page).group(1), **data},
        allow_redirects=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--wipe", action="store_true", help="yes, empty this database")
    args = parser.parse_args(argv)
    if not args.wipe:
        parser.error("this empties --database-url; add --wipe")
    url = make_url(args.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    prefix = f"deploy-check-{uuid.uuid4().hex[:8]}"
    smtp = LoopbackSMTP()
    smtp.start()
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CONFERENCE_ENV": "production",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CONFERENCE_RATELIMIT_STORAGE_URI": args.redis_url,
        "CONFERENCE_RATELIMIT_KEY_PREFIX": prefix,
        "CONFERENCE_LOGIN_RATE_LIMIT": "10 per minute",
        "CONFERENCE_SIGNUP_RATE_LIMIT": "1000 per minute",  # 40 sign-ups from one address
        "CONFERENCE_TASK_QUEUE_URL": args.redis_url,
        "CONFERENCE_TASK_QUEUE_NAME": prefix,
        "CONFERENCE_MAIL_SERVER": "127.0.0.1",
        "CONFERENCE_MAIL_PORT": str(smtp.port),
    }
    processes: list[subprocess.Popen] = []
    failures: list[str] = []
    try:
        started = time.monotonic()
        _flask(env, "db", "upgrade")
        _step("flask db upgrade (empty database to head)", started)
        load_workload("tiny")
        slug = _flask(env, "import-event", str(CACHE / "tiny.json")).split()[0]
        _flask(
            env,
            "create-user",
            "organiser@example.org",
            "--name",
            "Olga Organiser",
            "--password",
            PASSWORD,
        )
        _flask(env, "grant", "organiser@example.org", "organiser", "--event", slug)
        started = time.monotonic()
        processes.append(
            subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "--workers",
                    "4",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "conference:create_app()",
                ],
                env=env,
                cwd=ROOT,
            )
        )
        processes.append(
            subprocess.Popen(
                [str(BIN / "flask"), "--app", "conference", "tasks", "worker", "--workers", "2"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.3)
        _step("gunicorn (4 workers) and the task worker answering", started)

        started = time.monotonic()

        def sign_up(number: int) -> int:
            data = {
                "name": f"Person {number}",
                "email": f"person{number}@example.org",
                "password": PASSWORD,
                "confirm": PASSWORD,
            }
            return _post_form(_session(base), "/account/signup", data).status_code

        with ThreadPoolExecutor(8) as pool:
            senders = [
                subprocess.Popen(
                    [str(BIN / "flask"), "--app", "conference", "send-mail", "--all"],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                )
                for _ in range(2)
            ]
            codes = list(pool.map(sign_up, range(40)))
            for sender in senders:
                sender.wait(timeout=120)
        if codes != [302] * 40:
            failures.append(f"sign-ups answered {sorted(set(codes))}")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(smtp.messages) < 40:
            time.sleep(0.3)
        _flask(env, "send-mail", "--all")  # a late cron run must find nothing left to send
        per_person = [len(smtp.messages_to(f"person{n}@example.org")) for n in range(40)]
        if per_person != [1] * 40:
            failures.append(
                f"mails per person: {sorted(set(per_person))} (total {len(smtp.messages)})"
            )
        _step(f"40 sign-ups, 2 racing send-mail: {len(smtp.messages)} mails, each once", started)

        started = time.monotonic()
        organiser = _session(base)
        login = _post_form(
            organiser,
            "/account/login",
            {"email": "organiser@example.org", "password": PASSWORD},
            "/account/login",
        )
        if login.status_code != 302:
            failures.append(f"organiser login answered {login.status_code}")
        response = _post_form(
            organiser,
            f"/events/{slug}/manage/badges/print-jobs",
            {"layout": "a4"},
            f"/events/{slug}/manage/badges/",
        )
        status_url = base + response.headers.get("Location", "/missing")
        while time.monotonic() - started < 120 and "Ready" not in organiser.get(status_url).text:
            time.sleep(0.3)
        pdf = organiser.get(status_url + "/file")
        if not pdf.content.startswith(b"%PDF"):
            failures.append(f"print job: {pdf.status_code}")
        _step(f"badge print job through the worker: {len(pdf.content)} bytes of PDF", started)

        started = time.monotonic()
        codes = [
            _post_form(
                _session(base),
                "/account/login",
                {"email": "nobody@example.org", "password": "wrong password"},
            ).status_code
            for _ in range(12)
        ]
        # The organiser's login above was the first of the 10 allowed this minute.
        if 429 not in codes or codes.index(429) != 9:
            failures.append(f"login limit across workers: {codes}")
        _step(
            f"login limit shared by 4 workers: 429 at attempt {codes.index(429) + 1 if 429 in codes else '-'}",
            started,
        )

        started = time.monotonic()
        dump = Path(tempfile.gettempdir()) / f"{prefix}.dump"
        libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_dump", "--format=custom", "--file", str(dump), libpq], check=True)
        with engine.begin() as connection:
            users = connection.execute(text("SELECT count(*) FROM users")).scalar()
            connection.execute(text("DELETE FROM outbox_messages"))
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname", libpq, str(dump)],
            check=True,
        )
        with engine.begin() as connection:
            restored = connection.execute(text("SELECT count(*) FROM users")).scalar()
            outbox = connection.execute(text("SELECT count(*) FROM outbox_messages")).scalar()
        dump.unlink()
        if restored != users or outbox != 40:
            failures.append(f"restore: {restored} users of {users}, {outbox} outbox rows")
        _step(f"pg_dump, then pg_restore: {restored} users, {outbox} mails back", started)

        started = time.monotonic()
        _flask(env, "db", "upgrade")
        _step("flask db upgrade again (already at head)", started)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        smtp.stop()
        engine.dispose()
        import redis

        client = redis.Redis.from_url(args.redis_url)
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
    for failure in failures:
        print("FAILED:", failure)
    print("OK: the reference deployment holds" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
