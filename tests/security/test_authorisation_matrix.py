"""Every route × every method × every actor, against the one table in routes.py.

The routes come from ``app.url_map``, so a new route without a row fails
``test_every_route_has_a_declared_rule``. Each (endpoint, method) is one test: the world is
built, every actor sends the same request, and each answer is classified (ok, refused, login,
401, 403, 404) and compared with the table; any 5xx fails at once. A request that may have
changed something is followed by a fresh world, so each actor meets the same state.
"""

from __future__ import annotations

import pytest
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import RequestRedirect

from conference import create_app
from conference.extensions import db
from tests.security.matrix import classify, send_to, url_of
from tests.security.routes import FORBIDDEN, HIDDEN, LOGIN, ROUTES, UNAUTHORISED
from tests.security.world import ACTORS, WriteCounter, restore_snapshot, world_with_snapshot

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _app_routes() -> dict[str, set[str]]:
    app = create_app({"ENV": "test", "DATABASE_URL": "sqlite://"})
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        routes.setdefault(rule.endpoint, set()).update(rule.methods - IGNORED_METHODS)
    return routes


def test_every_route_has_a_declared_rule():
    """No route of the app escapes the matrix, and the table names no route that is gone."""
    declared = {(e, m) for e, row in ROUTES.items() for m in row.methods()}
    actual = {(e, m) for e, methods in _app_routes().items() for m in methods}

    missing = sorted(actual - declared)
    stale = sorted(declared - actual)
    assert not missing, "routes without a rule in tests/security/routes.py: " + ", ".join(
        f"{m} {e}" for e, m in missing
    )
    assert not stale, "rules for routes the app does not have: " + ", ".join(
        f"{m} {e}" for e, m in stale
    )


def test_every_profile_names_every_actor():
    for endpoint, row in ROUTES.items():
        for method, profile in row.methods().items():
            assert set(profile) == set(ACTORS), (endpoint, method, set(ACTORS) ^ set(profile))


CASES = sorted((e, m) for e, row in ROUTES.items() for m in row.methods())


DENIED = {LOGIN, UNAUTHORISED, FORBIDDEN, HIDDEN}


@pytest.mark.parametrize(("endpoint", "method"), CASES, ids=[f"{m} {e}" for e, m in CASES])
def test_route_answers_each_actor_as_declared(app, endpoint, method):
    row = ROUTES[endpoint]
    expected = row.methods()[method]
    world, snapshot = world_with_snapshot()
    got: dict[str, str] = {}
    for actor in ACTORS:
        client = world.client_for(app, actor)  # signing in writes its session row: not counted
        with WriteCounter() as writes:
            response = send_to(client, world, endpoint, method, row)
        db.session.remove()  # as the end of a real request does
        got[actor] = classify(response)
        _assert_security_headers(response)
        response.close()
        if got[actor] in DENIED:
            assert writes.count == 0, f"{actor} was refused but {writes.count} rows were written"
        elif writes.count:
            # The next actor meets the world as it was.
            restore_snapshot(snapshot)

    wrong = {a: (expected[a], got[a]) for a in ACTORS if got[a] != expected[a]}
    assert not wrong, f"{method} {endpoint}: actor: (expected, got) = {wrong}"


def _assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy")


def test_undeclared_methods_are_refused(app):
    """A method a route does not take answers 405 and never runs the view."""
    world, _ = world_with_snapshot()
    client = world.client_for(app, "site_admin")
    adapter = app.url_map.bind("localhost")
    checked = 0
    for endpoint, row in ROUTES.items():
        if "POST" in row.methods():
            continue
        url = url_of(world, endpoint, row)
        try:
            adapter.match(url, method="POST")
        except MethodNotAllowed:
            pass
        except RequestRedirect:
            continue  # another rule takes POSTs at a neighbouring address (its own row checks it)
        response = client.post(url, data={})
        assert response.status_code == 405, endpoint
        assert "Content-Security-Policy" in response.headers
        response.close()
        checked += 1
    assert checked > 20
