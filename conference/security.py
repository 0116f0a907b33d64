"""Security headers on every response, and input no part of the app can store."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response, abort, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # One pass over the response's headers, not one per header (setdefault's): a header
        # the view set itself is kept.
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        wanted = SECURITY_HEADERS + (HSTS,) if request.is_secure else SECURITY_HEADERS
        headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
        return response


NUL_MESSAGE = (
    "The request contains a NUL character (code 0), which no text here can hold. "
    "Remove it and try again."
)


def _json_may_hold_nul(request: Request) -> bool:
    """False when the raw body has neither a NUL byte nor a \\u0000 escape: the only ways
    a parsed JSON string can hold one (other encodings than UTF-8 have NUL bytes)."""
    raw = request.get_data(cache=True)
    return b"\x00" in raw or b"\\u0000" in raw


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


_FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


def refuse_nul_characters() -> None:
    """PostgreSQL text cannot hold NUL: refuse it at the door (400) in the address, the query,
    a form or a JSON body, instead of failing deep inside a query with a server error."""
    if "\x00" in request.path or _holds_nul(list(request.args.items(multi=True))):
        abort(400, NUL_MESSAGE)
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        # Only these bodies are parsed into a form; reading request.form of any other
        # (a scanner's JSON) builds an empty one, at a cost on every scan.
        if request.mimetype in _FORM_TYPES and _holds_nul(list(request.form.items(multi=True))):
            abort(400, NUL_MESSAGE)
        if (
            request.is_json
            and _json_may_hold_nul(request)
            and _holds_nul(request.get_json(silent=True))
        ):
            abort(400, NUL_MESSAGE)


def register_input_guards(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
