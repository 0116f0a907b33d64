"""Property-based hostile input on every form, query string and JSON endpoint of the app.

The endpoints come from the matrix table (routes.py), each sent by an actor it lets in. Any
input must get a 2xx/3xx, or a 4xx that says why (a field error, an alert, the error page or a
JSON message); never a 5xx, and a refused request leaves every row exactly as it was.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conference.extensions import db
from tests.security.matrix import send_to, url_of
from tests.security.routes import OK, REFUSED, ROUTES
from tests.security.strategies import (
    as_json,
    assert_clear_refusal,
    form_values,
    json_bodies,
    raw_bodies,
)
from tests.security.world import (
    ACTORS,
    ADMIN,
    APPROVED,
    EXPERT,
    ORGANISER,
    PENDING,
    WriteCounter,
    restore_snapshot,
    take_snapshot,
    world_with_snapshot,
)

# Who sends the hostile input: the first of these the route lets in.
PREFERRED = (ORGANISER, EXPERT, APPROVED, PENDING, ADMIN, *ACTORS)
QUERY_NAMES = (
    "q",
    "view",
    "day",
    "track",
    "room",
    "kind",
    "page",
    "status",
    "category",
    "verified",
    "country",
    "refused",
    "layout",
    "name",
    "only_reissued",
    "verified_only",
    "checkpoint",
    "next",
    "email",
    "what",
    "delegation",
    "confirm",
)
# Fields a button-only form may still be sent by a hand-made request.
POST_EXTRAS = ("next", "reason", "booking_id", "submit", "ids", "action")


def _actor(profile: dict[str, str]) -> str:
    return next(a for a in PREFERRED if profile[a] in (OK, REFUSED))


def _cases(method: str, kind: str | None = None) -> list[str]:
    cases = []
    for endpoint, row in sorted(ROUTES.items()):
        if method not in row.methods() or endpoint == "static":
            continue
        if not any(o in (OK, REFUSED) for o in getattr(row, method).values()):
            # Nobody reaches the view (sign-in with a provider is off in the world): its own
            # tests throw hostile input at it with the provider on (tests/accounts/test_oidc.py).
            continue
        if kind is None or (kind == "json") == (row.json is not None):
            cases.append(endpoint)
    return cases


def _page_field_names(client, url: str) -> tuple[str, ...]:
    """The names of the inputs a page's forms send (a GET of the same address)."""
    response = client.get(url)
    names = set(re.findall(r'name="([^"]+)"', response.get_data(as_text=True)))
    return tuple(sorted(names - {"csrf_token"}))


def _without_sign_ins(rows: dict) -> dict:
    """The rows but the session rows that signing the actor in wrote (before the request) and
    the security log, which records refusals (a wrong code, a failed re-confirmation)."""
    return {n: t for n, t in rows.items() if n not in {"user_sessions", "security_events"}}


class Checker:
    """Sends one hostile request and checks the answer and the database."""

    def __init__(self, app, endpoint: str, method: str):
        self.app, self.endpoint, self.method = app, endpoint, method
        self.row = ROUTES[endpoint]
        self.world, self.snapshot = world_with_snapshot()
        self.actor = _actor(self.row.methods()[method])

    def __call__(self, **request) -> None:
        client = self.world.client_for(self.app, self.actor)
        with WriteCounter() as writes:
            response = send_to(client, self.world, self.endpoint, self.method, self.row, **request)
        db.session.remove()
        body = response.get_data().decode(errors="replace")
        response.close()
        assert response.status_code < 500, f"{response.status_code}: {body[:800]}"
        if writes.count:
            if 400 <= response.status_code < 500:
                now = take_snapshot(only=writes.tables).rows
                before = {name: self.snapshot.rows[name] for name in now}
                assert _without_sign_ins(now) == _without_sign_ins(before), (
                    "a refused request wrote"
                )
            restore_snapshot(self.snapshot, only=writes.tables)
        if 400 <= response.status_code < 500:
            assert_clear_refusal(response)


