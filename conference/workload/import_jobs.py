"""The confirmed web import, run by the task worker as a job with progress (conference/jobs)."""

from __future__ import annotations

from sqlalchemy import select

from conference.errors import DomainError
from conference.events.models import Event
from conference.extensions import db
from conference.jobs.models import Job
from conference.jobs.runner import SideProgress, run_job
from conference.tasks.registry import background_task
from conference.workload import uploads
from conference.workload.models import AgendaUpload

KIND = "agenda_import"
TASK = "workload.import_agenda"


@background_task(TASK)
def import_agenda(job_id: int) -> None:
    """The task: the upload claimed by this job, imported in one transaction."""
    run_job(job_id, _import)


def _import(job: Job) -> tuple[bytes, str, str]:
    upload = db.session.scalar(select(AgendaUpload).where(AgendaUpload.job_id == job.id))
    if upload is None:
        raise DomainError("The uploaded file is no longer kept: upload it again.")
    event = db.session.get(Event, upload.event_id)
    report = uploads.import_upload(upload, progress=SideProgress(job.id))
    text = uploads.report_text(report, upload.filename)
    # Imported: the content is not needed again; the row stays (until the day-old purge) so
    # that a second confirmation still finds the job.
    upload.content = {}
    return text.encode(), f"import-{event.slug}.txt", "text/plain; charset=utf-8"
