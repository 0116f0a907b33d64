"""The bench's gunicorn workers start as production's do (deploy/gunicorn.conf.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from bench.scenarios import SECRET
from bench.server import Client, Gunicorn
from conference import create_app
from conference.extensions import db
from tests.factories import make_event, make_session

pytestmark = pytest.mark.xdist_group("bench")


def test_bench_workers_build_the_public_outputs_before_the_first_request(tmp_path):
    """``post_worker_init`` has built the coming event's feed before the first request: a
    change made behind the app's back (no agenda version bump) is not in what it serves."""
    url = f"sqlite:///{tmp_path}/server.sqlite3"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "ENV": "development"})
    with app.app_context():
        db.create_all()
        event = make_event("served-warm")
        make_session(event, title="Opening plenary")
        db.session.commit()
        slug = event.slug
        db.session.remove()
        db.engine.dispose()
    env = {
        "CONFERENCE_ENV": "development",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": url,
        "CONFERENCE_TASK_CONSUMER_IN_PROCESS": "false",
    }
    with Gunicorn(env) as server:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("UPDATE sessions SET title = 'Renamed behind its back'"))
        engine.dispose()
        reply = Client(server.port, keep_alive=False).request("GET", f"/events/{slug}/calendar.ics")

    assert reply.status == 200
    assert b"SUMMARY:Opening plenary" in reply.body
    assert b"Renamed behind its back" not in reply.body
