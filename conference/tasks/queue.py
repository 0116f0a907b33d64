"""The app's task queue: huey on SQLite in the instance folder by default, Redis when set.

``TASK_QUEUE_URL`` empty keeps the queue in ``instance/tasks.sqlite3`` (one machine,
nothing else to run); ``redis://...`` shares it between machines. Tests set
``TASK_IMMEDIATE``: huey then runs the real task code at once, in the caller's thread.
In development (``make run``) a consumer runs inside the server process, started by the
first request; in production run ``flask --app conference tasks worker``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from conference.tasks.registry import TASKS, TaskSpec

log = logging.getLogger(__name__)


class TaskQueue:
    """The huey instance of one app, with its tasks bound to that app."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.huey = _make_huey(app)
        self.tasks: dict[str, Any] = {}
        self._consumer: Consumer | None = None
        self._started = False  # once per app: a stopped consumer stays stopped
        self._lock = threading.Lock()
        for spec in TASKS.values():
            self._bind(spec)

    def _bind(self, spec: TaskSpec) -> None:
        app = self.app

        def run(*args: Any, **kwargs: Any) -> Any:
            from conference.gc_guard import remove_session

            # A task has its own app context, hence its own session and transaction,
            # even when huey's immediate mode runs it inside a request.
            with app.app_context():
                try:
                    return spec.func(*args, **kwargs)
                finally:
                    remove_session()

        self.tasks[spec.name] = self.huey.task(
            name=spec.name, retries=spec.retries, retry_delay=spec.retry_delay
        )(run)
        if spec.every_minute:
            self.huey.periodic_task(crontab(), name=spec.name + ".periodic")(run)

    def enqueue(self, name: str, *args: Any) -> None:
        self.tasks[name](*args)

    def consumer(self, workers: int = 1) -> Consumer:
        # Poll an idle SQLite queue at least every second (huey's default backs off to 10 s);
        # Redis is waited on with a blocking read anyway.
        return self.huey.create_consumer(
            workers=workers, worker_type="thread", periodic=True, max_delay=1.0
        )

    def start_in_process(self) -> None:
        """Run a consumer in threads of this process (development: nothing else to start)."""
        with self._lock:
            if self._started or self.huey.immediate:
                return
            self._started = True
            self._consumer = _InProcessConsumer(
                self.huey, workers=1, worker_type="thread", max_delay=1.0
            )
            self._consumer.start()
            log.info("Task consumer running inside this process")

    def stop_in_process(self) -> None:
        with self._lock:
            if self._consumer is not None:
                self._consumer.stop(graceful=True)
                self._consumer = None


class _InProcessConsumer(Consumer):
    def _set_signal_handlers(self) -> None:
        # The web server owns this process's signals (and may call from any thread).
        pass


def _make_huey(app: Flask) -> Huey:
    config = app.config
    url = config["TASK_QUEUE_URL"]
    # One queue per database by default: two apps of one checkout (`make run`, the browser
    # tests' server) share instance/tasks.sqlite3 but must never run each other's jobs.
    digest = hashlib.sha256(config["DATABASE_URL"].encode()).hexdigest()[:12]
    name = config["TASK_QUEUE_NAME"] or f"conference-{digest}"
    immediate = bool(config["TASK_IMMEDIATE"])
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False, immediate=immediate)
    if url.startswith("sqlite:///"):
        filename = url.removeprefix("sqlite:///")
    elif url:
        raise ValueError(f"TASK_QUEUE_URL must be redis://... or sqlite:///..., not {url!r}")
    else:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        filename = str(Path(app.instance_path) / "tasks.sqlite3")
    return SqliteHuey(name, filename=filename, results=False, immediate=immediate)


def init_task_queue(app: Flask) -> None:
    """Bind the declared tasks; in development, start a consumer with the first request."""
    queue = TaskQueue(app)
    app.extensions["task_queue"] = queue
    if app.config["TASK_CONSUMER_IN_PROCESS"]:
        app.before_request(queue.start_in_process)


def task_queue() -> TaskQueue:
    return current_app.extensions["task_queue"]


def enqueue(name: str, *args: Any) -> None:
    """Put task ``name`` on the queue (or run it now in immediate mode)."""
    task_queue().enqueue(name, *args)
