"""Badge print files for hundreds of people, made by the task worker with progress.

The organiser posts the filter and layout; the job is queued and they land on its
page (conference/jobs/views.py), which shows the percentage until the PDF is ready.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, current_app, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.accounts.models import User
from conference.badges import forms, pdf, services
from conference.badges.views import _filter_from, _managed, bp
from conference.events.models import Event
from conference.extensions import db
from conference.i18n import language_for
from conference.jobs import services as jobs
from conference.jobs.models import Job
from conference.jobs.runner import ProgressReporter, run_job
from conference.tasks.queue import enqueue
from conference.tasks.registry import background_task

KIND = "badge_print"


@bp.route("/events/<slug>/manage/badges/print-jobs", methods=["POST"])
@login_required
def start_print_job(slug: str):
    """Queue a print file of the chosen badges; show its progress page."""
    event = _managed(slug)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    form = forms.BadgeFilterForm(request.form)
    if not form.validate():
        abort(400)
    params = {"filter": asdict(_filter_from(form)), "layout": form.layout.data}
    job = jobs.create_job(event, KIND, params, actor=current_user)
    db.session.commit()
    enqueue("badges.print_sheet", job.id)
    return redirect(url_for("jobs.job_status", slug=event.slug, public_id=job.public_id))


@background_task("badges.print_sheet")
def print_badge_sheet(job_id: int) -> None:
    """The task: every chosen badge drawn into one PDF, progress on the job row."""
    run_job(job_id, _render)


def _render(job: Job) -> tuple[bytes, str, str]:
    event = db.session.get(Event, job.event_id)
    layout = job.params.get("layout", "a6")
    badge_filter = services.BadgeFilter(**job.params.get("filter", {}))
    # The file's title in the language of the organiser who asked for it (no request here).
    requester = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    with force_locale(language_for(requester, event)):
        title = _("Badges – %(title)s", title=event.title)
    job_id = job.id
    # Printing "all" means every approved registration: issue the missing badges first.
    if services.issue_missing_badges(event):
        db.session.commit()
        event = db.session.get(Event, job.event_id)
    badges = services.list_badges(event, badge_filter)
    progress = ProgressReporter(job_id, len(badges), end=40)
    cards = [services.badge_card(badge) for badge in progress.track(badges)]
    render = pdf.badges_sheet_pdf if layout == "a4" else pdf.badges_pdf
    drawing = ProgressReporter(job_id, len(cards), start=40, end=99)
    font = current_app.config.get("BADGE_FONT_PATH") or ""
    data = render(drawing.track(cards), font_path=font, title=title)
    return data, f"badges-{event.slug}-{layout}.pdf", "application/pdf"
