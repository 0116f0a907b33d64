"""Jobs whose worker died are failed in words, and old jobs and their files are deleted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conference.db_types import utcnow
from conference.extensions import db
from conference.jobs import housekeeping
from conference.jobs.models import Job, JobStatus
from conference.jobs.services import create_job
from tests.factories import make_event, make_staff

HOUR = timedelta(hours=1)


def _job(event, status: str, *, age: timedelta, finished: bool = False) -> int:
    job = create_job(event, "badge_print", {}, actor=None)
    job.status = status
    job.created_at = job.started_at = utcnow() - age
    if finished:
        job.finished_at, job.result = utcnow() - age, b"file"
    db.session.commit()
    return job.id


def _status(job_id: int) -> str | None:
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    return None if job is None else job.status


def test_a_job_running_past_the_timeout_is_failed_with_a_reason(app):
    event = make_event("house")
    dead = _job(event, JobStatus.RUNNING, age=2 * HOUR)
    never_started = _job(event, JobStatus.QUEUED, age=2 * HOUR)
    busy = _job(event, JobStatus.RUNNING, age=timedelta(minutes=5))

    failed = housekeeping.fail_abandoned_jobs(timeout=HOUR)
    db.session.commit()

    assert failed == 2
    assert _status(dead) == _status(never_started) == JobStatus.FAILED
    assert db.session.get(Job, dead).error == housekeeping.ABANDONED
    assert _status(busy) == JobStatus.RUNNING


def test_finished_jobs_are_deleted_after_the_keeping_time(app):
    event = make_event("house")
    old_done = _job(event, JobStatus.DONE, age=timedelta(days=8), finished=True)
    old_failed = _job(event, JobStatus.FAILED, age=timedelta(days=8), finished=True)
    recent = _job(event, JobStatus.DONE, age=timedelta(days=1), finished=True)
    old_running = _job(event, JobStatus.RUNNING, age=timedelta(days=8))

    purged = housekeeping.purge_finished_jobs(keep=timedelta(days=7))
    db.session.commit()

    assert purged == 2
    assert _status(old_done) is None and _status(old_failed) is None
    assert _status(recent) == JobStatus.DONE and _status(old_running) == JobStatus.RUNNING


def test_the_periodic_task_uses_the_settings_and_the_page_says_why(app, login):
    event = make_event("house")
    organiser = make_staff(event, "organiser")
    dead = _job(event, JobStatus.RUNNING, age=timedelta(minutes=20))
    app.config["JOB_TIMEOUT_MINUTES"] = 15

    housekeeping.housekeeping()

    public_id = db.session.scalar(select(Job.public_id).where(Job.id == dead))
    page = login(organiser).get(f"/events/house/manage/jobs/{public_id}")
    assert "The job failed." in page.get_data(as_text=True)
    assert housekeeping.ABANDONED in page.get_data(as_text=True)
    assert "Refresh" not in page.headers
