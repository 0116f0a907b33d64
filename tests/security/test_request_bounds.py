"""Requests built to break the parsers, on every JSON endpoint: deep nesting, instants no
datetime can convert, bodies and headers over the limits, NUL bytes, invalid UTF-8. Each is
a 4xx with a JSON error that says why, never a 500, and nothing is written
(conference/request_limits.py, conference/badges/client_time.py)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from conference.badges.models import Scan
from conference.db_types import utcnow
from conference.extensions import db
from tests.security.matrix import url_of
from tests.security.routes import ROUTES
from tests.security.world import (
    DEVICE,
    WriteCounter,
    restore_snapshot,
    take_snapshot,
    world_with_snapshot,
)

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
JSON_ENDPOINTS = sorted(e for e, row in ROUTES.items() if row.json is not None and row.POST)
SCAN_ENDPOINTS = ["badges_api.create_checkin", "badges_api.create_checkins_batch"]
DEEP = 5000  # far past Python's recursion limit, still under the smallest body limit


def _deep_array(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _deep_object(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def _nested_in(valid: dict, depth: int) -> bytes:
    """The valid body with one value replaced by a nest ``depth`` levels deep."""
    body = json.dumps(valid | {"checkpoint": "PLACEHOLDER"}).encode()
    return body.replace(b'"PLACEHOLDER"', _deep_array(depth))


def _send(app, endpoint, *, raw=None, body=None, headers=None, content_type="application/json"):
    """POST to the endpoint as this event's scanning device; check nothing was written."""
    world, snapshot = world_with_snapshot()
    row = ROUTES[endpoint]
    client = world.client_for(app, DEVICE)
    if raw is None:
        raw = json.dumps(body if body is not None else row.json(world)).encode()
    with WriteCounter() as writes:
        response = client.post(
            url_of(world, endpoint, row), data=raw, content_type=content_type, headers=headers
        )
    db.session.remove()
    if writes.count:
        assert take_snapshot().rows == snapshot.rows, "a refused request wrote"
        restore_snapshot(snapshot)
    return response


def _assert_json_refusal(response, status_range=range(400, 500), words: str = "") -> str:
    body = response.get_data().decode(errors="replace")
    assert response.status_code in status_range, f"{response.status_code}: {body[:300]}"
    assert response.is_json, body[:300]
    message = response.get_json()["error"]["message"]
    assert isinstance(message, str) and message.strip()
    assert words in message, message
    return message


def test_json_endpoints_are_the_documented_json_request_bodies(app):
    """The list this file covers is every route the OpenAPI document says takes JSON."""
    document = yaml.safe_load(OPENAPI.read_text())
    documented = {
        (path, method)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    covered = {
        (re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rules[e].rule), "post") for e in JSON_ENDPOINTS
    }

    assert covered == documented


HOSTILE_BODIES = {
    "deep arrays": (_deep_array(DEEP), "nests deeper than 32 levels"),
    "deep objects": (_deep_object(2500), "nests deeper than 32 levels"),
    "unclosed nest": (b"[" * DEEP, "nests deeper"),
    "33 levels": (_deep_array(33), "nests deeper than 32 levels"),
    "invalid UTF-8": (b'{"code": "\xff\xfe\xc3("}', "not valid UTF-8"),
    "UTF-16": ('{"code": "x"}'.encode("utf-16"), "not valid UTF-8"),
    "a raw NUL byte": (b'{"code": "a\x00b", "checkpoint": "entrance"}', "JSON object"),
    "an escaped NUL": (b'{"code": "a\\u0000b", "checkpoint": "entrance"}', "NUL character"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_BODIES))
@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_hostile_json_bodies_are_refused_with_a_json_message(app, endpoint, case):
    raw, words = HOSTILE_BODIES[case]

    response = _send(app, endpoint, raw=raw)

    _assert_json_refusal(response, range(400, 401), words)


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_deep_nesting_inside_a_valid_body_is_refused(app, endpoint):
    world, _ = world_with_snapshot()
    valid = ROUTES[endpoint].json(world)
    valid = valid["scans"][0] if "scans" in valid else valid

    deep = _send(app, endpoint, raw=_nested_in(valid, DEEP))
    shallow = _send(app, endpoint, raw=_nested_in(valid, 30))

    _assert_json_refusal(deep, range(400, 401), "nests deeper")
    # 30 levels pass the bound and are judged as a checkpoint (a 200 with per-scan errors
    # for the batch): the bound refuses depth only.
    assert shallow.status_code < 500
    assert "nests deeper" not in shallow.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_a_body_over_the_route_limit_is_refused_before_it_is_read(app, endpoint):
    limit = app.config[
        "SCAN_BATCH_BODY_MAX_BYTES" if endpoint.endswith("batch") else "SCAN_BODY_MAX_BYTES"
    ]
    raw = json.dumps({"code": "x" * limit, "checkpoint": "entrance"}).encode()

    response = _send(app, endpoint, raw=raw)

    _assert_json_refusal(response, range(413, 414), f"larger than {limit:,} bytes")


