"""Fixtures: a fresh database per test (SQLite, or PostgreSQL via DATABASE_URL),
a loopback SMTP server, clients and logins per role."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import close_all_sessions

from conference import create_app, permissions
from conference.config import normalise_database_url
from conference.extensions import db, limiter
from tests.factories import sign_in
from tests.smtp import LoopbackSMTP


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own.

    ``test`` becomes ``test_gw0``, ``test_gw1``…, created when missing. DATABASE_URL is rewritten
    in the worker's environment, so everything that derives a database from it (the browser
    server, the load and restart tests, subprocess workers) stays inside the worker's own.
    SQLite needs nothing: every worker has its own temporary folder.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = _postgres_url()
    if not worker or url is None:
        return
    parsed = make_url(url)
    if parsed.database.endswith(f"_{worker}"):
        return
    name = f"{parsed.database}_{worker}"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    os.environ["DATABASE_URL"] = parsed.set(database=name).render_as_string(hide_password=False)


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Name a bytes parameter after its argument, not its content.

    Generated files (a ReportLab PDF carries a random document id, a zip its timestamps) differ
    between the two xdist workers' collections, and xdist refuses to run when the test ids do.
    """
    return argname if isinstance(val, bytes) else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each browser journey's module on one pytest-xdist worker (``--dist loadgroup``).

    A journey module shares one seeded site and browser between its tests, so splitting it
    would seed twice; every other test is handed out one at a time, which keeps both workers
    busy to the end instead of one finishing a long file alone.
    """
    for item in items:
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL")
    return normalise_database_url(url) if url and url.startswith("postgres") else None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One schema per test run, created from the models; tests empty it between them."""
    url = _postgres_url() or "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    # Import every model so the metadata is complete.
    import conference.models  # noqa: F401

    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Also clears tables left by an older schema of an earlier run.
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            # A test database need not survive a power cut: commits stop waiting for the disk
            # (for every later connection to it, the app's, servers' and workers' alike).
            name = connection.execute(text("SELECT current_database()")).scalar()
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        db.metadata.create_all(connection)
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[LoopbackSMTP]:
    server = LoopbackSMTP()
    server.start()
    yield server
    server.stop()


# On PostgreSQL, deleted rows stay behind as dead tuples until a vacuum, which the tests'
# short transactions rarely leave time for: after a thousand tests a page's queries wade
# through ten thousand dead rows per table (a 10 s test took 16 minutes). Every so many
# emptyings a TRUNCATE gives the tables back fresh; in between, DELETE costs almost nothing.
TRUNCATE_EVERY = 40
_emptied = itertools.count(1)


def empty_tables() -> None:
    """Delete every row, children first.

    ``DELETE`` rather than ``TRUNCATE … RESTART IDENTITY``: on PostgreSQL a truncate of every
    table costs about a third of a second whatever the test wrote, a delete of a few rows
    almost nothing. Ids therefore keep growing between tests there; tests never assume them.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql" and next(_emptied) % TRUNCATE_EVERY == 0:
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names}"))
            return
        if connection.dialect.name == "postgresql":
            # One round trip for every table (the server deletes from an empty one in
            # microseconds; sixty separate statements cost a millisecond each).
            statements = [f'DELETE FROM "{t.name}"' for t in tables]  # noqa: S608 (our metadata)
            connection.exec_driver_sql("; ".join(statements))
            return
        for table in tables:
            connection.execute(table.delete())


# In-process caches the application keeps in ``app.extensions``: a test must never be served
# a page or feed that an earlier test's event (with the same id and version) left behind.
PROCESS_CACHES = (
    "public_page_cache",
    "feed_cache",
    "feed_fragments",
    "agenda_fragments",
    "oidc_metadata",
)


def reset_process_state(application: Flask) -> None:
    """Forget what earlier tests left in the shared application's memory."""
    for name in PROCESS_CACHES:
        application.extensions.pop(name, None)
    # Flask-Limiter's one limiter takes the settings of the last app built (a test may have
    # built one with limits on): give it back the shared app's.
    limiter.enabled = application.config["RATELIMIT_ENABLED"]


def make_test_app(database_url: str, smtp: LoopbackSMTP, **overrides) -> Flask:
    config = {
        "ENV": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_TIMEOUT": 5,
        "PUBLIC_BASE_URL": "http://conference.test",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(overrides)
    application = create_app(config)

    # Tests keep one application context open around many requests, so `g`
    # (Flask-Login's user, the permission caches) would outlive a request;
    # start and end each request with an empty `g` and permission memo, as production does.
    def fresh_g(*_args):
        for name in list(vars(g)):
            delattr(g, name)
        db.session.info.pop(permissions.PERMISSION_CACHES, None)

    application.before_request_funcs.setdefault(None, []).insert(0, fresh_g)
    application.teardown_request_funcs.setdefault(None, []).append(fresh_g)
    return application


@pytest.fixture
def app_factory(database_url: str, smtp_server: LoopbackSMTP, tmp_path: Path):
    """Build apps with extra settings; every app shares the test database.

    Only for tests that need a setting applied when the app is built (CSRF, rate limits,
    secrets); everything else uses the one shared ``app``.
    """
    made: list[Flask] = []

    def factory(**overrides) -> Flask:
        overrides.setdefault("RATELIMIT_STORAGE_URI", "memory://")
        application = make_test_app(database_url, smtp_server, **overrides)
        made.append(application)
        return application

    yield factory
    # A session of another app may have borrowed a connection from these apps' engines (its
    # binds follow the current app): give every connection back before disposing.
    close_all_sessions()
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def shared_app(database_url: str, smtp_server: LoopbackSMTP) -> Iterator[Flask]:
    """The application, built once per test run (building one costs about 0.2 s)."""
    application = make_test_app(database_url, smtp_server, RATELIMIT_STORAGE_URI="memory://")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(shared_app: Flask, smtp_server: LoopbackSMTP) -> Iterator[Flask]:
    """The shared application with an empty database, empty caches and its own settings.

    Settings a test changes are put back afterwards, so tests stay independent.
    """
    settings = dict(shared_app.config)
    with shared_app.app_context():
        empty_tables()
        reset_process_state(shared_app)
        smtp_server.clear()
        yield shared_app
        db.session.remove()
    shared_app.config.clear()
    shared_app.config.update(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def login(app: Flask) -> Callable[..., FlaskClient]:
    """``login(user)`` gives a test client logged in as ``user`` (a fresh client each call)."""

    def do_login(user, client: FlaskClient | None = None) -> FlaskClient:
        return sign_in(client or app.test_client(), user)

    return do_login


CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)
