"""The floor: a bare WSGI app (no Flask, no SQLAlchemy) that gunicorn serves like ours.

    GET|POST /bytes?bytes=N&type=T&status=S   N fixed bytes of content type T, status S
    POST     /scan?bytes=N&type=T&status=S    the same, after one single-row SELECT by
                                              primary key and one INSERT + commit

What our figures cost beyond this is our own code. Kept to the standard library and the
DB-API drivers so that nothing of the application is imported into this worker.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import parse_qs

# Where the floor's own tables are: "sqlite:////path/floor.sqlite3" or a PostgreSQL URL.
DATABASE_URL_VARIABLE = "BENCH_FLOOR_DATABASE_URL"
# A PostgreSQL schema of its own, so the floor's tables never meet the application's.
SCHEMA = "bench_floor"

_bodies: dict[int, bytes] = {}
_connection = None


def connect(url: str):
    """A DB-API connection set up as the application sets up its own (same SQLite pragmas)."""
    if url.startswith("postgres"):
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return psycopg.connect(plain, options=f"-c search_path={SCHEMA}")
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    for pragma in ("journal_mode=WAL", "busy_timeout=30000", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def _scan(code: str, checkpoint: str) -> None:
    """What an accepted scan cannot do without: read the badge's row, log the scan, commit."""
    global _connection
    if _connection is None:  # one connection per worker, as the application's pool keeps one
        _connection = connect(os.environ[DATABASE_URL_VARIABLE])
    mark = "?" if isinstance(_connection, sqlite3.Connection) else "%s"
    cursor = _connection.cursor()
    cursor.execute(f"SELECT holder FROM floor_badge WHERE code = {mark}", (code,))  # noqa: S608
    cursor.fetchone()  # an unknown (forged) code is logged too, as our refusals are
    cursor.execute(
        f"INSERT INTO floor_scan (code, checkpoint, scanned_at) VALUES ({mark}, {mark}, {mark})",  # noqa: S608
        (code, checkpoint, datetime.now(UTC).isoformat()),
    )
    _connection.commit()


def application(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    size = int(query.get("bytes", ["0"])[0])
    status = HTTPStatus(int(query.get("status", ["200"])[0]))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    payload = environ["wsgi.input"].read(length) if length else b""
    if environ.get("PATH_INFO") == "/scan":
        request = json.loads(payload)
        _scan(request["code"], request["checkpoint"])
    if size not in _bodies:  # built once, as our caches hold built answers
        _bodies[size] = b"x" * size
    headers = [
        ("Content-Type", query.get("type", ["application/octet-stream"])[0]),
        ("Content-Length", str(size)),
    ]
    start_response(f"{status.value} {status.phrase}", headers)
    return [_bodies[size]]
