"""Organisers import an agenda from a page: upload, errors per row, preview, then a job."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.errors import ImportValidationError
from conference.events.loaders import load_managed_event
from conference.extensions import db
from conference.jobs import services as jobs
from conference.request_limits import body_limit
from conference.tasks.queue import enqueue
from conference.workload import import_jobs, uploads
from conference.workload.forms import ConfirmImportForm, UploadForm

bp = Blueprint("agenda_import", __name__, url_prefix="/events/<slug>/manage/agenda/import")
# The preview lists this many changes, then says how many more there are.
PREVIEW_CHANGES = 200


@bp.before_request
@login_required
def _require_login() -> None:
    """Every page here needs a login (then the organiser role, checked per view)."""


def _loaded_upload(slug: str, public_id: str):
    event = load_managed_event(slug)
    upload = uploads.get_upload(event, public_id)
    if upload is None:
        abort(404)
    return event, upload


@bp.route("/", methods=["GET", "POST"])
@body_limit("AGENDA_IMPORT_BODY_MAX_BYTES")
def upload_file(slug: str):
    """Choose a file; it is checked whole, and every problem is listed before anything is kept."""
    event = load_managed_event(slug)
    form = UploadForm()
    problems: list[tuple[str, str]] = []
    if form.validate_on_submit():
        limit = current_app.config["AGENDA_IMPORT_MAX_BYTES"]
        data = form.file.data.read(limit + 1)
        if len(data) > limit:
            form.file.errors.append(
                _("The file is larger than %(size)s MB.", size=limit // (1024 * 1024))
            )
        else:
            try:
                staged = uploads.stage_upload(
                    event, form.file.data.filename or "upload", data, actor=current_user
                )
            except ImportValidationError as error:
                db.session.rollback()
                problems = error.errors
            else:
                db.session.commit()
                return redirect(url_for(".preview", slug=event.slug, public_id=staged.public_id))
    status = 422 if form.is_submitted() and (problems or form.errors) else 200
    page = render_template("workload/import.html", event=event, form=form, problems=problems)
    return page, status


@bp.route("/<public_id>")
def preview(slug: str, public_id: str):
    """What importing the file will change: the real import, rolled back."""
    event, upload = _loaded_upload(slug, public_id)
    if upload.job_id is not None:
        return redirect(_job_page(event, upload.job_id))
    agenda_version = event.agenda_version or 0
    notes = uploads.file_notes(event, upload)
    report = uploads.import_upload(upload)
    db.session.rollback()  # a preview writes nothing
    form = ConfirmImportForm(agenda_version=str(agenda_version))
    return render_template(
        "workload/preview.html",
        event=event,
        upload=upload,
        report=report,
        notes=notes,
        changes=report.changes[:PREVIEW_CHANGES],
        more_changes=max(0, len(report.changes) - PREVIEW_CHANGES),
        form=form,
    )


@bp.route("/<public_id>/confirm", methods=["POST"])
def confirm(slug: str, public_id: str):
    """Queue the import once; a second confirmation lands on the same job."""
    event, upload = _loaded_upload(slug, public_id)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    if upload.job_id is not None:
        return redirect(_job_page(event, upload.job_id))
    if form.agenda_version.data != str(event.agenda_version or 0):
        flash(_("The agenda changed since this preview: here is what the import does now."), "info")
        return redirect(url_for(".preview", slug=event.slug, public_id=upload.public_id))
    params = {"upload": upload.public_id, "filename": upload.filename}
    job = jobs.create_job(event, import_jobs.KIND, params, actor=current_user)
    if not uploads.claim_upload(upload, job.id):
        db.session.rollback()
        return redirect(url_for(".preview", slug=event.slug, public_id=public_id))
    db.session.commit()
    enqueue(import_jobs.TASK, job.id)
    return redirect(url_for("jobs.job_status", slug=event.slug, public_id=job.public_id))


def _job_page(event, job_id: int) -> str:
    job = jobs.get_job_by_id(event, job_id)
    if job is None:
        abort(404)
    return url_for("jobs.job_status", slug=event.slug, public_id=job.public_id)
