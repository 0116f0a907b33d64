"""Domain exceptions, and the pages and JSON bodies that errors turn into."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from conference.i18n import mark_error_page

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A broken domain rule; the message is safe to show to the user."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or type(self).__name__


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class AccountError(DomainError):
    """Sign-up, login, verification or reset cannot proceed."""


class EmailTaken(AccountError):
    pass


class InvalidToken(AccountError):
    pass


class EventError(DomainError):
    pass


# --- Registration and booking ---------------------------------------------------


class RegistrationError(DomainError):
    """A registration cannot be created or changed this way."""


class RegistrationClosed(RegistrationError):
    status_code = 403


class EmailNotConfirmed(RegistrationError):
    """Registering needs a confirmed email address."""

    status_code = 403


class AlreadyRegistered(RegistrationError):
    status_code = 409


class InvalidTransition(RegistrationError):
    """The registration is not in a state that allows this change."""

    status_code = 409


class BookingError(DomainError):
    """A booking cannot be made or changed."""

    status_code = 409


class BookingForbidden(BookingError):
    """The attendee may not book this session (not approved, restricted, closed)."""

    status_code = 403


class SeatOfferGone(BookingError):
    """A seat offer's link was already used, or the offer expired or never existed."""

    status_code = 410


# --- Delegations (issue 17) -------------------------------------------------------


class DelegationError(DomainError):
    """A delegation, its quota or a nomination cannot be changed this way."""

    status_code = 409


class QuotaFull(DelegationError):
    """The delegation's seats are all taken by accepted nominees."""


class InvitationInvalid(DelegationError):
    """The invitation link cannot be used (unknown, used, expired, withdrawn, other address)."""

    status_code = 403


class ImportValidationError(DomainError):
    """An import file is malformed; ``errors`` lists (json path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        summary = "; ".join(f"{path}: {message}" for path, message in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"invalid import file: {summary}{more}")


def _wants_json() -> bool:
    # The API, and addresses of JSON documents (agenda.json), answer errors in JSON.
    if request.path.startswith("/api/") or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


SERVER_ERROR_MESSAGE = (
    "Something went wrong on our side. Nothing you sent was half-saved; please try again."
)


CSRF_MESSAGE = (
    "The form expired or was sent from elsewhere. Go back, reload the page and try again."
)

# The names of the HTTP errors people meet, as werkzeug spells them in English.
_PAGE_NAMES = {
    400: ("Bad Request", _l("Bad Request")),
    403: ("Forbidden", _l("Forbidden")),
    404: ("Not Found", _l("Not Found")),
    405: ("Method Not Allowed", _l("Method Not Allowed")),
    413: ("Request Entity Too Large", _l("Request Entity Too Large")),
    429: ("Too Many Requests", _l("Too Many Requests")),
    503: ("Service Unavailable", _l("Service Unavailable")),
}


def _page_name(code: int, name: str) -> str:
    """The error's name in the page's language (as it came if we have no translation)."""
    english, translated = _PAGE_NAMES.get(code, (None, None))
    return str(translated) if name == english else name


def _server_error(error: InternalServerError):
    """An unexpected failure (a dropped database connection, a bug): undo, then answer plainly.

    Flask has logged the original exception already. The transaction is rolled back before
    anything else touches the database, so nothing half-done is committed later in the
    request and the error page itself can still load the user.
    """
    from conference.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone: drop the session and carry on
        log.warning("Rollback after a server error failed", exc_info=True)
        db.session.remove()
    if _wants_json():
        response = jsonify(
            {"error": {"code": 500, "name": "server_error", "message": SERVER_ERROR_MESSAGE}}
        )
        response.status_code = 500
        return response
    mark_error_page()
    try:
        page = render_template(
            "errors/error.html", code=500, name=_("Server error"), error=InternalServerError()
        )
    except Exception:  # even the page cannot be drawn (database down): plain words will do
        log.warning("The error page could not be rendered", exc_info=True)
        db.session.remove()
        return Response(SERVER_ERROR_MESSAGE, status=500, mimetype="text/plain")
    return page, 500


def _staff_without_second_factor() -> bool:
    from flask_login import current_user

    from conference.permissions import is_staff_without_second_factor

    try:
        return is_staff_without_second_factor(current_user)
    except Exception:  # an error page must render even when the database is not there
        log.warning("Could not check the second factor on an error page", exc_info=True)
        return False


def register_error_handlers(app: Flask) -> None:
    """Render HTTP errors as pages (or JSON for the API), never leaking internals."""

    app.register_error_handler(InternalServerError, _server_error)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        code = error.code or 500
        if _wants_json():
            response = jsonify(
                {"error": {"code": code, "name": error.name, "message": error.description}}
            )
            response.status_code = code
            return response
        mark_error_page()
        if code in (403, 404) and _staff_without_second_factor():
            # Say why instead of a bare "forbidden" (issue 18): their role waits for the factor.
            return render_template("accounts/second_factor_required.html", code=code), code
        return (
            render_template(
                "errors/error.html", code=code, name=_page_name(code, error.name), error=error
            ),
            code,
        )

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        if _wants_json():
            message = CSRF_MESSAGE  # machine readers get the English text
            response = jsonify({"error": {"code": 400, "name": "csrf", "message": message}})
            response.status_code = 400
            return response
        message = _(
            "The form expired or was sent from elsewhere. Go back, reload the page and try again."
        )
        mark_error_page()
        return (
            render_template(
                "errors/error.html", code=400, name=_("Form expired"), error=DomainError(message)
            ),
            400,
        )

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if _wants_json():
            response = jsonify(
                {"error": {"code": error.status_code, "name": error.code, "message": error.message}}
            )
            response.status_code = error.status_code
            return response
        mark_error_page()
        return (
            render_template(
                "errors/error.html",
                code=error.status_code,
                name=_("Request refused"),
                error=error,
            ),
            error.status_code,
        )
