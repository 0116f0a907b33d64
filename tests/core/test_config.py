from __future__ import annotations

import pytest

from conference import create_app
from conference.config import ConfigurationError, normalise_database_url


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CONFERENCE_SECRET_KEY", raising=False)
    monkeypatch.delenv("CONFERENCE_ENV", raising=False)

    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_production_refuses_the_development_key(tmp_path):
    from conference.config import DEV_SECRET_KEY

    with pytest.raises(ConfigurationError, match="development key"):
        create_app(
            {"SECRET_KEY": DEV_SECRET_KEY, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
        )


def test_development_mode_uses_the_development_key_and_console_mail(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CONFERENCE_MAIL_BACKEND", raising=False)
    monkeypatch.setenv("CONFERENCE_ENV", "development")

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})

    assert app.config["SECRET_KEY"]
    assert app.config["MAIL_BACKEND"] == "console"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_production_cookies_are_secure_httponly_and_lax(tmp_path):
    app = create_app({"SECRET_KEY": "x" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})

    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_variables_configure_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment-" + "x" * 20)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("CONFERENCE_MAIL_PORT", "2525")
    monkeypatch.setenv("CONFERENCE_MAIL_USE_TLS", "true")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://events.example.eu/")

    app = create_app()

    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["PUBLIC_BASE_URL"] == "https://events.example.eu"


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CONFERENCE_ENV", "development")

    app = create_app()

    assert (
        app.config["SQLALCHEMY_DATABASE_URI"]
        == "sqlite:///" + app.instance_path + "/conference.sqlite3"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given, expected):
    assert normalise_database_url(given) == expected


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="CONFERENCE_ENV"):
        create_app({"ENV": "staging", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", "5501", "http://127.0.0.1:5501"),
        ("0.0.0.0", "8080", "http://127.0.0.1:8080"),  # noqa: S104 (what `make run HOST=` may say)
        ("demo.local", "", "http://demo.local:5000"),
        ("::1", "5502", "http://[::1]:5502"),
        ("", "", "http://127.0.0.1:5000"),
    ],
)
def test_development_links_follow_where_make_run_listens(
    monkeypatch, tmp_path, host, port, expected
):
    for name in ("PUBLIC_BASE_URL", "CONFERENCE_PUBLIC_BASE_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONFERENCE_ENV", "development")
    monkeypatch.setenv("FLASK_RUN_HOST", host)
    monkeypatch.setenv("FLASK_RUN_PORT", port)

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})

    assert app.config["PUBLIC_BASE_URL"] == expected


def test_a_public_base_url_that_is_set_wins_over_the_run_port(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CONFERENCE_ENV", "development")
    monkeypatch.setenv("FLASK_RUN_PORT", "5501")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://events.example.eu/")

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})

    assert app.config["PUBLIC_BASE_URL"] == "https://events.example.eu"


def test_production_links_never_follow_the_run_port(monkeypatch, tmp_path):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("CONFERENCE_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("CONFERENCE_ENV", raising=False)
    monkeypatch.setenv("FLASK_RUN_PORT", "5501")

    app = create_app({"SECRET_KEY": "x" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})

    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
