"""Organisers' document pages: a session's documents, uploads, versions and the download log."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.agenda.queries import load_session
from conference.documents import services
from conference.documents.forms import DocumentForm, VersionForm
from conference.documents.queries import download_log, load_document, managed_documents
from conference.errors import DomainError
from conference.events.loaders import load_managed_event
from conference.extensions import db
from conference.request_limits import body_limit

bp = Blueprint("documents_manage", __name__, url_prefix="/events/<slug>/manage/documents")


@bp.before_request
@login_required
def _require_login() -> None:
    """Every page here needs a login (then the organiser role, checked per view)."""


def _read(storage) -> services.Upload:
    """The uploaded file, read only up to one byte past the limit."""
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    return services.Upload(storage.filename or "", storage.stream.read(limit + 1))


def _session_or_404(event, session_id: int):
    session = load_session(event, session_id)
    if session is None:
        abort(404)
    return session


def _version_forms(items):
    return {item.document.id: VersionForm(prefix=f"v{item.document.id}") for item in items}


def _page(event, session, form, version_forms=None, status=200):
    items = managed_documents(session)
    forms = _version_forms(items)
    forms.update(version_forms or {})
    return (
        render_template(
            "documents/manage.html",
            event=event,
            session=session,
            form=form,
            items=items,
            version_forms=forms,
        ),
        status,
    )


@bp.route("/sessions/<int:session_id>/", methods=["GET", "POST"])
@body_limit("DOCUMENT_UPLOAD_BODY_MAX_BYTES")
def session_documents(slug: str, session_id: int):
    """A session's documents with their versions and downloads; upload a new one."""
    event = load_managed_event(slug)
    session = _session_or_404(event, session_id)
    form = DocumentForm()
    if not form.is_submitted():
        form.tlp.data = services.default_marking(session)
    if form.validate_on_submit():
        try:
            document = services.add_document(
                session,
                title=form.title.data or "",
                tlp=form.tlp.data,
                upload=_read(form.file.data),
                actor=current_user,
                max_bytes=current_app.config["DOCUMENT_MAX_BYTES"],
            )
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "file", form.file).errors.append(error.message)
        else:
            db.session.commit()
            flash(_("“%(title)s” is uploaded.", title=document.title), "success")
            return redirect(url_for(".session_documents", slug=slug, session_id=session.id))
    return _page(event, session, form, status=422 if form.errors else 200)


@bp.route("/<int:document_id>/versions", methods=["POST"])
@body_limit("DOCUMENT_UPLOAD_BODY_MAX_BYTES")
def upload_version(slug: str, document_id: int):
    """A new version of a document; the old ones stay in the record."""
    event = load_managed_event(slug)
    document = load_document(event.id, document_id)
    if document is None:
        abort(404)
    form = VersionForm(prefix=f"v{document.id}")
    if form.validate_on_submit():
        try:
            version = services.add_version(
                document,
                upload=_read(form.file.data),
                actor=current_user,
                max_bytes=current_app.config["DOCUMENT_MAX_BYTES"],
            )
        except DomainError as error:
            db.session.rollback()
            form.file.errors.append(error.message)
        else:
            db.session.commit()
            flash(
                _(
                    "Version %(number)d of “%(title)s” is uploaded.",
                    number=version.number,
                    title=document.title,
                ),
                "success",
            )
            return redirect(
                url_for(".session_documents", slug=slug, session_id=document.session_id)
            )
    fresh = DocumentForm(formdata=None)
    fresh.tlp.data = services.default_marking(document.session)
    return _page(event, document.session, fresh, {document.id: form}, status=422)


@bp.route("/<int:document_id>/downloads")
def downloads(slug: str, document_id: int):
    """Who downloaded which version of the document, and when."""
    event = load_managed_event(slug)
    document = load_document(event.id, document_id)
    if document is None:
        abort(404)
    return render_template(
        "documents/downloads.html",
        event=event,
        document=document,
        session=document.session,
        rows=download_log(document),
    )
