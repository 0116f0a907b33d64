"""The signed-cookie session, without its cost where no cookie can be involved.

A scanning device calls the JSON API with ``Authorization: Bearer <token>`` and no cookie:
opening and saving a cookie session for it is work on every scan (a signing serializer
built, the session inspected after the view, ``Vary: Cookie`` added although no cookie
decides the answer). Such a call gets an empty session that is saved only if something
writes to it; every other request has Flask's session, with its serializer built once.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookielessCallSession(SecureCookieSession):
    """The session of a bearer-token request that sent no cookie: empty until written."""


def is_cookieless_bearer_call(request: Request) -> bool:
    """``Authorization: Bearer ...`` and no Cookie header at all (not even a remember cookie)."""
    scheme, _, _ = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and not request.headers.get("Cookie")


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, skipped for cookieless bearer-token calls."""

    def __init__(self) -> None:
        self._serializer: tuple[Any, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Built again only when the keys change (tests and key rotation change the settings).
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._serializer
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and is_cookieless_bearer_call(request):
            return CookielessCallSession()
        return super().open_session(app, request)

    def is_null_session(self, obj: object) -> bool:
        # Not written to: nothing to save, and no cookie to vary on.
        if isinstance(obj, CookielessCallSession) and not obj.modified:
            return True
        return super().is_null_session(obj)


def register_session_interface(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
