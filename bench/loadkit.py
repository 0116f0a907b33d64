"""Pieces of the load test (bench/load.py): a throw-away database, a gunicorn server on
127.0.0.1 that can be reloaded, stopped or killed, a small HTTP client with cookies, and
latency statistics. Standard library only (plus the app and gunicorn)."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only address this load test ever talks to


# --- A database of its own -------------------------------------------------------------------


@contextmanager
def fresh_database(base_url: str | None) -> Iterator[str]:
    """A new, empty database, dropped afterwards: a temporary SQLite file, or on the PostgreSQL
    server of ``base_url`` a database named after it with a random suffix."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from conference.config import normalise_database_url

    if not base_url or not base_url.startswith("postgres"):
        with tempfile.TemporaryDirectory(prefix="conference-load-") as tmp:
            yield f"sqlite:///{tmp}/load.sqlite3"
        return
    url = make_url(normalise_database_url(base_url))
    if url.host not in {HOST, "localhost", None}:
        raise SystemExit(f"the load test runs against a local PostgreSQL only, not {url.host}")
    name = f"{url.database}_load_{secrets.token_hex(4)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        # No pooled connection waits across the run (the chaos rush restarts the server).
        admin.dispose()
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- The server ------------------------------------------------------------------------------


class Server:
    """gunicorn with ``workers`` sync workers on 127.0.0.1, in its own process group."""

    def __init__(self, database_url: str, *, workers: int = 2, log_dir: Path | None = None):
        self.port = free_port()
        self.workers = workers
        self.log = (log_dir or Path(tempfile.mkdtemp(prefix="conference-load-"))) / "gunicorn.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "CONFERENCE_ENV": "production",
            # Measure the app, not the limiter: every client here shares one address.
            "CONFERENCE_RATELIMIT_ENABLED": "false",
            # Mail stays queued in the database (`flask send-mail` would send it).
            "CONFERENCE_MAIL_BACKEND": "console",
            "CONFERENCE_MAIL_DELIVER_AFTER_REQUEST": "false",
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603  (our own command line)
                [
                    gunicorn,
                    *("--workers", str(self.workers)),
                    *("--bind", f"{HOST}:{self.port}"),
                    *("--timeout", "60", "--graceful-timeout", "30"),
                    *("--log-level", "warning"),
                    "conference:create_app()",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited during start-up:\n{self.log_tail()}")
            status = Client(self.port).request("GET", "/", timeout=2).status
            if status == 200:
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log_tail()}")

    def reload(self) -> None:
        """SIGHUP: new workers are started, the old ones finish what they are doing."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGHUP)

    def stop(self, timeout: float = 40) -> None:
        """SIGTERM: stop accepting, finish the requests in progress, exit."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: a crash, mid-request."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- The client ------------------------------------------------------------------------------

CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


@dataclass
class Answer:
    status: int  # 0: no answer (connection refused, reset, timed out)
    body: bytes
    headers: dict[str, str]
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)

    def csrf_token(self) -> str | None:
        match = CSRF_INPUT.search(self.body.decode(errors="replace"))
        return (match.group(1) or match.group(2)) if match else None


class Client:
    """One browser or scanner: its own cookies, one connection per request, no redirects."""

    def __init__(self, port: int, stats: Stats | None = None) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.stats = stats

    def request(
        self,
        method: str,
        path: str,
        *,
        name: str | None = None,
        form: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
        retry_until: float | None = None,
    ) -> Answer:
        """Send once; with ``retry_until`` (a monotonic time), send again while nothing
        answers (the server restarting), as a client whose request failed would."""
        while True:
            answer = self._send(method, path, form, json_body, headers, timeout)
            if answer.status or retry_until is None or time.monotonic() > retry_until:
                break
            if self.stats is not None:
                self.stats.record("(no answer)", 0, answer.seconds)
            time.sleep(0.2)  # back-off while the server is down
        if self.stats is not None and name:
            self.stats.record(name, answer.status, answer.seconds)
        return answer

    def _send(self, method, path, form, json_body, headers, timeout) -> Answer:
        sent = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            answer = Answer(
                response.status, data, dict(response.getheaders()), time.perf_counter() - started
            )
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        except OSError:
            answer = Answer(0, b"", {}, time.perf_counter() - started)
        finally:
            connection.close()
        return answer

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            pair, _, attributes = header.partition(";")
            key, _, value = pair.strip().partition("=")
            if (
                "expires=thu, 01 jan 1970" in attributes.lower()
                or "max-age=0" in attributes.lower()
            ):
                self.cookies.pop(key, None)
            else:
                self.cookies[key] = value


# --- Statistics ------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Stats:
    """Latency and status of every request, per request name."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, status: int, seconds: float) -> None:
        with self.lock:
            self.seconds[name].append(seconds)
            self.statuses[name][status] += 1

    def server_errors(self) -> int:
        return sum(n for s in self.statuses.values() for code, n in s.items() if code >= 500)

    def table(self, wall_seconds: float) -> list[dict[str, Any]]:
        rows = []
        for name in sorted(self.seconds):
            values = self.seconds[name]
            rows.append(
                {
                    "request": name,
                    "count": len(values),
                    "per_second": round(len(values) / wall_seconds, 1) if wall_seconds else 0,
                    "p50_ms": round(percentile(values, 0.50) * 1000, 1),
                    "p95_ms": round(percentile(values, 0.95) * 1000, 1),
                    "p99_ms": round(percentile(values, 0.99) * 1000, 1),
                    "statuses": dict(sorted(self.statuses[name].items())),
                }
            )
        return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'request':<16}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses"
    ]
    for r in rows:
        lines.append(
            f"{r['request']:<16}{r['count']:>7}{r['per_second']:>8}{r['p50_ms']:>9}"
            f"{r['p95_ms']:>9}{r['p99_ms']:>9}  {r['statuses']}"
        )
    return "\n".join(lines)
