"""Absolute links for mail, feeds and badges, built from PUBLIC_BASE_URL.

They must not depend on the Host header of whatever request happens to be
running (or on there being a request at all, as in the CLI).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.routing import IntegerConverter

from conference.db_types import MAX_DB_INT


def external_url(endpoint: str, **values: Any) -> str:
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def safe_next_url(target: str | None) -> str | None:
    """Only same-site paths are followed after login; anything else is an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    # Browsers drop tabs and newlines from addresses ("/\t/evil" becomes "//evil") and some
    # read other control characters and spaces loosely: a path to follow has none of them.
    if any(ch <= " " or ch == "\x7f" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in routes: a number no INTEGER column can hold matches no route (404),
    instead of reaching the database, which would refuse it with an error."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's parameter name)
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


def register_url_converters(app: Flask) -> None:
    """Install the converters; call before any blueprint adds its routes."""
    app.url_map.converters["int"] = DatabaseIdConverter
