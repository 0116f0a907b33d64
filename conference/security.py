"""Security headers on every response, and input no part of the app can store."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, request

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


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


NUL_MESSAGE = (
    "The request contains a NUL character (code 0), which no text here can hold. "
    "Remove it and try again."
)


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


def refuse_nul_characters() -> None:
    """PostgreSQL text cannot hold NUL: refuse it at the door (400) in the address, the query,
    a form or a JSON body, instead of failing deep inside a query with a server error."""
    if "\x00" in request.path or _holds_nul(list(request.args.items(multi=True))):
        abort(400, NUL_MESSAGE)
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        if _holds_nul(list(request.form.items(multi=True))):
            abort(400, NUL_MESSAGE)
        if request.is_json and _holds_nul(request.get_json(silent=True)):
            abort(400, NUL_MESSAGE)


def register_input_guards(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
