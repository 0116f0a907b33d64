"""A database that cannot be reached answers 503 with Retry-After, not a 500 and a trace.

A connection that cannot even be opened (server down, restarting, file gone) is an
outage, not a bug: SQLAlchemy's ``handle_error`` hook turns that failure into
``DatabaseUnavailable`` and the handler below answers a plain page (JSON on the API)
that touches no database. The pool opens fresh connections on the next request
(pre-ping drops dead ones on PostgreSQL), so the site recovers by itself.
A connection the server cut under a statement (a restart, a failover) is an outage too:
its transaction died with it, but a request may have committed earlier work, so that
answer says to look before sending again. A failed COMMIT (no statement: the outcome is
unknown) and every other database error stay a 500 (errors.py).
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

CONNECTION_LOST_MESSAGE = (
    "The service is briefly unavailable: we lost our database connection while answering. "
    "In a moment, reload the page to see whether what you sent went through before you try again."
)

_PAGE = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1><p>{message}</p></main></body>
</html>
"""


def _unavailable_page(lost_under_statement: bool) -> str:
    """The page in the visitor's language, chosen without the database (session, browser)."""
    language = supported(session.get(SESSION_KEY)) or request.accept_languages.best_match(LANGUAGES)
    if not language or language == DEFAULT_LANGUAGE:
        message = CONNECTION_LOST_MESSAGE if lost_under_statement else UNAVAILABLE_MESSAGE
        return _PAGE.format(lang="en", title="Briefly unavailable", message=message)
    with force_locale(language):
        if lost_under_statement:
            message = _(
                "The service is briefly unavailable: we lost our database connection while "
                "answering. In a moment, reload the page to see whether what you sent went "
                "through before you try again."
            )
        else:
            message = _(
                "The service is briefly unavailable: we cannot reach our database. "
                "Nothing you sent was saved; please try again in a moment."
            )
        return _PAGE.format(
            lang=language, title=escape(_("Briefly unavailable")), message=escape(message)
        )


class DatabaseUnavailable(OperationalError):
    """No connection to the database could be opened, or the server cut it under a statement."""

    lost_under_statement = False


class ConnectionLost(DatabaseUnavailable):
    """The server closed the connection while a statement ran: its transaction is gone."""

    lost_under_statement = True


def _mark_connect_failures(context) -> DatabaseUnavailable | None:
    original = context.sqlalchemy_exception
    if not isinstance(original, DBAPIError):
        return None
    if context.connection is None:  # the failure happened while connecting (pool checkout)
        return DatabaseUnavailable(None, None, original.orig)
    if context.is_disconnect and context.statement is not None:
        return ConnectionLost(context.statement, context.parameters, original.orig)
    return None


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
    message = CONNECTION_LOST_MESSAGE if error.lost_under_statement else UNAVAILABLE_MESSAGE
    if request.path.startswith("/api/"):
        response = jsonify(
            {"error": {"code": 503, "name": "database_unavailable", "message": message}}
        )
    else:
        # Not a template: the context processors would ask the database who is logged in.
        response = Response(_unavailable_page(error.lost_under_statement), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = retry_after
    response.headers["Cache-Control"] = "no-store"
    return response


def register_outage_handler(app: Flask) -> None:
    install_engine_hook()
    app.register_error_handler(DatabaseUnavailable, _answer_unavailable)
