"""An unreachable database answers 503 with Retry-After, plainly, and the site comes back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from conference.extensions import db
from tests.factories import make_open_event
from tests.security.tcp_proxy import CuttableProxy
from tests.smtp import free_port

LEAKS = ("Traceback", "OperationalError", "sqlalchemy", "psycopg", "sqlite3", "SELECT", "5432")


def _unreachable_url(database_url: str, tmp_path: Path) -> str:
    if database_url.startswith("postgresql"):
        return str(make_url(database_url).set(host="127.0.0.1", port=free_port()))
    return "sqlite:///" + str(tmp_path / "no-such-directory" / "conference.sqlite3")


def _assert_unavailable(response, *, json: bool) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    body = response.get_data(as_text=True)
    assert not [word for word in LEAKS if word in body], body
    if json:
        assert response.get_json()["error"]["name"] == "database_unavailable"
    else:
        assert response.mimetype == "text/html"
        assert "Briefly unavailable" in body and "try again" in body
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("path", "json"),
    [("/", False), ("/events/some-event/", False), ("/api/v1/events/some-event/keys", True)],
)
def test_an_unreachable_database_answers_503_with_retry_after(
    app_factory, database_url, tmp_path, path, json
):
    app = app_factory(
        DATABASE_URL=_unreachable_url(database_url, tmp_path), PROPAGATE_EXCEPTIONS=False
    )

    with app.app_context():
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = "a-session-token"  # loading the user needs the database
        response = client.get(path)

    _assert_unavailable(response, json=json)


def test_the_site_recovers_by_itself_when_the_database_is_back(
    app, app_factory, database_url, tmp_path
):
    event = make_open_event()
    title = event.title
    db.session.commit()
    if database_url.startswith("postgresql"):
        target = make_url(database_url)
        proxy = CuttableProxy((target.host or "127.0.0.1", target.port or 5432))
        url = str(target.set(host="127.0.0.1", port=proxy.port))
        proxy.restore()
        bring_back, take_down = proxy.restore, proxy.cut
    else:
        # The SQLite file's directory goes away (a lost mount), then comes back. (A missing
        # file alone is no outage: SQLite would create an empty database in its place.)
        path = Path(make_url(database_url).database).parent
        parked = tmp_path / "parked"
        url = database_url
        bring_back, take_down = (lambda: parked.rename(path)), (lambda: path.rename(parked))
    outage_app = app_factory(DATABASE_URL=url, PROPAGATE_EXCEPTIONS=False)
    page = f"/events/{event.slug}/"
    with outage_app.app_context():
        client = outage_app.test_client()
        before = client.get(page)
        db.session.remove()
        db.engine.dispose()  # SQLite keeps no handle on the moved file; PostgreSQL keeps a pool
        take_down()
        try:
            during = client.get(page)
        finally:
            bring_back()
        after = client.get(page)
        db.session.remove()
        db.engine.dispose()
    if database_url.startswith("postgresql"):
        proxy.cut()

    assert before.status_code == 200 and title in before.get_data(as_text=True)
    _assert_unavailable(during, json=False)
    assert after.status_code == 200 and title in after.get_data(as_text=True)


def test_a_database_that_is_back_needs_no_restart_of_the_engine(
    app_factory, database_url, tmp_path
):
    # The engine that failed to connect keeps working once the server answers again.
    if not database_url.startswith("sqlite"):
        pytest.skip("covered with the cut proxy on PostgreSQL")
    missing = tmp_path / "later" / "conference.sqlite3"
    app = app_factory(DATABASE_URL="sqlite:///" + str(missing), PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        client = app.test_client()
        first = client.get("/")
        missing.parent.mkdir()
        engine = create_engine("sqlite:///" + str(missing))
        db.metadata.create_all(engine)
        engine.dispose()
        second = client.get("/")

    _assert_unavailable(first, json=False)
    assert second.status_code == 200
