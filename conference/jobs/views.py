"""An organiser's job: its progress page (refreshing itself) and, when ready, its file."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from conference import permissions
from conference.events.loaders import load_visible_event
from conference.events.models import Event
from conference.jobs import services
from conference.jobs.housekeeping import ABANDONED
from conference.jobs.models import Job, JobStatus

bp = Blueprint("jobs", __name__)

# Each kind of job: its page title, and the page to go back to (an endpoint taking the slug).
JOB_PAGES = {
    "badge_print": (
        _l("Badge print file"),
        "badges.manage_badges",
        _l("Back to the badges of %(title)s"),
    ),
    "agenda_import": (
        _l("Agenda import"),
        "agenda_manage.timetable",
        _l("Back to the agenda of %(title)s"),
    ),
}
# A finished job's text result up to this size is shown on its page, not only offered.
SHOWN_TEXT_BYTES = 64 * 1024
# The message conference/jobs/runner.py stores when a job raises.
_STOPPED = re.compile(r"The job stopped with an error \((\w+)\)\.")


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
    title, back_endpoint, back_label = JOB_PAGES.get(
        job.kind, (_l("Job"), "events.manage", _l("Back to settings of %(title)s"))
    )
    is_text = job.status == JobStatus.DONE and (job.result_type or "").startswith("text/plain")
    shown_text = None
    if is_text and job.result is not None and len(job.result) <= SHOWN_TEXT_BYTES:
        shown_text = job.result.decode("utf-8", "replace")
    page = render_template(
        "jobs/status.html",
        job=job,
        event=event,
        title=str(title),
        back_url=url_for(back_endpoint, slug=event.slug),
        back_label=str(back_label) % {"title": event.title},
        error=_shown_error(job.error),
        shown_text=shown_text,
    )
    response = Response(page)
    response.headers["Cache-Control"] = "no-store"
    if not job.is_finished:
        response.headers["Refresh"] = "2"
    return response


def _shown_error(error: str | None) -> str | None:
    """A failed job's stored (English) message, in the reader's language when it is ours."""
    if error == ABANDONED:
        return _("The worker running this job stopped before it finished: start it again.")
    if error and (match := _STOPPED.fullmatch(error)):
        return _("The job stopped with an error (%(name)s).", name=match.group(1))
    return error


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
