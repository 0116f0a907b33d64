"""The migrations build the same schema as the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from conference import create_app
from conference.extensions import db
from tests.conftest import _postgres_url


def _schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _run_migrations(url: str) -> None:
    app = create_app({"ENV": "test", "DATABASE_URL": url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "users",
            "events",
            "sessions",
            "event_staff",
            "registrations",
            "outbox_messages",
        } <= tables
    assert _schema_differences(app) == []
    with app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_migrations_upgrade_an_empty_sqlite_database(tmp_path):
    _run_migrations(f"sqlite:///{tmp_path}/migrated.sqlite3")


@pytest.fixture
def empty_postgres_database():
    url = _postgres_url()
    if url is None:
        pytest.skip(
            "set DATABASE_URL to a PostgreSQL server to test migrations there (.ci/run does)"
        )
    name = f"conference_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_upgrade_an_empty_postgresql_database(empty_postgres_database):
    _run_migrations(empty_postgres_database)


def test_search_terms_are_filled_for_registrations_made_before_them(tmp_path):
    """0007 (and 0011 again) index the people who registered before the search terms existed."""
    app = create_app(
        {"ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/old.sqlite3", "SECRET_KEY": "x"}
    )
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, organisation, country, is_admin,"
                    " is_active_account, session_token, created_at)"
                    " VALUES (1, 'a@example.org', 'Zoë Ångström', 'Europol', 'SE', 0, 1, 't',"
                    " '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO events (id, slug, kind, title, description, venue, timezone,"
                    " start_date, end_date, registration_mode, is_published, agenda_version,"
                    " agenda_updated_at, approved_count, privacy_notice_url,"
                    " privacy_notice_version, created_at)"
                    " VALUES (1, 'e', 'thematic', 'E', '', '', 'Europe/Brussels', '2027-01-01',"
                    " '2027-01-02', 'automatic', 1, 1, '2026-01-01 00:00:00', 1, '', '1',"
                    " '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO registrations (id, event_id, user_id, status, category,"
                    " organisation, country, job_title, accessibility_needs, dietary_needs,"
                    " mailing_list_opt_in, rejection_reason, created_at, updated_at)"
                    " VALUES (1, 1, 1, 'approved', 'academia', '', 'SE', '', '', '', 0, '',"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            terms = connection.execute(
                text("SELECT term FROM registration_search_terms ORDER BY term")
            ).scalars()
            # 0011 adds the words of the email.
            assert list(terms) == ["a", "angstrom", "europol", "example", "org", "zoe"]
            # 0026 copies the holder's name beside each term (search results in name order).
            names = connection.execute(
                text("SELECT DISTINCT sort_name FROM registration_search_terms")
            ).scalars()
            assert list(names) == ["Zoë Ångström"]
        # 0010's downgrade copies the events table on SQLite: no registration may go with it.
        downgrade(revision="0007")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM registrations")).scalar() == 1
        db.engine.dispose()
