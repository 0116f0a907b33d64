"""The application served by gunicorn on 127.0.0.1 for the browser tests, on a database of its own.

The database is a fresh SQLite file, or, when DATABASE_URL names PostgreSQL, a separate
database ``<name>_browser`` created for the run (so the main suite's tables are never touched).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.ports import free_port
from conference.config import normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "e2e-secret-key-for-the-browser-tests"  # noqa: S105
# Generous limits: journeys log in and out many times from one address.
RELAXED_LIMITS = {
    "CONFERENCE_LOGIN_RATE_LIMIT": "1000 per minute",
    "CONFERENCE_RESET_RATE_LIMIT": "1000 per minute",
    "CONFERENCE_SIGNUP_RATE_LIMIT": "1000 per minute",
    "CONFERENCE_TWO_FACTOR_RATE_LIMIT": "1000 per minute",
    "CONFERENCE_RECOVERY_CODE_RATE_LIMIT": "1000 per minute",
    "CONFERENCE_SCAN_RATE_LIMIT": "1000 per minute",
    "CONFERENCE_SCAN_BATCH_RATE_LIMIT": "1000 per minute",
}
STARTUP_SECONDS = 30


def e2e_database_url(tmp_dir: Path) -> str:
    """A database for this run: SQLite in ``tmp_dir``, or ``<name>_browser`` next to DATABASE_URL's."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return "sqlite:///" + str(tmp_dir / "e2e.sqlite3")
    main = make_url(normalise_database_url(url))
    name = f"{main.database}_browser"
    admin = create_engine(main, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return main.set(database=name).render_as_string(hide_password=False)


def drop_e2e_database(url: str) -> None:
    """Remove the PostgreSQL database made for the run (SQLite files go with their folder)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class LiveServer:
    """A gunicorn process serving the app; ``url`` is its base address."""

    database_url: str
    mail_port: int
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONFERENCE_")}
        env.update(
            {
                "CONFERENCE_ENV": "development",
                "SECRET_KEY": SECRET_KEY,
                "DATABASE_URL": self.database_url,
                "PUBLIC_BASE_URL": self.url,
                "CONFERENCE_MAIL_BACKEND": "smtp",
                "CONFERENCE_MAIL_SERVER": "127.0.0.1",
                "CONFERENCE_MAIL_PORT": str(self.mail_port),
                "CONFERENCE_MAIL_TIMEOUT": "5",
                "CONFERENCE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                **RELAXED_LIMITS,
            }
        )
        return env

    def start(self) -> None:
        """Start gunicorn and wait until it answers."""
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "8",
                "--worker-class",
                "gthread",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                "-",
                "conference:create_app()",
            ],
            cwd=ROOT,
            env=self.environment(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer in {STARTUP_SECONDS} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None
        if getattr(self, "log", None):
            self.log.close()

    def log_tail(self, lines: int = 40) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