OVERSIZED_HEADERS = [
    ({"X-Padding": "p" * 9000}, "X-Padding header is longer than 8190 bytes"),
    ({"Authorization": "Bearer " + "t" * 9000}, "Authorization header is longer"),
    ({f"X-Field-{i}": "v" for i in range(101)}, "more than 100 header fields"),
]
JSON_GET_ENDPOINTS = sorted(
    e
    for e, row in ROUTES.items()
    if row.GET and (e.startswith("badges_api.") or e == "agenda.agenda_json")
)


@pytest.mark.parametrize(("headers", "words"), OVERSIZED_HEADERS)
@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_oversized_headers_are_refused_with_431(app, endpoint, headers, words):
    response = _send(app, endpoint, headers=headers)

    _assert_json_refusal(response, range(431, 432), words)


@pytest.mark.parametrize(("headers", "words"), OVERSIZED_HEADERS)
@pytest.mark.parametrize("endpoint", JSON_GET_ENDPOINTS)
def test_oversized_headers_on_json_reads_are_refused_with_431(app, endpoint, headers, words):
    world, _ = world_with_snapshot()
    client = world.client_for(app, DEVICE)

    response = client.get(url_of(world, endpoint, ROUTES[endpoint]), headers=headers)

    _assert_json_refusal(response, range(431, 432), words)


OUT_OF_RANGE = [
    "0001-01-01T00:00:00+14:00",  # OverflowError when moved to UTC
    "9999-12-31T23:59:59-14:00",
    "1970-01-01T00:00:00+00:00",
]


def _scan_body(world, endpoint, scanned_at):
    scan = {
        "code": world.badge.token,
        "checkpoint": "entrance",
        "client_scan_id": "offline-0001",
        "scanned_at": scanned_at,
    }
    return {"scans": [scan]} if endpoint.endswith("batch") else scan


def _refusal_of(response, endpoint) -> str:
    """The scan's refusal: the whole answer, or the batch's entry for it."""
    if not endpoint.endswith("batch"):
        return _assert_json_refusal(response, range(400, 401), "outside the times")
    assert response.status_code == 200
    (entry,) = response.get_json()["results"]
    assert entry["client_scan_id"] == "offline-0001"
    assert entry["error"]["name"] == "scanned_at_out_of_range"
    return entry["error"]["message"]


@pytest.mark.parametrize("instant", OUT_OF_RANGE)
@pytest.mark.parametrize("endpoint", SCAN_ENDPOINTS)
def test_instants_outside_the_event_window_are_refused_per_scan(app, endpoint, instant):
    world, _ = world_with_snapshot()

    response = _send(app, endpoint, body=_scan_body(world, endpoint, instant))

    message = _refusal_of(response, endpoint)
    assert "check the scanner's clock" in message
    assert db.session.query(Scan).count() == 0


@pytest.mark.parametrize("endpoint", SCAN_ENDPOINTS)
def test_the_window_edges_a_real_scanner_can_reach_are_accepted(app, endpoint):
    world, snapshot = world_with_snapshot()
    margin = timedelta(days=app.config["SCAN_CLOCK_MARGIN_DAYS"])
    too_early = (utcnow() - margin - timedelta(minutes=1)).isoformat()
    fast_clock = (utcnow() + margin - timedelta(minutes=1)).isoformat()

    refused = _send(app, endpoint, body=_scan_body(world, endpoint, too_early))
    accepted = world.client_for(app, DEVICE).post(
        url_of(world, endpoint, ROUTES[endpoint]), json=_scan_body(world, endpoint, fast_clock)
    )
    answer = accepted.get_json()
    answer = answer["results"][0] if "results" in answer else answer
    db.session.remove()
    restore_snapshot(snapshot)

    _refusal_of(refused, endpoint)
    assert answer["result"] == "accepted"
    # A clock running fast is read as now (it must not hide later scans from the duplicate
    # window): the answer's time is not in the future.
    assert answer["scanned_at"] <= utcnow().isoformat()


POST_ROUTES = sorted(e for e, row in ROUTES.items() if row.POST)


def test_form_routes_refuse_deep_json_too(app):
    """The NUL guard reads any JSON body on any route: the bound protects them all."""
    world, snapshot = world_with_snapshot()
    failures = []
    for endpoint in POST_ROUTES:
        client = world.client_for(app, DEVICE)
        response = client.post(
            url_of(world, endpoint, ROUTES[endpoint]),
            data=_deep_array(DEEP),
            content_type="application/json",
        )
        db.session.remove()
        if response.status_code != 400 or "nests deeper" not in response.get_data(as_text=True):
            failures.append(f"{endpoint}: {response.status_code}")
    restore_snapshot(snapshot)

    assert not failures, failures
