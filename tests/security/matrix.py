"""Sending a row's request (routes.py) as an actor, and classifying the answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask.testing import FlaskClient

from tests.security.routes import (
    DEFAULT_ARGS,
    FORBIDDEN,
    HIDDEN,
    LOGIN,
    OK,
    REFUSED,
    UNAUTHORISED,
    Row,
)
from tests.security.world import World


def url_of(world: World, endpoint: str, row: Row, query: dict[str, Any] | None = None) -> str:
    """The row's address, its URL arguments taken from the world."""
    rule = next(r for r in current_app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {}
    for name in rule.arguments:
        make = row.args.get(name) or DEFAULT_ARGS.get(name)
        assert make is not None, f"{endpoint}: no value for URL argument {name!r}; add args="
        values[name] = make(world)
    # A hostile query's made-up names may be the URL's own (Hypothesis draws text from the
    # literals of the code, "speaker_id" among them): the URL's arguments win.
    merged = {**(query or {}), **row.query, **values}
    with current_app.test_request_context():
        return url_for(endpoint, **merged)


def send_to(
    client: FlaskClient,
    world: World,
    endpoint: str,
    method: str,
    row: Row,
    *,
    data: dict | None = None,
    raw: bytes | None = None,
    content_type: str | None = None,
    query: dict[str, Any] | None = None,
):
    """The row's request (or the given body instead of the row's own)."""
    url = url_of(world, endpoint, row, query)
    if method == "GET":
        return client.get(url)
    if raw is not None:
        return client.post(url, data=raw, content_type=content_type)
    if data is not None:
        return client.post(url, data=data)
    if row.json is not None:
        return client.post(url, json=row.json(world))
    return client.post(url, data=row.data(world) if row.data else {})


def classify(response) -> str:
    """The outcome class of a response (see routes.py)."""
    status = response.status_code
    assert status < 500, f"server error {status}: {response.get_data(as_text=True)[:500]}"
    if 300 <= status < 400:
        # Flask-Login's redirect names the page asked for; a flow that ends at the login page
        # on purpose (password reset) does not.
        location = urlsplit(response.headers.get("Location", ""))
        if location.path == "/account/login" and "next=" in location.query:
            return LOGIN
        return OK
    if status < 300:
        return OK
    if status in (400, 409, 422):
        return REFUSED
    return {401: UNAUTHORISED, 403: FORBIDDEN, 404: HIDDEN}.get(status, str(status))
