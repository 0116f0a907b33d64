"""Create jobs and record how they run. Progress is written in its own short transaction
by the task (conference/jobs/runner.py), so the organiser's page sees it while the job runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from conference.db_types import utcnow
from conference.events.models import Event
from conference.extensions import db
from conference.jobs.models import Job, JobStatus


def create_job(event: Event, kind: str, params: dict[str, Any], *, actor: Any) -> Job:
    """A queued job of ``kind`` for ``event``; the caller commits, then enqueues it."""
    job = Job(
        event_id=event.id,
        kind=kind,
        params=params,
        requested_by_id=getattr(actor, "id", None),
        status=JobStatus.QUEUED.value,
    )
    db.session.add(job)
    db.session.flush()
    return job


def get_job(event: Event, public_id: str) -> Job | None:
    """The event's job with this public id (another event's job does not exist here)."""
    return db.session.scalar(
        select(Job).where(Job.event_id == event.id, Job.public_id == public_id)
    )


def get_job_by_id(event: Event, job_id: int) -> Job | None:
    """The event's job with this id."""
    return db.session.scalar(select(Job).where(Job.event_id == event.id, Job.id == job_id))


def list_jobs(event: Event, limit: int = 10) -> list[Job]:
    """The event's most recent jobs, newest first."""
    return list(
        db.session.scalars(
            select(Job).where(Job.event_id == event.id).order_by(Job.id.desc()).limit(limit)
        )
    )


def progress_statement(job_id: int, percent: int):
    """The UPDATE that sets the job's progress (0-100)."""
    return update(Job).where(Job.id == job_id).values(progress=max(0, min(100, percent)))


def record_progress(job_id: int, percent: int) -> None:
    """Set the job's progress (0-100)."""
    db.session.execute(progress_statement(job_id, percent))


def mark_running(job_id: int) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.RUNNING.value, started_at=utcnow(), progress=0, error=None)
    )


def mark_done(job_id: int, data: bytes, filename: str, mimetype: str) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            status=JobStatus.DONE.value,
            progress=100,
            result=data,
            result_name=filename,
            result_type=mimetype,
            finished_at=utcnow(),
        )
    )


def mark_failed(job_id: int, message: str) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=JobStatus.FAILED.value, error=message[:2000], finished_at=utcnow())
    )
