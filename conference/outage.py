"""A database that cannot be reached answers 503 with Retry-After, not a 500 and a trace.

A connection that cannot even be opened (server down, restarting, file gone) is an
outage, not a bug: SQLAlchemy's ``handle_error`` hook turns that failure into
``DatabaseUnavailable`` and the handler below answers a plain page (JSON on the API)
that touches no database. The pool opens fresh connections on the next request
(pre-ping drops dead ones on PostgreSQL), so the site recovers by itself.
A connection lost mid-statement stays a 500 (errors.py): the request may have done
part of its work and was rolled back.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from conference.i18n import DEFAULT_LANGUAGE, LANGUAGES, SESSION_KEY, supported

log = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = (
    "The service is briefly unavailable: we cannot reach our database. "
    "Nothing you sent was saved; please try again in a moment."
)

_PAGE = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1><p>{message}</p></main></body>
</html>
"""
UNAVAILABLE_PAGE = _PAGE.format(lang="en", title="Briefly unavailable", message=UNAVAILABLE_MESSAGE)


def _unavailable_page() -> str:
    """The page in the visitor's language, chosen without the database (session, browser)."""
    language = supported(session.get(SESSION_KEY)) or request.accept_languages.best_match(LANGUAGES)
    if not language or language == DEFAULT_LANGUAGE:
        return UNAVAILABLE_PAGE
    with force_locale(language):
        return _PAGE.format(
            lang=language,
            title=escape(_("Briefly unavailable")),
            message=escape(
                _(
                    "The service is briefly unavailable: we cannot reach our database. "
                    "Nothing you sent was saved; please try again in a moment."
                )
            ),
        )


class DatabaseUnavailable(OperationalError):
    """No connection to the database could be opened."""


def _mark_connect_failures(context) -> DatabaseUnavailable | None:
    # No connection means the failure happened while connecting (pool checkout).
    original = context.sqlalchemy_exception
    if context.connection is not None or not isinstance(original, DBAPIError):
        return None
    return DatabaseUnavailable(None, None, original.orig)


def install_engine_hook() -> None:
    """Listen on every engine once (tests build many apps)."""
    if not event.contains(Engine, "handle_error", _mark_connect_failures):
        event.listen(Engine, "handle_error", _mark_connect_failures)


def _answer_unavailable(error: DatabaseUnavailable):
    from conference.extensions import db

    log.error("Database unreachable: %s", error.orig)
    try:
        db.session.rollback()
    except Exception:  # nothing to roll back on a connection that never opened
        log.debug("Rollback during a database outage failed", exc_info=True)
    db.session.remove()
    retry_after = str(current_app.config["DATABASE_RETRY_AFTER"])
    if request.path.startswith("/api/"):
        response = jsonify(
            {"error": {"code": 503, "name": "database_unavailable", "message": UNAVAILABLE_MESSAGE}}
        )
    else:
        # Not a template: the context processors would ask the database who is logged in.
        response = Response(_unavailable_page(), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = retry_after
    response.headers["Cache-Control"] = "no-store"
    return response


def register_outage_handler(app: Flask) -> None:
    install_engine_hook()
    app.register_error_handler(DatabaseUnavailable, _answer_unavailable)
