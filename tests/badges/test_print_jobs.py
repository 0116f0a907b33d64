"""Badge print files made off the request by the task queue, with progress and failures shown."""

from __future__ import annotations

import time

import pypdfium2
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from conference.extensions import db
from conference.jobs.models import Job
from conference.tasks.queue import task_queue
from tests.factories import make_attendee, make_open_event, make_staff
from tests.redis_server import REDIS_URL, redis_or_skip, unique_prefix
from tests.security.faults import inject

PEOPLE = 30


def _event_with_people(count: int = PEOPLE):
    event = make_open_event("print-event", title="Print event", capacity=count + 5)
    for number in range(count):
        make_attendee(event, name=f"Person {number:03d}")
    organiser = make_staff(event, "organiser")
    db.session.commit()
    return event, organiser


def _start(client, layout: str = "a4"):
    response = client.post("/events/print-event/manage/badges/print-jobs", data={"layout": layout})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def _page_count(data: bytes) -> int:
    return len(pypdfium2.PdfDocument(data))


def _job() -> Job:
    db.session.expire_all()
    return db.session.scalar(select(Job))


def test_print_job_runs_and_offers_the_pdf(app, login):
    _event, organiser = _event_with_people()
    client = login(organiser)

    status_url = _start(client)
    page = client.get(status_url)

    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Refresh" not in page.headers
    assert "Ready" in body and "badges-print-event-a4.pdf" in body
    download = client.get(status_url + "/file")
    assert download.mimetype == "application/pdf"
    assert _page_count(download.data) == -(-PEOPLE // 4)  # four badges per A4 sheet
    assert _job().progress == 100


def test_progress_is_reported_while_the_worker_runs_the_job(app, app_factory, login, tmp_path):
    app = app_factory(TASK_IMMEDIATE=False, TASK_QUEUE_URL=f"sqlite:///{tmp_path}/tasks.db")
    with app.app_context():
        _event, organiser = _event_with_people()
        client = login(organiser, app.test_client())
        status_url = _start(client, layout="a6")

        waiting = client.get(status_url)
        assert waiting.headers["Refresh"] == "2"
        assert "Waiting for the task worker" in waiting.get_data(as_text=True)
        assert "0%" in waiting.get_data(as_text=True)

        written: list[int] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("UPDATE jobs SET progress"):
                written.append(next(v for v in _values(parameters) if isinstance(v, int)))

        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            huey = task_queue().huey
            assert huey.pending_count() == 1
            huey.execute(huey.dequeue())  # what a worker thread does with the next task
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)

        assert written == sorted(written) and written[0] < 50 and written[-1] == 99
        assert len(written) >= 10, written
        done = client.get(status_url)
        assert "Refresh" not in done.headers and "Ready" in done.get_data(as_text=True)
        assert _page_count(client.get(status_url + "/file").data) == PEOPLE
        db.session.remove()


def _values(parameters):
    return parameters.values() if isinstance(parameters, dict) else parameters


def test_a_failed_job_says_so_and_offers_no_file(app, login):
    _event, organiser = _event_with_people(8)
    client = login(organiser)

    # The database connection drops at the third write: the view's INSERT, the job's
    # "running", then its first progress report.
    with inject("dropped", nth=3) as injector:
        status_url = _start(client)
    db.session.remove()

    assert injector.fired
    job = _job()
    assert job.status == "failed" and job.result is None
    body = client.get(status_url).get_data(as_text=True)
    assert "The job failed." in body and "OperationalError" in body
    assert "Traceback" not in body
    assert client.get(status_url + "/file").status_code == 404


def test_another_events_organiser_cannot_see_the_job(app, login):
    _event, organiser = _event_with_people(2)
    status_url = _start(login(organiser))
    other = make_open_event("other-print-event")
    stranger = make_staff(other, "organiser")
    db.session.commit()

    client = login(stranger)
    assert client.get(status_url).status_code == 403
    moved = status_url.replace("/print-event/", "/other-print-event/")
    assert client.get(moved).status_code == 404
    assert client.get(moved + "/file").status_code == 404


def _wait_for(predicate, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_the_development_consumer_runs_jobs_inside_the_server(app, app_factory, login, tmp_path):
    app = app_factory(
        TASK_IMMEDIATE=False,
        TASK_QUEUE_URL=f"sqlite:///{tmp_path}/tasks.db",
        TASK_CONSUMER_IN_PROCESS=True,
    )
    with app.app_context():
        _event, organiser = _event_with_people(6)
        client = login(organiser, app.test_client())
        try:
            status_url = _start(client)  # the first request started the consumer
            assert _wait_for(lambda: _job().status == "done"), _job().status
        finally:
            task_queue().stop_in_process()
        assert _page_count(client.get(status_url + "/file").data) == 2
        db.session.remove()


@pytest.fixture
def redis_queue_name():
    client = redis_or_skip()
    name = unique_prefix().rstrip(":")
    yield name
    for key in client.scan_iter(match=f"*{name}*"):
        client.delete(key)


def test_jobs_go_through_redis_when_configured(app, app_factory, login, redis_queue_name):
    app = app_factory(
        TASK_IMMEDIATE=False, TASK_QUEUE_URL=REDIS_URL, TASK_QUEUE_NAME=redis_queue_name
    )
    with app.app_context():
        _event, organiser = _event_with_people(4)
        client = login(organiser, app.test_client())
        _start(client)
        huey = task_queue().huey
        assert type(huey).__name__ == "RedisHuey" and huey.pending_count() == 1
        assert _job().status == "queued"

        huey.execute(huey.dequeue())

        assert _job().status == "done"
        db.session.remove()