@pytest.mark.parametrize("endpoint", _cases("POST", "form"))
def test_any_form_input_is_answered_without_a_server_error(app, endpoint):
    check = Checker(app, endpoint, "POST")
    valid = check.row.data(check.world) if check.row.data else {}
    names = POST_EXTRAS
    if "GET" in check.row.methods():
        client = check.world.client_for(app, check.actor)
        names += _page_field_names(client, url_of(check.world, endpoint, check.row))

    @given(values=form_values(valid, names))
    def run(values):
        check(data=values)

    run()


@pytest.mark.parametrize("endpoint", _cases("POST", "json"))
def test_any_json_body_is_answered_without_a_server_error(app, endpoint):
    check = Checker(app, endpoint, "POST")
    valid = check.row.json(check.world)

    @given(
        body=st.one_of(json_bodies(valid), raw_bodies),
        content_type=st.sampled_from(
            ["application/json", "text/plain", "application/x-www-form-urlencoded"]
        ),
    )
    def run(body, content_type):
        raw = body if isinstance(body, bytes) else as_json(body)
        check(raw=raw, content_type=content_type)

    run()


@pytest.mark.parametrize("endpoint", _cases("GET"))
def test_any_query_string_is_answered_without_a_server_error(app, endpoint):
    check = Checker(app, endpoint, "GET")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    names = tuple(n for n in QUERY_NAMES if n not in rule.arguments)

    @settings(max_examples=10)
    @given(query=form_values({}, names))
    def run(query):
        check(query=query)

    run()


# --- A deterministic sweep: each field in turn gets each of the values that break things ----

KILLERS = {
    "huge": "99999999999999999999999",
    "below_int32": "-2147483649",
    "nul": "a\x00b",
    "long": "x" * 5000,
    "two_values": ["1", "2"],
}


def _sweep(check: Checker, requests: list[dict], labels: list[str]) -> None:
    """Send every request; report every failure (not just the first)."""
    failures = []
    for request, label in zip(requests, labels, strict=True):
        try:
            check(**request)
        except Exception as error:  # each failure is collected and reported below
            db.session.rollback()
            restore_snapshot(check.snapshot)
            failures.append(f"{label}: {type(error).__name__}: {str(error)[:200]!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("endpoint", _cases("POST", "form"))
def test_each_form_field_takes_each_hostile_value(app, endpoint):
    check = Checker(app, endpoint, "POST")
    valid = check.row.data(check.world) if check.row.data else {}
    names = set(valid) | set(POST_EXTRAS)
    if "GET" in check.row.methods():
        client = check.world.client_for(app, check.actor)
        names |= set(_page_field_names(client, url_of(check.world, endpoint, check.row)))
    cases = [(name, key) for name in sorted(names) for key in KILLERS]
    _sweep(
        check,
        [{"data": valid | {name: KILLERS[key]}} for name, key in cases],
        [f"{name}={key}" for name, key in cases],
    )


@pytest.mark.parametrize("endpoint", _cases("GET"))
def test_every_query_parameter_takes_each_hostile_value(app, endpoint):
    check = Checker(app, endpoint, "GET")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    names = [n for n in QUERY_NAMES if n not in rule.arguments]
    _sweep(check, [{"query": dict.fromkeys(names, v)} for v in KILLERS.values()], list(KILLERS))


def _json_variants(value: object):
    """The body with each value (at any depth) replaced in turn by each hostile JSON value."""
    hostile = [
        10**30,
        -(2**63) - 1,
        "a\x00b",
        "x" * 5000,
        None,
        True,
        [],
        {},
        1.5,
        "x",
        "session:" + "9" * 30,
        "session:²",
    ]
    if isinstance(value, dict):
        for key, inner in value.items():
            for variant in _json_variants(inner):
                yield value | {key: variant}
        yield from ({}, {"extra": 1} | value)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            for variant in _json_variants(inner):
                yield value[:index] + [variant] + value[index + 1 :]
        yield from ([], value * 3)
    yield from hostile


@pytest.mark.parametrize("endpoint", _cases("POST", "json"))
def test_each_json_value_takes_each_hostile_value(app, endpoint):
    check = Checker(app, endpoint, "POST")
    bodies = list(_json_variants(check.row.json(check.world)))
    _sweep(
        check,
        [{"raw": as_json(b), "content_type": "application/json"} for b in bodies],
        [repr(b)[:100] for b in bodies],
    )
