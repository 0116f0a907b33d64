"""Jobs that outlived their worker, and finished jobs' files, cleared every minute.

A worker killed mid-job (a deploy, the OOM killer) leaves its job "running" for ever, and
every finished job keeps its file in the database. The task worker's scheduler runs this
every minute in every process that has one: both statements are single conditional UPDATE
or DELETE statements, so several processes running them at once do the work once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, update

from conference.db_types import utcnow
from conference.extensions import db
from conference.jobs.models import Job, JobStatus
from conference.tasks.registry import background_task

ABANDONED = "The worker running this job stopped before it finished: start it again."


def fail_abandoned_jobs(now: datetime | None = None, *, timeout: timedelta) -> int:
    """Mark failed the jobs running (or queued) for longer than ``timeout``."""
    cutoff = (now or utcnow()) - timeout
    stale = ((Job.status == JobStatus.RUNNING.value) & (Job.started_at < cutoff)) | (
        (Job.status == JobStatus.QUEUED.value) & (Job.created_at < cutoff)
    )
    result = db.session.execute(
        update(Job)
        .where(stale)
        .values(status=JobStatus.FAILED.value, error=ABANDONED, finished_at=now or utcnow())
    )
    return result.rowcount


def purge_finished_jobs(now: datetime | None = None, *, keep: timedelta) -> int:
    """Delete jobs (and their files) finished longer than ``keep`` ago."""
    cutoff = (now or utcnow()) - keep
    finished = Job.status.in_([JobStatus.DONE.value, JobStatus.FAILED.value])
    return db.session.execute(delete(Job).where(finished, Job.finished_at < cutoff)).rowcount


@background_task("jobs.housekeeping", every_minute=True)
def housekeeping() -> None:
    config = current_app.config
    fail_abandoned_jobs(timeout=timedelta(minutes=config["JOB_TIMEOUT_MINUTES"]))
    purge_finished_jobs(keep=timedelta(days=config["JOB_KEEP_DAYS"]))
    db.session.commit()
