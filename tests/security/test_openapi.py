"""docs/openapi.yaml: it names exactly the app's JSON routes, and schemathesis fuzzes every
operation through the WSGI app with a device token: no 5xx, and every answer (status, content
type, body) is one the document describes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conference import create_app
from conference.extensions import db
from tests.security.world import DEVICE, WriteCounter, restore_snapshot, world_with_snapshot

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


def _is_json_route(rule) -> bool:
    return rule.rule.startswith("/api/") or rule.rule.endswith(".json")


def test_openapi_document_names_exactly_the_json_routes():
    app = create_app({"ENV": "test", "DATABASE_URL": "sqlite://"})
    routes = {
        (re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if _is_json_route(rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    document = yaml.safe_load(OPENAPI.read_text())
    documented = {
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if method in METHODS
    }

    assert documented == routes, {
        "undocumented": sorted(routes - documented),
        "not in the app": sorted(documented - routes),
    }


schema = schemathesis.openapi.from_path(str(OPENAPI))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_world(app):
    world, snapshot = world_with_snapshot()
    return app, world, snapshot


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_operation_conforms_to_the_document(case, api_world):
    app, world, snapshot = api_world
    if "slug" in (case.path_parameters or {}) and not case.path_parameters["slug"].startswith("x"):
        # Mostly the real event, so the operation does its work; "x..." slugs stay random.
        case.path_parameters["slug"] = world.event.slug
    headers = {"Authorization": f"Bearer {world.device_tokens[DEVICE]}"}

    with WriteCounter() as writes:
        case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    db.session.remove()
    if writes.count:
        restore_snapshot(snapshot)
