"""Bounds on a request before anything parses it: header sizes, body size, JSON nesting.

Parsers are the soft spot for hostile input: the standard JSON decoder recurses once per
level and a RecursionError escapes werkzeug's ``silent`` parsing (a 500), and a body of any
size would be read into memory. So every request is measured first and refused with a 4xx
that says why (JSON under /api/, the error page elsewhere). The limits are settings
(README, "Configuration"); a view may lower or raise the body limit with ``body_limit``.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from itertools import accumulate
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

View = TypeVar("View", bound=Callable[..., Any])

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# A JSON string (escapes included): brackets inside strings do not nest anything.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
# Opening brackets count +1, closing ones -1 (0xff as a signed byte).
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def body_limit(config_key: str) -> Callable[[View], View]:
    """Give a view its own body limit, the number of bytes in setting ``config_key``."""

    def mark(view: View) -> View:
        view.body_limit_setting = config_key  # type: ignore[attr-defined]
        return view

    return mark


def _route_body_limit() -> int | None:
    view = current_app.view_functions.get(request.endpoint or "")
    key = getattr(view, "body_limit_setting", None)
    return current_app.config[key] if key else current_app.config.get("MAX_CONTENT_LENGTH")


def json_nesting_exceeds(raw: bytes, limit: int) -> bool:
    """True when a JSON parser reading ``raw`` would go deeper than ``limit`` arrays/objects.

    No recursion and no parsing: strings are dropped, then the deepest point is the largest
    running count of opening minus closing brackets (what the parser's recursion follows,
    matched or not; a mismatch only stops it later with an ordinary error)."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    opening = brackets.count(b"[") + brackets.count(b"{")
    if opening <= limit:  # nearly every body: too few brackets to go that deep
        return False
    steps = array("b", brackets.translate(_STEP))
    return max(accumulate(steps)) > limit


def refuse_oversized_headers() -> None:
    """Too many or too long header fields: 431, as gunicorn and nginx would (the limits are
    theirs), so the development server and tests behave like production."""
    limit_fields = current_app.config["MAX_HEADER_FIELDS"]
    limit_bytes = current_app.config["MAX_HEADER_FIELD_BYTES"]
    headers = list(request.headers.items())
    if len(headers) > limit_fields:
        abort(431, f"The request has more than {limit_fields} header fields.")
    for name, value in headers:
        if len(name) + len(value) + 2 > limit_bytes:
            abort(431, f"The {name[:40]} header is longer than {limit_bytes} bytes.")


def _too_large(limit: int) -> None:
    abort(413, f"The request body is larger than {limit:,} bytes, the most this address takes.")


def refuse_oversized_bodies() -> None:
    """A body above the route's limit is refused from its Content-Length, before it is read."""
    if request.method not in _BODY_METHODS:
        return
    limit = _route_body_limit()
    request.max_content_length = limit  # also stops a chunked body that runs past it
    if limit is not None and (request.content_length or 0) > limit:
        _too_large(limit)


def refuse_unparseable_json() -> None:
    """A JSON body must be UTF-8 and nest no deeper than JSON_MAX_DEPTH; checked on the raw
    bytes, so the parser never meets a body it could choke on."""
    if request.method not in _BODY_METHODS or not request.is_json:
        return
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        _too_large(request.max_content_length or 0)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, "The JSON body is not valid UTF-8 text.")
    depth = current_app.config["JSON_MAX_DEPTH"]
    if json_nesting_exceeds(raw, depth):
        abort(400, f"The JSON body nests deeper than {depth} levels of arrays and objects.")


def register_request_limits(app: Flask) -> None:
    """Run the bounds first, before any other hook reads the request."""
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks[:0] = [refuse_oversized_headers, refuse_oversized_bodies, refuse_unparseable_json]
