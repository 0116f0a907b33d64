"""Downloading a session document: through the app, with the access check, every time.

There is no public URL of a file: each download is authorised, recorded and, for marked
PDFs, stamped with the recipient's name.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, request, send_file
from flask_login import current_user

from conference import permissions
from conference.db_types import utcnow
from conference.documents import services
from conference.documents.queries import load_document
from conference.events.loaders import load_visible_event
from conference.extensions import db
from conference.markings import TLP

bp = Blueprint("documents", __name__)


@bp.route("/events/<slug>/documents/<int:document_id>/download")
def download(slug: str, document_id: int):
    """The document's current version (organisers: ``?version=<n>``) as an attachment."""
    event = load_visible_event(slug)
    document = load_document(event.id, document_id)
    # A document of a session the viewer may not see answers as a missing one.
    if document is None or not permissions.can_see_session_documents(
        current_user, document.session
    ):
        abort(404)
    permissions.require(permissions.can_download_document(current_user, document))
    version = document.current
    number = request.args.get("version", type=int)
    if number is not None:
        permissions.require(permissions.can_manage_documents(current_user, event), hide=True)
        version = next((v for v in document.versions if v.number == number), None)
        if version is None:
            abort(404)
    served = services.serve_version(
        document,
        version,
        recipient=current_user,
        today=utcnow().astimezone(event.tz).date(),
        font_path=current_app.config.get("BADGE_FONT_PATH", ""),
    )
    db.session.commit()
    response = send_file(
        io.BytesIO(served.data),
        mimetype=version.content_type,
        as_attachment=True,
        download_name=version.filename,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.cache_control.private = True
    if document.marking == TLP.CLEAR:
        response.cache_control.no_cache = True
    else:
        # Marked material stays out of every cache, the browser's included.
        response.cache_control.no_store = True
    response.cache_control.max_age = None
    response.cache_control.public = False
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-TLP"] = document.marking.label
    return response
