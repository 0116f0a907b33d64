"""Run a job's work inside a task: status, progress and failure all land on the job row."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from conference.errors import DomainError
from conference.extensions import db
from conference.jobs import services
from conference.jobs.models import Job

log = logging.getLogger(__name__)
T = TypeVar("T")

# What ``work`` returns: the file's bytes, its name and its media type.
Result = tuple[bytes, str, str]


class ProgressReporter:
    """Counts items through and commits the percentage every few percent."""

    def __init__(self, job_id: int, total: int, *, start: int = 0, end: int = 100) -> None:
        self.job_id, self.total, self.start, self.end = job_id, max(total, 1), start, end
        self._reported = -1

    def track(self, items: Iterable[T]) -> Iterator[T]:
        for index, item in enumerate(items, 1):
            yield item
            self.report(index)

    def report(self, done: int) -> None:
        percent = self.start + (self.end - self.start) * done // self.total
        if percent >= self._reported + 5 or (done >= self.total and percent > self._reported):
            services.record_progress(self.job_id, percent)
            db.session.commit()
            self._reported = percent


class SideProgress:
    """Progress of work that must stay one transaction (an import): written on a connection of
    its own, so the organiser sees it while the work's transaction is still open.

    SQLite has one writer at a time and the work holds that lock, so there the percentage is
    not written while the work runs (the page says "Working" until it is done).
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.enabled = db.engine.dialect.name != "sqlite"
        self._reported = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 99 * done // max(total, 1)
        if not self.enabled or percent < self._reported + 5:
            return
        with db.engine.begin() as connection:
            connection.execute(services.progress_statement(self.job_id, percent))
        self._reported = percent


def run_job(job_id: int, work: Callable[[Job], Result]) -> None:
    """Mark the job running, call ``work(job)`` and store its file, or record why it failed."""
    job = db.session.get(Job, job_id)
    if job is None:
        log.warning("Job %s vanished before it ran", job_id)
        return
    kind = job.kind
    try:
        services.mark_running(job_id)
        db.session.commit()
        data, filename, mimetype = work(db.session.get(Job, job_id))
    except DomainError as error:
        db.session.rollback()
        services.mark_failed(job_id, error.message)
    except Exception as error:  # shown to the organiser in words; the trace goes to the log
        db.session.rollback()
        log.exception("Job %s (%s) failed", job_id, kind)
        services.mark_failed(job_id, f"The job stopped with an error ({type(error).__name__}).")
    else:
        services.mark_done(job_id, data, filename, mimetype)
    db.session.commit()
