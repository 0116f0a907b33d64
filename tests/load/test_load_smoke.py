"""The load test (bench/load.py) in small: 40 attendees registering and booking in a few
seconds and 60 entrance scans with duplicates, against gunicorn with two workers on the
suite's database server (SQLite: a temporary file), then every invariant."""

from __future__ import annotations

import os

from bench.load import parser, run


def test_load_smoke_keeps_every_invariant():
    url = os.environ.get("DATABASE_URL") or None
    args = parser().parse_args(
        [
            *("--attendees", "40", "--register-seconds", "3"),
            *("--scans", "60", "--scan-seconds", "3", "--scanners", "6"),
            *("--threads", "12", "--workers", "2"),
            *(["--database-url", url] if url else []),
        ]
    )

    report = run(args)

    assert report["violations"] == []
    assert report["registration"]["registered"] == 40
    assert report["registration"]["bookings"] == 60  # everyone the keynote, half the workshop
    assert report["entrance"]["scans"] == 60 and report["entrance"]["distinct_badges"] == 54
    rows = report["registration"]["requests"] + report["entrance"]["requests"]
    statuses = {r["request"]: r["statuses"] for r in rows}
    assert statuses["register"] == {302: 40} and statuses["scan"] == {200: 60}
    assert all(r["p99_ms"] >= r["p95_ms"] >= r["p50_ms"] > 0 for r in rows)
