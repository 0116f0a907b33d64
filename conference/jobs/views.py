"""An organiser's job: its progress page (refreshing itself) and, when ready, its file."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for
from flask_login import current_user, login_required

from conference import permissions
from conference.events.loaders import load_visible_event
from conference.events.models import Event
from conference.jobs import services
from conference.jobs.models import Job, JobStatus

bp = Blueprint("jobs", __name__)

# Each kind of job: its page title, and the page to go back to (an endpoint taking the slug).
JOB_PAGES = {
    "badge_print": ("Badge print file", "badges.manage_badges", "the badges"),
    "agenda_import": ("Agenda import", "agenda_manage.timetable", "the agenda"),
}
# A finished job's text result up to this size is shown on its page, not only offered.
SHOWN_TEXT_BYTES = 64 * 1024


def _load(slug: str, public_id: str) -> tuple[Event, Job]:
    """The event's job; 404 for a job of another event, exactly like a missing one."""
    event = load_visible_event(slug)
    permissions.require(permissions.can_manage_event(current_user, event))
    job = services.get_job(event, public_id)
    if job is None:
        abort(404)
    return event, job


@bp.route("/events/<slug>/manage/jobs/<public_id>")
@login_required
def job_status(slug: str, public_id: str):
    """How far the job is; refreshes itself until the file is ready or the job failed."""
    event, job = _load(slug, public_id)
    title, back_endpoint, back_label = JOB_PAGES.get(job.kind, ("Job", "events.manage", "settings"))
    is_text = job.status == JobStatus.DONE and (job.result_type or "").startswith("text/plain")
    shown_text = None
    if is_text and job.result is not None and len(job.result) <= SHOWN_TEXT_BYTES:
        shown_text = job.result.decode("utf-8", "replace")
    page = render_template(
        "jobs/status.html",
        job=job,
        event=event,
        title=title,
        back_url=url_for(back_endpoint, slug=event.slug),
        back_label=back_label,
        shown_text=shown_text,
    )
    response = Response(page)
    response.headers["Cache-Control"] = "no-store"
    if not job.is_finished:
        response.headers["Refresh"] = "2"
    return response


@bp.route("/events/<slug>/manage/jobs/<public_id>/file")
@login_required
def job_file(slug: str, public_id: str):
    """The finished file; 404 until the job is done."""
    _event, job = _load(slug, public_id)
    if job.status != JobStatus.DONE or job.result is None:
        abort(404)
    response = Response(job.result, mimetype=job.result_type or "application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
