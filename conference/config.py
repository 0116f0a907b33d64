"""Configuration: defaults that work, overridden by the environment.

Every setting can be given as ``CONFERENCE_<NAME>`` in the environment; the
common ones also have their usual names (``DATABASE_URL``, ``SECRET_KEY``).
Nothing here is read at import time: ``load_config`` runs inside the factory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

DEV_SECRET_KEY = "dev-only-secret-not-for-production"  # noqa: S105  (refused in production)

DEFAULTS: dict[str, Any] = {
    # "production" refuses a missing SECRET_KEY; "development" (make run, demo) and
    # "test" accept the built-in development key.
    "ENV": "production",
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "CERIS events <noreply@ceris-events.example.eu>",
    "MAIL_TIMEOUT": 10,
    # "smtp" sends through MAIL_SERVER; "console" writes messages to the log
    # (the development default, so a demo works without a mail server).
    "MAIL_BACKEND": "smtp",
    # Try to deliver queued mail right after the request that queued it commits.
    "MAIL_DELIVER_AFTER_REQUEST": True,
    "MAIL_MAX_ATTEMPTS": 8,
    # How long a sender's claim on a message lasts; a sender that dies mid-batch leaves
    # its messages to the next sender after this. Longer than a batch takes to send.
    "MAIL_CLAIM_SECONDS": 300,
    # How many messages one sender claims at a time.
    "MAIL_BATCH_SIZE": 20,
    # Attendees hear of changes to their sessions (conference/notices) once an event's agenda
    # has been quiet this long (so ten moves in a row make one mail), or at the latest when
    # the oldest unannounced change is this old.
    "CHANGE_NOTICE_DELAY_MINUTES": 10,
    "CHANGE_NOTICE_MAX_WAIT_MINUTES": 60,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    "RESET_RATE_LIMIT": "5 per minute;20 per hour",
    "SIGNUP_RATE_LIMIT": "10 per minute",
    # Two-factor sign-in (docs/security.md). Codes tried at the second step of a log-in, per
    # address and per account; recovery codes likewise, more strictly.
    "TWO_FACTOR_RATE_LIMIT": "5 per minute;30 per hour",
    "RECOVERY_CODE_RATE_LIMIT": "5 per 15 minutes;10 per day",
    # The name authenticator apps show next to the code.
    "TOTP_ISSUER": "CERIS Conference",
    # Minutes between the password and the second factor before the log-in starts again.
    "TWO_FACTOR_PENDING_MINUTES": 5,
    # Administrators and organisers always need a second factor; door staff only when this
    # is on (they scan at the door on shared phones; the lists they see are the day's only).
    "DOOR_STAFF_REQUIRE_SECOND_FACTOR": False,
    # Sessions end after this many minutes without a request: staff (administrators and
    # anyone holding an event role) soon, everyone else after two weeks.
    "STAFF_SESSION_IDLE_MINUTES": 30,
    "SESSION_IDLE_MINUTES": 14 * 24 * 60,
    # Granting roles, exporting registrant lists and rotating badge keys ask for the password
    # (and the code) again unless it was typed within this many minutes.
    "REAUTHENTICATE_MINUTES": 15,
    # werkzeug's scrypt; tests use a cheaper pbkdf2 setting to stay fast.
    "PASSWORD_HASH_METHOD": "scrypt",
    "EMAIL_TOKEN_MAX_AGE": 3 * 24 * 3600,
    "RESET_TOKEN_MAX_AGE": 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead; forms left open for hours still work
    # Pre-ping (for servers that drop idle connections) is added below for network databases.
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # In-process caches, per worker: anonymous agenda pages and calendar feeds (by entries
    # and by bytes of bodies), and rendered calendar entries. Older agenda versions of an
    # event are dropped as soon as a newer one is cached.
    "PAGE_CACHE_MAX_ENTRIES": 256,
    "PAGE_CACHE_MAX_BYTES": 32 * 2**20,
    "FEED_CACHE_MAX_ENTRIES": 512,
    "FEED_CACHE_MAX_BYTES": 32 * 2**20,
    "FEED_FRAGMENTS_MAX_BYTES": 16 * 2**20,
    # Rendered pieces of agenda pages (conference/agenda/fragments.py).
    "AGENDA_FRAGMENTS_MAX_ENTRIES": 100_000,
    "AGENDA_FRAGMENTS_MAX_BYTES": 32 * 2**20,
    # How many upcoming or running published events a worker builds the public outputs of
    # when it starts (deploy/gunicorn.conf.py), so no visitor waits for a cold build; 0: none.
    "WARM_OUTPUTS_EVENTS": 3,
    # The task queue (huey): empty keeps it in instance/tasks.sqlite3; redis://... for
    # several machines. TASK_IMMEDIATE runs tasks at once in the caller (tests);
    # TASK_CONSUMER_IN_PROCESS runs a consumer inside the web process (development).
    "TASK_QUEUE_URL": "",
    "TASK_QUEUE_NAME": "",  # empty: one queue per DATABASE_URL
    "TASK_IMMEDIATE": False,
    "TASK_CONSUMER_IN_PROCESS": False,
    # Seconds a client is asked to wait (Retry-After) when the database cannot be reached.
    "DATABASE_RETRY_AFTER": 10,
    # Badges and check-in.
    # The same badge at the same door from the same scanner within this many seconds is
    # the scanner re-reading it: answered as the first scan, logged as a repeat (0: off).
    "SCAN_DUPLICATE_WINDOW_SECONDS": 5,
    # Per device token (or per logged-in user) on POST .../checkins; generous, a door
    # scanner manages about one person a second at most.
    "SCAN_RATE_LIMIT": "120 per minute",
    # On the offline-queue upload (POST .../checkins/batch, up to SCAN_BATCH_MAX scans each).
    "SCAN_BATCH_RATE_LIMIT": "30 per minute",
    "SCAN_BATCH_MAX": 500,
    # Typed badge numbers (8 characters, guessable in principle) that find no badge: at most
    # this many per scanner in the window, then every typed number is refused until it passes.
    "SCAN_NUMBER_FAILURES": 10,
    "SCAN_NUMBER_WINDOW_SECONDS": 300,
    # Encrypts the events' private signing keys; defaults to SECRET_KEY. Changing it
    # means rotating every event's badge key (old badges keep verifying).
    "BADGE_KEY_SECRET": None,
    # A TrueType font with wide Latin, Greek and Cyrillic coverage for printed badges;
    # empty: the first DejaVu Sans found on the system, else reportlab's Vera.
    "BADGE_FONT_PATH": "",
    # A scanner's clock (scanned_at) may be this many days before the event's first day (or
    # before now) and ahead of now; anything else is refused (conference/badges/client_time.py).
    "SCAN_CLOCK_MARGIN_DAYS": 7,
    # Request bounds, checked before anything parses the request (conference/request_limits.py).
    # Bodies: 1 MiB anywhere; the scan API and document uploads have their own limits.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "SCAN_BODY_MAX_BYTES": 16 * 1024,
    "SCAN_BATCH_BODY_MAX_BYTES": 2 * 1024 * 1024,
    "JSON_MAX_DEPTH": 32,
    # Session documents (conference/documents): the largest file, and the upload route's
    # body limit, a little above it so an oversized file still gets the form's own error.
    "DOCUMENT_MAX_BYTES": 20 * 1024 * 1024,
    "DOCUMENT_UPLOAD_BODY_MAX_BYTES": 21 * 1024 * 1024,
    # Sign-in with an OpenID Connect provider (conference/accounts/oidc.py): off while the
    # issuer is empty. The provider's `amr` values that count as a second factor for staff.
    "OIDC_ISSUER": "",
    "OIDC_CLIENT_ID": "",
    "OIDC_CLIENT_SECRET": "",
    "OIDC_SCOPES": "openid email profile",
    "OIDC_PROVIDER_NAME": "your organisation's sign-in",
    "OIDC_SECOND_FACTOR_AMR": "mfa,otp,hwk,swk,sc",
    "OIDC_TIMEOUT_SECONDS": 10,
    # Jobs (conference/jobs): one still running after this long lost its worker and is marked
    # failed; finished jobs and their files are deleted after this many days.
    "JOB_TIMEOUT_MINUTES": 60,
    "JOB_KEEP_DAYS": 7,
    # The organisers' agenda import page (conference/workload): the largest file, and the
    # route's body limit a little above it, as for documents.
    "AGENDA_IMPORT_MAX_BYTES": 16 * 1024 * 1024,
    "AGENDA_IMPORT_BODY_MAX_BYTES": 17 * 1024 * 1024,
    # gunicorn's own defaults (limit_request_fields, limit_request_field_size).
    "MAX_HEADER_FIELDS": 100,
    "MAX_HEADER_FIELD_BYTES": 8190,
    # Behind a reverse proxy: how many proxies to trust for each X-Forwarded-* header
    # (werkzeug's ProxyFix; 0 = ignore the header). The repository's nginx is 1 for
    # For, Proto, Host and Port (docs/proxy.md). Off by default: a client could forge them.
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    "PROXY_FIX_X_HOST": 0,
    "PROXY_FIX_X_PORT": 0,
    "PROXY_FIX_X_PREFIX": 0,
    # Retention (conference/editions/retention.py): organisers are mailed this many days
    # before an event's personal data is erased, and erasure waits at least that long
    # after the warning.
    "RETENTION_WARNING_DAYS": 30,
    # A freed seat offered to a waiting person whose bookings overlap the session is held
    # for them this long (or until the session starts, if sooner), then goes to the next.
    "SEAT_OFFER_HOURS": 24,
    # Delegations (docs/delegations.md): days a nomination's invitation link works, and how many
    # days before that the nominee is reminded once.
    "NOMINATION_EXPIRY_DAYS": 14,
    "NOMINATION_REMINDER_DAYS": 3,
}

_INT_KEYS = {
    "MAIL_PORT",
    "MAIL_TIMEOUT",
    "MAIL_MAX_ATTEMPTS",
    "MAIL_CLAIM_SECONDS",
    "DATABASE_RETRY_AFTER",
    "PAGE_CACHE_MAX_ENTRIES",
    "PAGE_CACHE_MAX_BYTES",
    "FEED_CACHE_MAX_ENTRIES",
    "FEED_CACHE_MAX_BYTES",
    "FEED_FRAGMENTS_MAX_BYTES",
    "AGENDA_FRAGMENTS_MAX_ENTRIES",
    "AGENDA_FRAGMENTS_MAX_BYTES",
    "WARM_OUTPUTS_EVENTS",
    "MAIL_BATCH_SIZE",
    "CHANGE_NOTICE_DELAY_MINUTES",
    "CHANGE_NOTICE_MAX_WAIT_MINUTES",
    "EMAIL_TOKEN_MAX_AGE",
    "RESET_TOKEN_MAX_AGE",
    "SCAN_DUPLICATE_WINDOW_SECONDS",
    "SCAN_BATCH_MAX",
    "SCAN_CLOCK_MARGIN_DAYS",
    "MAX_CONTENT_LENGTH",
    "SCAN_BODY_MAX_BYTES",
    "SCAN_BATCH_BODY_MAX_BYTES",
    "JSON_MAX_DEPTH",
    "DOCUMENT_MAX_BYTES",
    "DOCUMENT_UPLOAD_BODY_MAX_BYTES",
    "AGENDA_IMPORT_MAX_BYTES",
    "AGENDA_IMPORT_BODY_MAX_BYTES",
    "JOB_TIMEOUT_MINUTES",
    "OIDC_TIMEOUT_SECONDS",
    "JOB_KEEP_DAYS",
    "MAX_HEADER_FIELDS",
    "MAX_HEADER_FIELD_BYTES",
    "PROXY_FIX_X_FOR",
    "PROXY_FIX_X_PROTO",
    "PROXY_FIX_X_HOST",
    "PROXY_FIX_X_PORT",
    "PROXY_FIX_X_PREFIX",
    "RETENTION_WARNING_DAYS",
    "SEAT_OFFER_HOURS",
    "NOMINATION_EXPIRY_DAYS",
    "NOMINATION_REMINDER_DAYS",
    "SCAN_NUMBER_FAILURES",
    "SCAN_NUMBER_WINDOW_SECONDS",
}
_BOOL_KEYS = {
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_DELIVER_AFTER_REQUEST",
    "RATELIMIT_ENABLED",
    "RATELIMIT_HEADERS_ENABLED",
    "TASK_IMMEDIATE",
    "TASK_CONSUMER_IN_PROCESS",
}


class ConfigurationError(RuntimeError):
    """The application cannot start with this configuration."""


def _coerce(key: str, value: str) -> Any:
    if key in _INT_KEYS:
        return int(value)
    if key in _BOOL_KEYS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


def _from_environment() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in ("DATABASE_URL", "SECRET_KEY", "PUBLIC_BASE_URL"):
        if os.environ.get(name):
            found[name] = os.environ[name]
    for name, value in os.environ.items():
        if name.startswith("CONFERENCE_") and value != "":
            key = name.removeprefix("CONFERENCE_")
            found[key] = _coerce(key, value)
    return found


# Addresses a server listens on that no browser can be sent to: links name the loopback.
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 (compared with, never bound)


def _development_base_url(default: str) -> str:
    """In development the links follow where `flask run` listens (FLASK_RUN_HOST/PORT, which
    `make run HOST=... PORT=...` sets), so a demo on another port mails working links."""
    host = os.environ.get("FLASK_RUN_HOST", "").strip()
    port = os.environ.get("FLASK_RUN_PORT", "").strip()
    if not host and not port:
        return default
    base = urlsplit(default)
    host = "127.0.0.1" if host in _ANY_ADDRESS else host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"{base.scheme or 'http'}://{host}:{port or base.port or 5000}"


def normalise_database_url(url: str) -> str:
    """Map the common ``postgres://`` spellings onto the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from defaults, the environment and explicit overrides."""
    app.config.update(DEFAULTS)
    app.config.update(_from_environment())
    if overrides:
        app.config.update(overrides)
    if app.debug and app.config["ENV"] == "production" and "ENV" not in (overrides or {}):
        # `flask --debug run` is development by definition.
        app.config["ENV"] = "development"
    env = app.config["ENV"]
    if env not in {"production", "development", "test"}:
        raise ConfigurationError(
            f"CONFERENCE_ENV must be production, development or test, not {env!r}."
        )
    app.config["TESTING"] = app.config.get("TESTING", False) or env == "test"

    if not app.config.get("SECRET_KEY"):
        if env == "production":
            raise ConfigurationError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
                'value (for example: python -c "import secrets; print(secrets.token_urlsafe(48))"), '
                "or set CONFERENCE_ENV=development to run with the development key."
            )
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
    elif env == "production" and app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise ConfigurationError("SECRET_KEY is the development key; set a real secret.")

    explicit = set(_from_environment()) | set(overrides or {})
    if env == "development" and "MAIL_BACKEND" not in explicit:
        app.config["MAIL_BACKEND"] = "console"
    # `make run` needs no worker of its own; tests run the real task code at once.
    if env == "development" and "TASK_CONSUMER_IN_PROCESS" not in explicit:
        app.config["TASK_CONSUMER_IN_PROCESS"] = True
    if env == "development" and "PUBLIC_BASE_URL" not in explicit:
        app.config["PUBLIC_BASE_URL"] = _development_base_url(app.config["PUBLIC_BASE_URL"])
    if env == "test" and "TASK_IMMEDIATE" not in explicit:
        app.config["TASK_IMMEDIATE"] = True
    # Cookies travel only over HTTPS outside development and tests.
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if key not in explicit:
            app.config[key] = env == "production"

    url = app.config.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = "sqlite:///" + str(Path(app.instance_path) / "conference.sqlite3")
    app.config["DATABASE_URL"] = normalise_database_url(url)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        # A server may drop idle connections; a file on disk cannot, so SQLite skips the ping.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        }
    app.config["PUBLIC_BASE_URL"] = app.config["PUBLIC_BASE_URL"].rstrip("/")
